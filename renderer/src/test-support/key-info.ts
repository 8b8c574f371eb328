import type { KeyInfo } from '../../../shared/kms-responses.js';
import { KEY_STATE_NAMES, type KeyState } from '../../../shared/key-types.js';

/** A KeyInfo as list-keys gives it, for component tests; any field can be overridden. */
export function testKey(key_id: string, key_alias: string, key_state = '2', over: Partial<KeyInfo> = {}): KeyInfo {
  return {
    key_id,
    domain_id: 'local',
    key_alias,
    realm: 'local',
    key_description: '',
    creation_date: '1700000000000',
    scheduled_deletion_date: '',
    key_state,
    key_state_name: KEY_STATE_NAMES[Number(key_state) as KeyState] ?? 'Enabled',
    default_key_flag: '0',
    key_spec: 'AES_256',
    key_usage: 'ENCRYPT_DECRYPT',
    key_namespace: 'coffer',
    key_name: key_state === '5' ? '' : `${key_id}:v00000001`,
    key_names: key_state === '5' ? [] : [`${key_id}:v00000001`],
    origin: 'kms',
    exportable: false,
    key_rotation_enabled: 'false',
    rotation_interval: 365,
    last_rotation_time: '',
    number_of_rotations: 0,
    key_version: key_state === '5' ? null : 1,
    key_versions: key_state === '5' ? [] : [1],
    tags: {},
    ...over,
  };
}
