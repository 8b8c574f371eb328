import { useEffect, useState, type ReactNode } from 'react';
import type { KeyInfo } from '../../../shared/kms-responses.js';
import { useKeysStore } from '../state/keys-store.js';
import { useSettingsStore } from '../state/settings-store.js';
import { SearchSelect, type SearchOption } from './SearchSelect.js';

/** key_state '2' is Enabled: the only state in which a key encrypts. */
export const ENABLED = '2';

export function keyLabel(key: KeyInfo): string {
  return key.key_alias || key.key_id;
}

export function enabledKeys(keys: readonly KeyInfo[], accept: (key: KeyInfo) => boolean = encryptsFiles): KeyInfo[] {
  return keys.filter((k) => k.key_state === ENABLED && accept(k));
}

/** Files, data keys and AES-GCM text are encrypted under AES_256 keys only (asymmetric keys sign, or encrypt small data). */
export function encryptsFiles(key: KeyInfo): boolean {
  return key.key_spec === 'AES_256';
}

/** Loads the keys once if nobody has yet (App loads them after unlock). */
export function useKeysLoaded(): void {
  useEffect(() => {
    const { loaded, load } = useKeysStore.getState();
    if (!loaded) void load();
  }, []);
}

/** Whether `wanted` (an id, an alias or alias/NAME, as Settings may hold) names `key`. */
export function namesKey(key: KeyInfo, wanted: string | null): boolean {
  return !!wanted && (key.key_id === wanted || key.key_alias === wanted || `alias/${key.key_alias}` === wanted);
}

/**
 * The chosen enabled key among those `accept` takes: the user's pick while it stays enabled, otherwise the default key
 * from Settings, otherwise the only enabled key (`firstWhenMany` also takes the first of
 * several); '' when there is none.
 */
export function useEnabledKeyChoice({
  firstWhenMany = true,
  accept = encryptsFiles,
}: {
  firstWhenMany?: boolean;
  /** Which enabled keys fit the use (by default: AES_256 keys, which encrypt files). */
  accept?: (key: KeyInfo) => boolean;
} = {}): {
  keyId: string;
  setKeyId: (id: string) => void;
  enabled: KeyInfo[];
} {
  useKeysLoaded();
  const keys = useKeysStore((s) => s.keys);
  const defaultKey = useSettingsStore((s) => s.settings.default_key_id);
  const [chosen, setKeyId] = useState('');
  const enabled = enabledKeys(keys, accept);
  const picked = enabled.find((k) => k.key_id === chosen);
  const preset = enabled.find((k) => namesKey(k, defaultKey));
  const fallback = firstWhenMany || enabled.length === 1 ? enabled[0] : undefined;
  return { keyId: (picked ?? preset ?? fallback)?.key_id ?? '', setKeyId, enabled };
}

export function keyOption(key: KeyInfo, note = ''): SearchOption {
  return { value: key.key_id, label: `${keyLabel(key)}${note}`, detail: key.key_id };
}

/**
 * The one way to choose a key: searchable by alias or id. `leading` options (None, All keys)
 * come first.
 */
export function KeyPicker({
  label = 'Key',
  keyId,
  keys,
  onChange,
  leading = [],
  invalid,
  describedBy,
  className,
}: {
  label?: string;
  keyId: string;
  keys: readonly KeyInfo[];
  onChange: (id: string) => void;
  leading?: SearchOption[];
  invalid?: boolean;
  describedBy?: string;
  className?: string;
}): ReactNode {
  const options = [...leading, ...keys.map((k) => keyOption(k))];
  return (
    <SearchSelect
      label={label}
      options={options}
      value={keyId}
      onChange={onChange}
      disabled={options.length === 0}
      placeholder={options.length === 0 ? 'No enabled key' : 'Type to find a key…'}
      invalid={invalid}
      describedBy={describedBy}
      className={className}
    />
  );
}
