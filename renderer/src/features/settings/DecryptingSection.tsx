import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { DEFAULT_MAX_ENCRYPTED_DATA_KEYS, MAX_ENCRYPTED_DATA_KEYS_LIMIT } from '../../../../shared/file-format.js';
import type { Settings } from '../../../../shared/ipc-contract.js';
import { useSettingsStore } from '../../state/settings-store.js';

/**
 * Settings → Decrypting files: the most encrypted data keys a file's header may hold for the app's
 * jobs and previews (the CLI's --max-encrypted-data-keys); empty is the default.
 */
export function DecryptingSection({
  headingId,
  save,
}: {
  headingId: string;
  save: (changes: Partial<Settings>) => Promise<void>;
}): ReactNode {
  const ids = { input: useId(), hint: useId(), problem: useId() };
  const saved = useSettingsStore((s) => s.settings.max_encrypted_data_keys);
  const [text, setText] = useState(saved === null ? '' : String(saved));
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => setText(saved === null ? '' : String(saved)), [saved]);

  function submit(event: FormEvent): void {
    event.preventDefault();
    const value = text.trim();
    if (value === '') {
      setProblem(null);
      void save({ max_encrypted_data_keys: null });
      return;
    }
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1 || n > MAX_ENCRYPTED_DATA_KEYS_LIMIT) {
      setProblem(`Give a whole number from 1 to ${MAX_ENCRYPTED_DATA_KEYS_LIMIT}, or leave it empty for the default.`);
      return;
    }
    setProblem(null);
    void save({ max_encrypted_data_keys: n });
  }

  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Decrypting files</h2>
      <form className="settings-folder" onSubmit={submit} noValidate>
        <label htmlFor={ids.input}>Most encrypted data keys in a file</label>
        <input
          id={ids.input}
          type="text"
          inputMode="numeric"
          value={text}
          placeholder={`${DEFAULT_MAX_ENCRYPTED_DATA_KEYS} (default)`}
          aria-invalid={problem !== null}
          aria-describedby={problem ? `${ids.problem} ${ids.hint}` : ids.hint}
          onChange={(e) => setText(e.target.value)}
        />
        {problem && (
          <p id={ids.problem} className="error" role="alert">
            {problem}
          </p>
        )}
        <div className="text-actions">
          <button type="submit" className="secondary" disabled={text.trim() === (saved === null ? '' : String(saved))}>
            Save limit
          </button>
        </div>
        <p id={ids.hint} className="hint">
          A file names one encrypted data key for each key or person it is for. A file with more than this many is refused before
          any key is tried, in jobs and previews: a hostile file cannot make Coffer try thousands. Empty:{' '}
          {DEFAULT_MAX_ENCRYPTED_DATA_KEYS}.
        </p>
      </form>
    </section>
  );
}
