/**
 * Byte counts for people, in binary units (KiB, MiB, ...), the one unit the CLI and the app both
 * show: 1 KiB = 1024 bytes, three significant figures at most.
 */
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value >= 100 || unit === 0 ? 0 : 1)} ${UNITS[unit]}`;
}
