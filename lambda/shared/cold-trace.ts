/**
 * Where an instance's first invocation spent its time: creating SDK clients, and each upstream call
 * in the order they started (some run in parallel). It is reported once, on that invocation's log
 * line (`cold`), so the real FC's logs break a cold start down the same way `npm run bench` does;
 * later invocations record nothing and pay only a boolean check.
 */
export interface ColdReport {
  /** Time spent constructing SDK clients (and loading lazily required SDKs). */
  clientMs: number;
  /** `at`: when the call started, in ms since the first step traced (a client built or a call started). */
  calls: { call: string; at: number; ms: number }[];
  /** How the code loaded, when the asset's loader (lib/code-cache-loader.js) says: whether V8 took its code cache. */
  load?: { codeCache: string; ms: number };
}

/** A function that never reports (notify, reconcile) stops recording after this many calls. */
const MAX_CALLS = 16;
const round = (ms: number) => Math.round(ms * 10) / 10;
// Not performance.now(): the first touch of the `performance` global loads perf_hooks, about 2 ms of a cold start.
const now = () => Number(process.hrtime.bigint()) / 1e6;

export class ColdTrace {
  /** True until the first invocation's report is taken. */
  recording = true;
  private readonly report: ColdReport = { clientMs: 0, calls: [] };
  private startedAt?: number;

  /** Builds a client, counting the time as client creation while the first invocation runs. */
  client<T>(build: () => T): T {
    if (!this.recording) return build();
    const started = now();
    this.startedAt ??= started;
    try {
      return build();
    } finally {
      this.report.clientMs = round(this.report.clientMs + now() - started);
    }
  }

  /** Times one upstream call of the first invocation. */
  call<T>(name: string, run: () => Promise<T>): Promise<T> {
    if (!this.recording || this.report.calls.length >= MAX_CALLS) return run();
    const started = now();
    this.startedAt ??= started;
    const entry = { call: name, at: round(started - this.startedAt), ms: 0 };
    this.report.calls.push(entry);
    const done = () => {
      entry.ms = round(now() - started);
    };
    const pending = run();
    pending.then(done, done);
    return pending;
  }

  /** The report, once: the first invocation's log line carries it, and recording stops. */
  take(): ColdReport | undefined {
    if (!this.recording) return undefined;
    this.recording = false;
    const loaded = (globalThis as Record<symbol, { status?: unknown; loadMs?: unknown } | undefined>)[Symbol.for('miniapp.codeCache')];
    if (typeof loaded?.status === 'string' && typeof loaded.loadMs === 'number') this.report.load = { codeCache: loaded.status, ms: round(loaded.loadMs) };
    return this.report;
  }
}

/** One per instance (module scope is per instance in FC). */
export const coldTrace = new ColdTrace();
