import { useCallback, useState } from 'react';
import { messageOf } from '../../bridge.js';

/**
 * One section's pending change: busy while it runs, the KMS sentence when it is refused.
 * `run` resolves to the action's value, or undefined when it failed.
 */
export function useAction(): {
  busy: boolean;
  error: string | null;
  setError: (message: string | null) => void;
  run: <T>(action: () => Promise<T>) => Promise<T | undefined>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async <T>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await action();
    } catch (e) {
      setError(messageOf(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}
