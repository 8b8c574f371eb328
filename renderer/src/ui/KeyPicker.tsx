import { useEffect, useState, type ReactNode } from 'react';
import type { KeyInfo } from '../../../../shared/kms-responses.js';
import { useKeysStore } from '../../state/keys-store.js';
import { useSettingsStore } from '../../state/settings-store.js';

/** key_state '2' is Enabled: the only state in which a key encrypts. */
export const ENABLED = '2';

export function keyLabel(key: KeyInfo): string {
  return key.key_alias || key.key_id;
}

/** Loads the keys once if nobody has yet (App loads them after unlock). */
export function useKeysLoaded(): void {
  useEffect(() => {
    const { loaded, load } = useKeysStore.getState();
    if (!loaded) void load();
  }, []);
}

/**
 * The chosen enabled key: the user's pick while it stays enabled, otherwise the default key
 * from Settings, otherwise the first enabled key; '' when there is none.
 */
export function useEnabledKeyChoice(): { keyId: string; setKeyId: (id: string) => void; enabled: KeyInfo[] } {
  useKeysLoaded();
  const keys = useKeysStore((s) => s.keys);
  const defaultKey = useSettingsStore((s) => s.settings.default_key_id);
  const [chosen, setKeyId] = useState('');
  const enabled = keys.filter((k) => k.key_state === ENABLED);
  const has = (id: string | null): id is string => id !== null && enabled.some((k) => k.key_id === id);
  const keyId = has(chosen) ? chosen : has(defaultKey) ? defaultKey : (enabled[0]?.key_id ?? '');
  return { keyId, setKeyId, enabled };
}

export function KeyPicker({
  label = 'Key',
  keyId,
  enabled,
  onChange,
}: {
  label?: string;
  keyId: string;
  enabled: KeyInfo[];
  onChange: (id: string) => void;
}): ReactNode {
  return (
    <label>
      {label}
      <select value={keyId} onChange={(e) => onChange(e.target.value)} disabled={enabled.length === 0}>
        {enabled.length === 0 && <option value="">No enabled key</option>}
        {enabled.map((k) => (
          <option key={k.key_id} value={k.key_id}>
            {keyLabel(k)}
          </option>
        ))}
      </select>
    </label>
  );
}
