import type { KeyInfo } from '../../../../shared/kms-responses.js';

/** A KeyInfo as list-keys gives it, for component tests. */
export function testKey(key_id: string, key_alias: string, key_state = '2'): KeyInfo {
  return {
    key_id,
    domain_id: 'local',
    key_alias,
    realm: 'local',
    key_description: '',
    creation_date: '1700000000000',
    scheduled_deletion_date: '',
    key_state,
    key_state_name: key_state === '2' ? 'Enabled' : 'Disabled',
    default_key_flag: '0',
    key_spec: 'AES_256',
    key_usage: 'ENCRYPT_DECRYPT',
    origin: 'kms',
    exportable: false,
    key_rotation_enabled: 'false',
    rotation_interval: 0,
    last_rotation_time: '',
    number_of_rotations: 0,
    key_version: 1,
    key_versions: [1],
    tags: {},
  };
}
