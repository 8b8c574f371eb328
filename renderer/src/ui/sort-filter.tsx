import { useState, type ReactNode, type Ref } from 'react';

export type SortDirection = 'ascending' | 'descending';
export interface SortState<C extends string> {
  column: C;
  direction: SortDirection;
}

/** Rows in the order a column asks for: text by locale (numbers inside compared as numbers), numbers as numbers. */
export function sortRows<T, C extends string>(
  rows: readonly T[],
  sort: SortState<C>,
  valueOf: Record<C, (row: T) => string | number>,
): T[] {
  const value = valueOf[sort.column];
  const sign = sort.direction === 'ascending' ? 1 : -1;
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
  return [...rows].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : collator.compare(String(x), String(y));
    return order * sign;
  });
}

/** Rows holding every word of the query somewhere in their searchable text, case-insensitively. */
export function filterRows<T>(rows: readonly T[], query: string, textOf: (row: T) => string): T[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...rows];
  return rows.filter((row) => {
    const text = textOf(row).toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/** A column's sort: choosing the sorted column again flips its direction. */
export function useSort<C extends string>(initial: SortState<C>): [SortState<C>, (column: C) => void] {
  const [sort, setSort] = useState(initial);
  const toggle = (column: C): void =>
    setSort((s) =>
      s.column === column
        ? { column, direction: s.direction === 'ascending' ? 'descending' : 'ascending' }
        : { column, direction: 'ascending' },
    );
  return [sort, toggle];
}

/** A column header that sorts: a button inside the <th>, with aria-sort saying the order. */
export function SortableHeader<C extends string>({
  column,
  label,
  sort,
  onSort,
}: {
  column: C;
  label: string;
  sort: SortState<C>;
  onSort: (column: C) => void;
}): ReactNode {
  const sorted = sort.column === column;
  return (
    <th scope="col" aria-sort={sorted ? sort.direction : 'none'}>
      <button type="button" className="sort-button" onClick={() => onSort(column)}>
        {label}
        <span className="sort-mark" aria-hidden="true">
          {sorted ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : ' ↕'}
        </span>
      </button>
    </th>
  );
}

/**
 * A search box that narrows a list as you type, saying how many are shown. Marked
 * data-filter so the Filter shortcut (Ctrl/Cmd+F) finds it on whatever screen is showing.
 */
export function FilterField({
  label,
  value,
  onChange,
  shown,
  total,
  noun,
  inputRef,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  shown: number;
  total: number;
  noun: [string, string];
  inputRef?: Ref<HTMLInputElement>;
}): ReactNode {
  const name = (n: number): string => (n === 1 ? noun[0] : noun[1]);
  return (
    <div className="filter-field">
      <label>
        {label}
        <input
          ref={inputRef}
          type="search"
          data-filter=""
          spellCheck={false}
          autoComplete="off"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape' && value) {
              e.preventDefault();
              onChange('');
            }
          }}
        />
      </label>
      <span className="hint" aria-live="polite">
        {value ? `${shown} of ${total} ${name(total)} shown` : ''}
      </span>
    </div>
  );
}
