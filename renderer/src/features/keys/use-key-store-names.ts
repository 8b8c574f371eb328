import { useEffect, useState } from 'react';
import { call } from '../../bridge.js';

/** Key store id -> alias, for saying where each key is stored; empty until known (ids are shown meanwhile). */
export function useKeyStoreNames(): Record<string, string> {
  const [names, setNames] = useState<Record<string, string>>({});
  useEffect(() => {
    call('keystores:list', {}).then(
      ({ keystores }) => setNames(Object.fromEntries(keystores.map((s) => [s.keystore_id, s.keystore_alias]))),
      () => setNames({}),
    );
  }, []);
  return names;
}

/** Where a key lives, in words. */
export function storedIn(keystoreId: string | undefined, names: Record<string, string>): string {
  return keystoreId === undefined ? 'Vault' : `Key store ${names[keystoreId] ?? keystoreId}`;
}
