import type { KeyInfo, ListKeysResponse, RotationStatus } from '../../../../shared/kms-responses.js';
import { KEY_STATE_NAMES, type KeyState } from '../../../../shared/key-types.js';
import { useKeysStore } from '../../state/keys-store.js';
import { testKey } from '../../test-support/key-info.js';

/** Test data for the Keys screen: keys as list-keys gives them. */
let counter = 0;

export function keyInfo(over: Partial<KeyInfo> = {}): KeyInfo {
  counter += 1;
  const state = over.key_state ?? '2';
  return testKey(`00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`, `key-${counter}`, state, {
    creation_date: String(Date.UTC(2025, 0, 15)),
    ...over,
  });
}

export function listOf(keys: KeyInfo[]): ListKeysResponse {
  return {
    keys: keys.map((k) => k.key_id),
    key_details: keys.map((k) => ({ ...k })),
    total: keys.length,
    truncated: 'false',
    next_marker: '',
  };
}

export function rotationOf(key: KeyInfo, over: Partial<RotationStatus> = {}): RotationStatus {
  return {
    key_id: key.key_id,
    key_rotation_enabled: key.key_rotation_enabled === 'true',
    rotation_interval: key.rotation_interval,
    last_rotation_time: key.last_rotation_time,
    next_rotation_time: '',
    number_of_rotations: key.number_of_rotations,
    key_version: key.key_version,
    ...over,
  };
}

export function resetKeysStore(): void {
  useKeysStore.setState({ keys: [], loaded: false, error: null });
}

/** Sets a key's state and its human name together, as the core does. */
export function setState(key: KeyInfo, state: KeyState): void {
  key.key_state = String(state);
  key.key_state_name = KEY_STATE_NAMES[state];
}
