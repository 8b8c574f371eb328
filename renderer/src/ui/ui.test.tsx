import { describe, expect, it } from 'vitest';
import { formatBytes, splitForMiddleEllipsis } from './format.js';
import { matchOptions } from './SearchSelect.js';
import { filterRows, sortRows } from './sort-filter.js';

describe('byte sizes', () => {
  it("uses the CLI's binary units, KiB and MiB", () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(2_000_000)).toBe('1.9 MiB');
    expect(formatBytes(150 * 1024 * 1024)).toBe('150 MiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
  });
});

describe('file names shortened in the middle', () => {
  it('keeps every extension and a few characters before them in the tail', () => {
    expect(splitForMiddleEllipsis('holiday-2026-beach-sunset.png.coffer')).toEqual({
      head: 'holiday-2026-beach-su',
      tail: 'nset.png.coffer',
    });
    expect(splitForMiddleEllipsis('README')).toEqual({ head: 'RE', tail: 'ADME' });
    expect(splitForMiddleEllipsis('.bashrc')).toEqual({ head: '.ba', tail: 'shrc' });
  });
});

describe('searching options and rows', () => {
  const options = [
    { value: '1', label: 'photos', detail: '11111111-aaaa' },
    { value: '2', label: 'database-dumps', detail: '22222222-bbbb' },
  ];
  it('matches every word anywhere in the label or detail, whatever the case', () => {
    expect(matchOptions(options, 'PHO').map((o) => o.value)).toEqual(['1']);
    expect(matchOptions(options, '2222').map((o) => o.value)).toEqual(['2']);
    expect(matchOptions(options, 'dumps bbbb').map((o) => o.value)).toEqual(['2']);
    expect(matchOptions(options, '  ').map((o) => o.value)).toEqual(['1', '2']);
    expect(matchOptions(options, 'zzz')).toEqual([]);
  });

  it('sorts text naturally and numbers as numbers, either way', () => {
    const rows = [
      { name: 'key10', n: 3 },
      { name: 'key2', n: 20 },
      { name: 'Key1', n: 100 },
    ];
    const by = { name: (r: (typeof rows)[number]) => r.name, n: (r: (typeof rows)[number]) => r.n };
    expect(sortRows(rows, { column: 'name', direction: 'ascending' }, by).map((r) => r.name)).toEqual(['Key1', 'key2', 'key10']);
    expect(sortRows(rows, { column: 'n', direction: 'descending' }, by).map((r) => r.n)).toEqual([100, 20, 3]);
    expect(filterRows(rows, 'KEY1', (r) => r.name).map((r) => r.name)).toEqual(['key10', 'Key1']);
  });
});
