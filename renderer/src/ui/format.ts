/** Human sizes, speeds and durations for progress lines; sizes in the CLI's binary units. */
export { formatBytes } from '../../../shared/format-bytes.js';

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function formatDate(millisText: string): string {
  const ms = Number(millisText);
  return millisText && Number.isFinite(ms)
    ? new Date(ms).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' })
    : '—';
}

export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/**
 * A file name cut into a head that may be shortened and a tail that never is: the extension(s)
 * (".png.coffer") and the last few characters before them, so a narrow row still shows what
 * the file is.
 */
export function splitForMiddleEllipsis(name: string, keep = 4): { head: string; tail: string } {
  const dot = name.search(/(\.[A-Za-z0-9]{1,10})+$/);
  const extensionStart = dot > 0 ? dot : name.length;
  const tailStart = Math.max(0, extensionStart - keep);
  return { head: name.slice(0, tailStart), tail: name.slice(tailStart) };
}
