import { useId, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import './search-select.css';

export interface SearchOption {
  value: string;
  label: string;
  /** Also searched and shown smaller (a key id, a description). */
  detail?: string;
}

/** Options whose label or detail contains every word of the query, case-insensitively. */
export function matchOptions(options: readonly SearchOption[], query: string): SearchOption[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...options];
  return options.filter((o) => {
    const text = `${o.label} ${o.detail ?? ''}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/**
 * A select you can type into (the WAI-ARIA combobox with a list box): typing narrows the list,
 * arrows move through it, Enter or a click chooses, Escape puts the choice back. Closed, it
 * shows the chosen option's label.
 */
export function SearchSelect({
  label,
  options,
  value,
  onChange,
  placeholder,
  disabled,
  invalid,
  describedBy,
  className,
}: {
  label: string;
  options: readonly SearchOption[];
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
  disabled?: boolean;
  invalid?: boolean;
  describedBy?: string;
  className?: string;
}): ReactNode {
  const id = useId();
  const listId = `${id}-list`;
  const chosen = options.find((o) => o.value === value);
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const inputRef = useRef<HTMLInputElement>(null);
  const shown = useMemo(() => matchOptions(options, query), [options, query]);
  const activeOption = open ? shown[Math.min(active, shown.length - 1)] : undefined;

  function openList(): void {
    if (open) return;
    setOpen(true);
    setQuery('');
    setActive(
      Math.max(
        0,
        options.findIndex((o) => o.value === value),
      ),
    );
  }
  function close(): void {
    setOpen(false);
    setQuery('');
  }
  function choose(option: SearchOption | undefined): void {
    if (option) onChange(option.value);
    close();
  }
  function onKeyDown(event: KeyboardEvent<HTMLInputElement>): void {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (!open) return openList();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((a) => Math.max(0, Math.min(shown.length - 1, Math.min(a, shown.length - 1) + step)));
    } else if (event.key === 'Enter' && open) {
      event.preventDefault();
      choose(activeOption);
    } else if (event.key === 'Escape' && open) {
      // Only the list closes; a dialog around it stays open.
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  }

  return (
    <div className={['search-select', className].filter(Boolean).join(' ')}>
      <label htmlFor={`${id}-input`}>{label}</label>
      <input
        ref={inputRef}
        id={`${id}-input`}
        type="text"
        role="combobox"
        autoComplete="off"
        spellCheck={false}
        aria-expanded={open}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={activeOption ? `${id}-opt-${activeOption.value}` : undefined}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        disabled={disabled}
        placeholder={placeholder}
        value={open ? query : (chosen?.label ?? '')}
        onFocus={openList}
        onClick={openList}
        onBlur={close}
        onChange={(event) => {
          if (!open) setOpen(true);
          setQuery(event.target.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
      />
      <ul id={listId} role="listbox" aria-label="Choices" hidden={!open} className="search-select-list">
        {shown.length === 0 ? (
          <li className="search-select-none" role="presentation">
            Nothing matches “{query}”.
          </li>
        ) : (
          shown.map((option) => (
            <li
              key={option.value}
              id={`${id}-opt-${option.value}`}
              role="option"
              aria-selected={option.value === value}
              className={option === activeOption ? 'search-select-option active' : 'search-select-option'}
              // Chosen before the input's blur closes the list.
              onMouseDown={(event) => {
                event.preventDefault();
                choose(option);
              }}
            >
              <span className="search-select-label">{option.label}</span>
              {option.detail && <span className="search-select-detail">{option.detail}</span>}
            </li>
          ))
        )}
      </ul>
    </div>
  );
}
