import { useEffect, useRef, useState, type ReactNode } from 'react';
import './context-pairs.css';

/** The fields a row needs; callers keep their own richer rows (e.g. a `required` flag). */
export interface PairRow {
  /** Only keeps React rows (and focus) stable. */
  id: number;
  name: string;
  value: string;
}

/** What each row's fields and buttons are called: screen readers and tests find them by these. */
export interface PairLabels {
  name: (position: number) => string;
  value: (position: number) => string;
  remove: (position: number) => string;
  add: string;
}

/**
 * Rows of name/value pairs (an encryption context, or the pairs given back to decrypt). Adding a
 * row moves focus to its name field; removing one moves it to the add button, so keyboard users
 * are never left on nothing. With `required`, each row also has a checkbox (kept out of the file).
 */
export function ContextPairsEditor<P extends PairRow>({
  legend,
  hint,
  emptyHint,
  labels,
  pairs,
  onChange,
  create,
  required,
  problem,
  smallButtons = false,
}: {
  legend: string;
  hint: string;
  /** Said when there are no rows; nothing is said when absent. */
  emptyHint?: string;
  labels: PairLabels;
  pairs: readonly P[];
  onChange: (pairs: P[]) => void;
  create: () => P;
  required?: { get: (pair: P) => boolean; with: (pair: P, value: boolean) => P; label: (position: number) => string };
  /** Why the pairs cannot be used as they are, shown as an alert. */
  problem?: string | null;
  smallButtons?: boolean;
}): ReactNode {
  const [focusId, setFocusId] = useState<number | null>(null);
  const addButton = useRef<HTMLButtonElement>(null);
  const nameFields = useRef(new Map<number, HTMLInputElement>());

  useEffect(() => {
    if (focusId === null) return;
    nameFields.current.get(focusId)?.focus();
    setFocusId(null);
  }, [focusId]);

  const change = (id: number, update: (pair: P) => P): void => onChange(pairs.map((p) => (p.id === id ? update(p) : p)));
  const buttonClass = smallButtons ? 'secondary small' : 'secondary';

  return (
    <fieldset className="context-pairs">
      <legend>{legend}</legend>
      <p className="hint">{hint}</p>
      {pairs.length === 0 ? (
        emptyHint && <p className="hint">{emptyHint}</p>
      ) : (
        <ul className="context-pairs-rows">
          {pairs.map((pair, index) => (
            <li key={pair.id} className="context-pairs-row">
              <label>
                {labels.name(index + 1)}
                <input
                  type="text"
                  spellCheck={false}
                  value={pair.name}
                  ref={(el) => {
                    if (el) nameFields.current.set(pair.id, el);
                    else nameFields.current.delete(pair.id);
                  }}
                  onChange={(e) => change(pair.id, (p) => ({ ...p, name: e.target.value }))}
                />
              </label>
              <label>
                {labels.value(index + 1)}
                <input
                  type="text"
                  spellCheck={false}
                  value={pair.value}
                  onChange={(e) => change(pair.id, (p) => ({ ...p, value: e.target.value }))}
                />
              </label>
              {required && (
                <label className="checkbox-line">
                  <input
                    type="checkbox"
                    checked={required.get(pair)}
                    onChange={(e) => change(pair.id, (p) => required.with(p, e.target.checked))}
                  />
                  {required.label(index + 1)}
                </label>
              )}
              <button
                type="button"
                className={buttonClass}
                aria-label={labels.remove(index + 1)}
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
        className={buttonClass}
        ref={addButton}
        onClick={() => {
          const pair = create();
          onChange([...pairs, pair]);
          setFocusId(pair.id);
        }}
      >
        {labels.add}
      </button>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
    </fieldset>
  );
}
