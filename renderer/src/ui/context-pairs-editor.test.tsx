import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState, type ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { ContextPairsEditor, type PairLabels, type PairRow } from './ContextPairsEditor.js';

interface Row extends PairRow {
  required: boolean;
}

const LABELS: PairLabels = {
  name: (n) => `Pair name ${n}`,
  value: (n) => `Pair value ${n}`,
  remove: (n) => `Remove pair ${n}`,
  add: 'Add pair',
};

let nextId = 1;
const newRow = (): Row => ({ id: nextId++, name: '', value: '', required: false });

/** The editor with its rows held in state, as a screen holds them; `seen` records every change. */
function Harness({
  initial = [],
  withRequired = false,
  problem = null,
  seen,
}: {
  initial?: Row[];
  withRequired?: boolean;
  problem?: string | null;
  seen: Row[][];
}): ReactNode {
  const [rows, setRows] = useState<Row[]>(initial);
  return (
    <ContextPairsEditor<Row>
      legend="Pairs"
      hint="Bound to the file."
      emptyHint="No pairs yet."
      labels={LABELS}
      pairs={rows}
      onChange={(next) => {
        seen.push(next);
        setRows(next);
      }}
      create={newRow}
      problem={problem}
      {...(withRequired && {
        required: {
          get: (r: Row) => r.required,
          with: (r: Row, required: boolean) => ({ ...r, required }),
          label: (n: number) => `Required ${n}`,
        },
      })}
    />
  );
}

afterEach(cleanup);

describe('the context pairs editor', () => {
  it('says when there are no pairs, and adding one puts focus in its name field', async () => {
    const user = userEvent.setup();
    const seen: Row[][] = [];
    render(<Harness seen={seen} />);
    expect(screen.getByRole('group', { name: 'Pairs' })).toBeTruthy();
    expect(screen.getByText('No pairs yet.')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Add pair' }));
    expect(document.activeElement).toBe(screen.getByLabelText('Pair name 1'));
    expect(screen.queryByText('No pairs yet.')).toBeNull();
    await user.keyboard('purpose');
    await user.type(screen.getByLabelText('Pair value 1'), 'backup');
    expect(seen.at(-1)?.map(({ name, value }) => ({ name, value }))).toEqual([{ name: 'purpose', value: 'backup' }]);
  });

  it('removes the chosen row and gives focus back to the add button', async () => {
    const user = userEvent.setup();
    const seen: Row[][] = [];
    const rows = [
      { id: 901, name: 'a', value: '1', required: false },
      { id: 902, name: 'b', value: '2', required: false },
    ];
    render(<Harness seen={seen} initial={rows} />);
    await user.click(screen.getByRole('button', { name: 'Remove pair 1' }));
    expect(seen.at(-1)?.map((r) => r.name)).toEqual(['b']);
    expect((screen.getByLabelText('Pair name 1') as HTMLInputElement).value).toBe('b');
    expect(screen.queryByLabelText('Pair name 2')).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Add pair' }));
  });

  it('has a required checkbox per row only when asked for one', async () => {
    const user = userEvent.setup();
    const row = { id: 903, name: 'tenant', value: 'x', required: false };
    const without: Row[][] = [];
    const { unmount } = render(<Harness seen={without} initial={[row]} />);
    expect(screen.queryByRole('checkbox')).toBeNull();
    unmount();

    const seen: Row[][] = [];
    render(<Harness seen={seen} initial={[row]} withRequired />);
    await user.click(screen.getByRole('checkbox', { name: 'Required 1' }));
    expect(seen.at(-1)).toEqual([{ ...row, required: true }]);
    expect((screen.getByRole('checkbox', { name: 'Required 1' }) as HTMLInputElement).checked).toBe(true);
  });

  it('shows a problem as an alert', () => {
    render(<Harness seen={[]} problem="The context name a appears twice." />);
    expect(screen.getByRole('alert').textContent).toBe('The context name a appears twice.');
  });
});
