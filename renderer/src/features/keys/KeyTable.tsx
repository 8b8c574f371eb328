import { storedIn, useKeyStoreNames } from './use-key-store-names.js';
import { useState, type ReactNode } from 'react';
import type { KeyInfo } from '../../../../shared/kms-responses.js';
import { formatDate } from '../../ui/format.js';
import { FilterField, filterRows, SortableHeader, sortRows, useSort } from '../../ui/sort-filter.js';
import { rotationSummary, STATE, stateName } from './key-format.js';

type Column = 'alias' | 'spec' | 'state' | 'rotation' | 'created';

const VALUE_OF: Record<Column, (key: KeyInfo) => string | number> = {
  alias: (k) => k.key_alias || k.key_id,
  spec: (k) => `${k.key_spec} ${k.key_usage}`,
  state: (k) => stateName(k),
  rotation: (k) => rotationSummary(k),
  created: (k) => Number(k.creation_date) || 0,
};

/** What type-to-filter searches: alias, description, id, state, spec, usage and another tool's names. */
function searchText(key: KeyInfo): string {
  return `${key.key_alias} ${key.key_description ?? ''} ${key.key_id} ${stateName(key)} ${key.key_spec} ${key.key_usage} ${key.key_namespace} ${key.key_namespace === 'coffer' ? '' : key.key_name}`;
}

/**
 * Every CMK, one row each, filtered as you type and sorted by any column; the alias button (or
 * a click anywhere on the row) opens its details.
 */
export function KeyTable({
  keys,
  selectedId,
  onSelect,
}: {
  keys: KeyInfo[];
  selectedId: string | null;
  onSelect: (keyId: string) => void;
}): ReactNode {
  const [query, setQuery] = useState('');
  const [sort, toggle] = useSort<Column>({ column: 'created', direction: 'ascending' });
  const storeNames = useKeyStoreNames();
  const shown = sortRows(filterRows(keys, query, searchText), sort, VALUE_OF);
  return (
    <>
      <FilterField
        label="Filter keys"
        value={query}
        onChange={setQuery}
        shown={shown.length}
        total={keys.length}
        noun={['key', 'keys']}
      />
      <table className="keys-table" aria-label="Keys">
        <thead>
          <tr>
            <SortableHeader column="alias" label="Alias" sort={sort} onSort={toggle} />
            <SortableHeader column="spec" label="Key spec" sort={sort} onSort={toggle} />
            <SortableHeader column="state" label="State" sort={sort} onSort={toggle} />
            <SortableHeader column="rotation" label="Rotation" sort={sort} onSort={toggle} />
            <SortableHeader column="created" label="Created" sort={sort} onSort={toggle} />
            <th scope="col">Stored in</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((key) => {
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
                    data-key-id={key.key_id}
                    aria-expanded={selected}
                    onClick={(event) => {
                      event.stopPropagation();
                      onSelect(key.key_id);
                    }}
                  >
                    {key.key_alias}
                  </button>
                  {key.key_description && <span className="hint keys-row-description">{key.key_description}</span>}
                  {key.key_namespace !== 'coffer' && (
                    <span className="hint keys-row-description keys-break">
                      {key.key_namespace} / {key.key_name}
                    </span>
                  )}
                </th>
                <td>
                  {key.key_spec}
                  <span className="hint keys-row-description">{key.key_usage}</span>
                </td>
                <td>
                  <span className={`keys-badge state-${key.key_state}`}>{stateName(key)}</span>
                  {key.key_state === STATE.pendingDeletion && (
                    <span className="hint nowrap"> on {formatDate(key.scheduled_deletion_date)}</span>
                  )}
                </td>
                <td>{rotationSummary(key)}</td>
                <td className="nowrap">{formatDate(key.creation_date)}</td>
                <td>{storedIn(key.keystore_id, storeNames)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {shown.length === 0 && <p className="hint">No key matches “{query}”.</p>}
    </>
  );
}
