import { create } from 'zustand';
import type { FileResultView } from '../../../shared/file-handle.js';
import type { EventPayloads, JobStartRequest } from '../../../shared/ipc-contract.js';
import { call, messageOf, on } from '../bridge.js';

/** A file job as the window shows it: what it does, how far it is, and each file's outcome. */
export interface JobView {
  id: string;
  action: JobStartRequest['action'];
  paths: string[];
  state: 'running' | 'done' | 'cancelled' | 'failed';
  file: string;
  fileIndex: number;
  fileCount: number;
  bytesDone: number;
  bytesTotal: number;
  overallDone: number;
  overallTotal: number;
  rate: number;
  etaSeconds: number | null;
  results: FileResultView[];
  error: string | null;
  /** What the job was asked beyond its key, in words for its card: recipients, signed, context. */
  options: string[];
}

function listed(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** The request's recipients and ESDK options, as the job card says them. */
export function describeOptions(request: JobStartRequest): string[] {
  const out: string[] = [];
  if (request.recipients && request.recipients.length > 0) {
    out.push(
      request.key_ids && request.key_ids.length === 0
        ? `Only for ${listed(request.recipients)}`
        : `Also for ${listed(request.recipients)}`,
    );
  }
  if (request.algorithm_suite === 0x0578) out.push('Signed');
  const pairs = Object.keys(request.encryption_context ?? {}).length;
  const required = request.required_context_keys?.length ?? 0;
  if (pairs > 0 && request.action === 'encrypt') {
    out.push(
      `${pairs} context ${pairs === 1 ? 'pair' : 'pairs'}${required > 0 ? `, ${required} required (kept out of the files)` : ''}`,
    );
  } else if (pairs > 0) {
    out.push(`${pairs} context ${pairs === 1 ? 'pair' : 'pairs'} given back`);
  }
  if (request.allow_legacy_format) out.push('Legacy files allowed');
  return out;
}

interface JobsState {
  jobs: Record<string, JobView>;
  /** Newest first. */
  order: string[];
  error: string | null;
  /** `paths`: the inputs' paths, for showing (the request names them by handle). */
  start(request: JobStartRequest, paths: string[]): Promise<string | null>;
  cancel(id: string): Promise<void>;
  /** Subscribes to the bridge's job events; returns the unsubscribe function. */
  listen(): () => void;
}

function blank(id: string, request: Pick<JobView, 'action' | 'paths'>): JobView {
  return {
    id,
    action: request.action,
    paths: request.paths,
    state: 'running',
    file: '',
    fileIndex: 0,
    fileCount: 0,
    bytesDone: 0,
    bytesTotal: 0,
    overallDone: 0,
    overallTotal: 0,
    rate: 0,
    etaSeconds: null,
    results: [],
    error: null,
    options: [],
  };
}

export const useJobsStore = create<JobsState>((set, get) => {
  const patch = (id: string, change: (job: JobView) => Partial<JobView>): void =>
    set((state) => {
      const job = state.jobs[id] ?? blank(id, { action: 'encrypt', paths: [] });
      return {
        jobs: { ...state.jobs, [id]: { ...job, ...change(job) } },
        order: state.order.includes(id) ? state.order : [id, ...state.order],
      };
    });
  return {
    jobs: {},
    order: [],
    error: null,
    async start(request, paths) {
      try {
        const { job_id } = await call('jobs:start', request);
        const shown = { action: request.action, paths };
        // A quick job's events can arrive before this answer: keep what they already said.
        patch(job_id, () => ({
          ...(get().jobs[job_id] ? shown : blank(job_id, shown)),
          options: describeOptions(request),
        }));
        set({ error: null });
        return job_id;
      } catch (error) {
        set({ error: messageOf(error) });
        return null;
      }
    },
    async cancel(id) {
      try {
        await call('jobs:cancel', { job_id: id });
      } catch (error) {
        set({ error: messageOf(error) });
      }
    },
    listen() {
      const offs = [
        on('jobs:progress', (p: EventPayloads['jobs:progress']) =>
          patch(p.job_id, () => ({
            file: p.file,
            fileIndex: p.file_index,
            fileCount: p.file_count,
            bytesDone: p.bytes_done,
            bytesTotal: p.bytes_total,
            overallDone: p.overall_done,
            overallTotal: p.overall_total,
            rate: p.rate,
            etaSeconds: p.eta_seconds,
          })),
        ),
        on('jobs:file-done', (d: EventPayloads['jobs:file-done']) =>
          patch(d.job_id, (job) => ({ results: [...job.results, d.result] })),
        ),
        on('jobs:finished', (f: EventPayloads['jobs:finished']) =>
          patch(f.job_id, (job) => ({
            state: f.cancelled ? 'cancelled' : f.results.some((r) => r.status === 'error') ? 'failed' : 'done',
            results: f.results.length > 0 ? f.results : job.results,
            overallDone: job.overallTotal,
          })),
        ),
      ];
      return () => offs.forEach((off) => off());
    },
  };
});
