import type { KeyInfo } from '../../../../shared/kms-responses.js';
import { testKey as baseKey } from '../../test-support/key-info.js';

/** A KeyInfo as list-keys gives it, for component tests. */
export function testKey(key_id: string, key_alias: string, key_state = '2'): KeyInfo {
  return baseKey(key_id, key_alias, key_state, { rotation_interval: 0 });
}
