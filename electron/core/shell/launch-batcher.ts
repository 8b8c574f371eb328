import { isEmptyLaunchRequest, mergeLaunchRequests, type LaunchRequest } from './launch-args.js';

/**
 * Explorer starts Coffer once per selected file (MultiSelectModel=Player) and some file managers
 * do the same: requests that arrive within a short quiet period are merged into one batch, so
 * twenty selected photos make one job, not twenty.
 */
export class LaunchBatcher {
  private pending: LaunchRequest = { encrypt: [], decrypt: [] };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly flush: (request: LaunchRequest) => void,
    private readonly quietMs = 300,
  ) {}

  add(request: LaunchRequest): void {
    if (isEmptyLaunchRequest(request)) return;
    this.pending = mergeLaunchRequests(this.pending, request);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.release(), this.quietMs);
  }

  /** Hands over what has gathered now (also used when the window becomes ready). */
  release(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const request = this.pending;
    this.pending = { encrypt: [], decrypt: [] };
    if (!isEmptyLaunchRequest(request)) this.flush(request);
  }
}
