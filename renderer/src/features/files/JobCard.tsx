import { memo, useId, useMemo, type ReactNode } from 'react';
import type { FileResultView as FileResult } from '../../../../shared/file-handle.js';
import { useJobsStore, type JobView } from '../../state/jobs-store.js';
import { ProgressBar } from '../../ui/controls.js';
import { FileName } from '../../ui/FileName.js';
import { baseName, formatBytes, formatDuration } from '../../ui/format.js';
import { NARROW, useMediaQuery } from '../../ui/use-media-query.js';
import { outcomeOf, previewFileOf, shownFileOf, type ShownFile } from './media.js';
import { VirtualList } from './VirtualList.js';

const RESULT_ROW_HEIGHT = 56;
/** Narrow windows put the buttons under the name. */
const RESULT_ROW_HEIGHT_NARROW = 92;
const RESULT_ROWS_SHOWN = 8;

const VERB: Record<JobView['action'], string> = { encrypt: 'Encrypt', decrypt: 'Decrypt', verify: 'Verify' };

/** What a result row can do with a file main wrote or read: named by its handle. */
export interface ResultActions {
  showInFolder(file: ShownFile): void;
  preview(cofferFile: ShownFile): void;
}

/** Stays the same from start to end (the state is shown beside it), so it names the job throughout. */
function jobTitle(job: JobView): string {
  const verb = VERB[job.action];
  const first = job.paths[0];
  // A job main started itself (files opened with Coffer from the OS) is known only by its events.
  if (!first) return 'Files opened with Coffer';
  return job.paths.length === 1 ? `${verb} ${baseName(first)}` : `${verb} ${baseName(first)} and ${job.paths.length - 1} more`;
}

function stateText(job: JobView): string {
  switch (job.state) {
    case 'running':
      return job.fileCount === 0 ? 'Waiting to start' : 'Running';
    case 'done':
      return 'Finished';
    case 'failed':
      return 'Finished with problems';
    case 'cancelled':
      return 'Cancelled';
  }
}

export function percentOf(job: JobView): number {
  if (job.overallTotal > 0) return Math.min(100, Math.floor((job.overallDone / job.overallTotal) * 100));
  return job.state === 'done' || job.state === 'failed' ? 100 : 0;
}

/** Problems first, so a failure among thousands of successes is not buried. */
function ordered(results: FileResult[]): FileResult[] {
  const rank = { error: 0, skipped: 1, ok: 2 } as const;
  return results
    .map((r, i) => [r, i] as const)
    .sort((a, b) => rank[a[0].status] - rank[b[0].status] || a[1] - b[1])
    .map(([r]) => r);
}

function ResultRow({ result, actions, rowId }: { result: FileResult; actions: ResultActions; rowId: string }): ReactNode {
  const nameId = `${rowId}-name`;
  if (result.status === 'error') {
    return (
      <div className="result-row" data-testid="result-row" data-status="error">
        <span className="badge badge-error">Failed</span>
        <div className="row-text">
          <FileName id={nameId} className="row-name" name={baseName(result.input)} title={result.input} />
          <span className="row-detail error" title={result.error.error_msg}>
            {result.error.error_msg}
          </span>
        </div>
      </div>
    );
  }
  if (result.status === 'skipped') {
    return (
      <div className="result-row" data-testid="result-row" data-status="skipped">
        <span className="badge badge-skipped">Skipped</span>
        <div className="row-text">
          <FileName id={nameId} className="row-name" name={baseName(result.input)} title={result.input} />
          <span className="row-detail" title={result.reason}>
            Skipped: {result.reason}
          </span>
        </div>
      </div>
    );
  }
  const outcome = outcomeOf(result);
  const shown = result.output ?? result.input;
  const preview = previewFileOf(result);
  const shownFile = shownFileOf(result);
  const detail =
    outcome === 'verified'
      ? `Intact: every part authenticates · ${formatBytes(result.bytes)}`
      : `${outcome === 'encrypted' ? 'Encrypted' : 'Decrypted'} from ${baseName(result.input)} · ${formatBytes(result.bytes)}${
          result.original_removed ? ' · original removed' : ''
        }`;
  return (
    <div className="result-row" data-testid="result-row" data-status="ok">
      <span className="badge badge-ok">OK</span>
      <div className="row-text">
        <FileName id={nameId} className="row-name" name={baseName(shown)} title={shown} />
        <span className="row-detail" title={detail}>
          {detail}
        </span>
      </div>
      <div className="row-buttons">
        {preview && (
          <button type="button" className="secondary small" aria-describedby={nameId} onClick={() => actions.preview(preview)}>
            Preview
          </button>
        )}
        {shownFile && (
          <button
            type="button"
            className="secondary small"
            aria-describedby={nameId}
            onClick={() => actions.showInFolder(shownFile)}
          >
            Show in folder
          </button>
        )}
      </div>
    </div>
  );
}

function Results({ job, actions }: { job: JobView; actions: ResultActions }): ReactNode {
  const rows = useMemo(() => ordered(job.results), [job.results]);
  const baseId = useId();
  const narrow = useMediaQuery(NARROW);
  if (rows.length === 0) return null;
  return (
    <VirtualList
      count={rows.length}
      rowHeight={narrow ? RESULT_ROW_HEIGHT_NARROW : RESULT_ROW_HEIGHT}
      maxRows={RESULT_ROWS_SHOWN}
      label={`Results of ${jobTitle(job)}`}
      testId="job-results"
      renderRow={(index) => <ResultRow result={rows[index]!} actions={actions} rowId={`${baseId}-${index}`} />}
    />
  );
}

function Summary({ job }: { job: JobView }): ReactNode {
  let ok = 0;
  let failed = 0;
  let skipped = 0;
  for (const r of job.results) {
    if (r.status === 'ok') ok += 1;
    else if (r.status === 'error') failed += 1;
    else skipped += 1;
  }
  const parts = [`${ok} done`];
  if (failed > 0) parts.push(`${failed} failed`);
  if (skipped > 0) parts.push(`${skipped} skipped`);
  return (
    <p className="job-line" data-testid="job-summary">
      {job.results.length === 0 ? 'No file was handled.' : `${parts.join(', ')}.`}
    </p>
  );
}

/** One job: live progress while it runs, each file's outcome once it ends. */
export const JobCard = memo(function JobCard({ id, actions }: { id: string; actions: ResultActions }): ReactNode {
  const job = useJobsStore((s) => s.jobs[id]);
  const cancel = useJobsStore((s) => s.cancel);
  const headingId = useId();
  if (!job) return null;
  const running = job.state === 'running';
  const title = jobTitle(job);
  const percent = percentOf(job);
  const started = job.fileCount > 0;
  return (
    <article
      className="card job"
      aria-labelledby={headingId}
      data-testid="job-card"
      data-job-id={job.id}
      data-state={job.state}
      // Focus lands here after Start, so the keyboard follows the job.
      tabIndex={-1}
    >
      <header className="job-header">
        <h3 id={headingId} className="job-title" title={job.paths.join('\n')}>
          {title}
        </h3>
        <span className={`job-state state-${job.state}`} aria-live="polite" data-testid="job-state">
          {stateText(job)}
        </span>
        {running && (
          <button type="button" className="secondary small" onClick={() => void cancel(job.id)}>
            Cancel
          </button>
        )}
      </header>
      {job.options.length > 0 && (
        <p className="job-line job-options-line" data-testid="job-options">
          {job.options.join(' · ')}
        </p>
      )}
      <ProgressBar value={percent} max={100} label={`${title}: progress`} />
      {running ? (
        <p className="job-line job-stats">
          <span className="stat stat-percent" data-testid="job-percent">
            {percent}%
          </span>
          <span className="stat stat-speed" data-testid="job-speed">
            {started && job.rate > 0 ? `${formatBytes(job.rate)}/s` : '—'}
          </span>
          <span className="stat stat-eta" data-testid="job-eta">
            {started && job.etaSeconds !== null ? `${formatDuration(job.etaSeconds)} left` : '—'}
          </span>
          <span className="stat stat-file" data-testid="job-file" title={job.file}>
            {started ? `File ${job.fileIndex + 1} of ${job.fileCount}: ${baseName(job.file)}` : 'Preparing the file list…'}
          </span>
        </p>
      ) : (
        <>
          <Summary job={job} />
          <Results job={job} actions={actions} />
        </>
      )}
    </article>
  );
});
