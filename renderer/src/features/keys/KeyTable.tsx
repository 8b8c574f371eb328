import type { ReactNode } from 'react';
import type { KeyInfo } from '../../../../shared/kms-responses.js';
import { formatDate } from '../../ui/format.js';
import { rotationSummary, STATE, stateName } from './key-format.js';

/** Every CMK, one row each; the alias button (or a click anywhere on the row) opens its details. */
export function KeyTable({
  keys,
  selectedId,
  onSelect,
}: {
  keys: KeyInfo[];
  selectedId: string | null;
  onSelect: (keyId: string) => void;
}): ReactNode {
  return (
    <table className="keys-table" aria-label="Keys">
      <thead>
        <tr>
          <th scope="col">Alias</th>
          <th scope="col">State</th>
          <th scope="col">Rotation</th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        {keys.map((key) => {
          const selected = key.key_id === selectedId;
          return (
            <tr
              key={key.key_id}
              className={selected ? 'selected' : undefined}
              aria-current={selected ? 'true' : undefined}
              onClick={() => onSelect(key.key_id)}
            >
              <th scope="row">
                <button
                  type="button"
                  className="keys-row-button"
                  aria-expanded={selected}
                  onClick={(event) => {
                    event.stopPropagation();
                    onSelect(key.key_id);
                  }}
                >
                  {key.key_alias}
                </button>
                {key.key_description && <span className="hint keys-row-description">{key.key_description}</span>}
              </th>
              <td>
                <span className={`keys-badge state-${key.key_state}`}>{stateName(key)}</span>
                {key.key_state === STATE.pendingDeletion && (
                  <span className="hint"> on {formatDate(key.scheduled_deletion_date)}</span>
                )}
              </td>
              <td>{rotationSummary(key)}</td>
              <td>{formatDate(key.creation_date)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
