import { KEY_STATE_NAMES } from '../../../shared/key-types.js';
import type { KeyInfo } from '../../../shared/kms-responses.js';
import { keyNaming } from '../keyrings/key-naming.js';
import { keySpecOf, keyUsageOf } from '../vault/key-lifecycle.js';
import type { KeyRecord } from '../vault/vault-file.js';

export type { KeyInfo };

export function keyInfo(key: Readonly<KeyRecord>, domainId: string): KeyInfo {
  return {
    key_id: key.key_id,
    domain_id: domainId,
    key_alias: key.alias,
    realm: 'local',
    key_description: key.description,
    creation_date: String(key.created),
    scheduled_deletion_date: key.scheduled_deletion === null ? '' : String(key.scheduled_deletion),
    key_state: String(key.state),
    key_state_name: KEY_STATE_NAMES[key.state],
    default_key_flag: '0',
    key_spec: keySpecOf(key),
    key_usage: keyUsageOf(key),
    key_namespace: keyNaming(key, 1).namespace,
    key_name: key.versions.length === 0 ? '' : keyNaming(key, key.versions.at(-1)!.version).name,
    key_names: key.versions.map((v) => keyNaming(key, v.version).name),
    origin: key.origin,
    exportable: key.exportable,
    key_rotation_enabled: String(key.rotation.enabled),
    rotation_interval: key.rotation.interval_days,
    last_rotation_time: key.rotation.last_rotation === null ? '' : String(key.rotation.last_rotation),
    number_of_rotations: key.rotation.count,
    key_version: key.versions.at(-1)?.version ?? null,
    key_versions: key.versions.map((v) => v.version),
    tags: { ...key.tags },
    ...(key.key_store_id !== undefined ? { keystore_id: key.key_store_id } : {}),
  };
}
