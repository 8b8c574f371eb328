import { useState } from 'react';
import { messageOf } from '../bridge.js';

/** An async operation's busy flag, last result and error sentence. */
export function useOperation<T>(): {
  busy: boolean;
  result: T | null;
  error: string | null;
  run: (operation: () => Promise<T>) => Promise<void>;
} {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  return {
    busy,
    result,
    error,
    async run(operation) {
      setBusy(true);
      setError(null);
      try {
        setResult(await operation());
      } catch (e) {
        setResult(null);
        setError(messageOf(e));
      } finally {
        setBusy(false);
      }
    },
  };
}
