import { useEffect, useRef, useState, type ReactNode } from 'react';
import { newPair, type ContextPair } from './context.js';
import './text.css';

/**
 * Rows of name/value pairs bound to a ciphertext as associated data. Fields are labelled
 * "Context name N" / "Context value N"; adding a row moves focus to its name field.
 */
export function ContextEditor({
  pairs,
  onChange,
  problem,
}: {
  pairs: readonly ContextPair[];
  onChange: (pairs: ContextPair[]) => void;
  problem: string | null;
}): ReactNode {
  const [focusId, setFocusId] = useState<number | null>(null);
  const addButton = useRef<HTMLButtonElement>(null);
  const nameFields = useRef(new Map<number, HTMLInputElement>());

  useEffect(() => {
    if (focusId === null) return;
    nameFields.current.get(focusId)?.focus();
    setFocusId(null);
  }, [focusId]);

  const change = (id: number, field: 'name' | 'value', text: string): void =>
    onChange(pairs.map((p) => (p.id === id ? { ...p, [field]: text } : p)));

  return (
    <fieldset className="text-context-editor">
      <legend>Encryption context (optional)</legend>
      <p className="hint">
        Name/value pairs bound to the ciphertext. Decrypting needs exactly the same pairs; names and values are case-sensitive.
      </p>
      {pairs.length === 0 ? (
        <p className="hint">No pairs: the ciphertext is bound to no context.</p>
      ) : (
        <ul className="text-context-rows">
          {pairs.map((pair, index) => (
            <li key={pair.id} className="text-context-row">
              <label>
                Context name {index + 1}
                <input
                  type="text"
                  spellCheck={false}
                  value={pair.name}
                  ref={(el) => {
                    if (el) nameFields.current.set(pair.id, el);
                    else nameFields.current.delete(pair.id);
                  }}
                  onChange={(e) => change(pair.id, 'name', e.target.value)}
                />
              </label>
              <label>
                Context value {index + 1}
                <input
                  type="text"
                  spellCheck={false}
                  value={pair.value}
                  onChange={(e) => change(pair.id, 'value', e.target.value)}
                />
              </label>
              <button
                type="button"
                className="secondary"
                aria-label={`Remove context pair ${index + 1}`}
                onClick={() => {
                  onChange(pairs.filter((p) => p.id !== pair.id));
                  addButton.current?.focus();
                }}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <button
        type="button"
        className="secondary"
        ref={addButton}
        onClick={() => {
          const pair = newPair();
          onChange([...pairs, pair]);
          setFocusId(pair.id);
        }}
      >
        Add context pair
      </button>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
    </fieldset>
  );
}
