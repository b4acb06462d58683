/**
 * Where a cold start's time goes, from what each cold run left behind: the local FC's timings of
 * the instance's start (fork → ready, and the require of the code within it), and the function's
 * own report on its first invocation's log line (`cold`: lambda/shared/cold-trace.ts). Each phase
 * is the median over the runs; "other" is what remains of the median cold start, so the phases add
 * up to it exactly.
 */
import { percentile } from './stats';

/** One upstream call of a first invocation, in start order; `at` is when it started (ms, any fixed origin). */
export interface ColdCall {
  call: string;
  at?: number;
  ms: number;
}

/** What a function reports on its first invocation's log line. */
export interface ColdReport {
  clientMs: number;
  calls: ColdCall[];
}

/** One cold run of one function. */
export interface ColdRun {
  /** The cold invocation as the caller timed it. */
  totalMs: number;
  /** The instance's fork → 'ready' (FunctionInstance.lastStartMs): the process's start plus loading the code. */
  startMs?: number;
  /** Loading the code (the runtime's require), FunctionInstance.lastLoadMs. */
  loadMs?: number;
  /** The handler's own time, the log line's `ms`. */
  handlerMs?: number;
  report?: ColdReport;
}

export type ColdPhaseKey = 'process' | 'load' | 'invoke' | 'client' | `call${number}` | 'overlap' | 'code' | 'other' | 'total';

export interface ColdPhase {
  key: ColdPhaseKey;
  ms: number;
  /** For a call: its name. */
  call?: string;
  /** For a call: it ran at the same time as another call (by their start times and durations). */
  parallel?: boolean;
}

const round = (ms: number) => Math.round(ms * 10) / 10;
const median = (xs: number[]) => percentile(xs, 50);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** The calls' wall time: the length of the union of their intervals; without start times, their sum (as if sequential). */
export function callsWallMs(calls: ColdCall[]): number {
  if (calls.some((c) => c.at === undefined)) return sum(calls.map((c) => c.ms));
  const spans = calls.map((c) => [c.at!, c.at! + c.ms] as const).sort((a, b) => a[0] - b[0]);
  let wall = 0;
  let [from, to] = [-Infinity, -Infinity];
  for (const [start, end] of spans) {
    if (start > to) {
      if (to > from) wall += to - from;
      [from, to] = [start, end];
    } else {
      to = Math.max(to, end);
    }
  }
  return to > from ? wall + to - from : wall;
}

/** Whether call i overlaps another call of the same run in time. */
function overlapsAnother(calls: ColdCall[], i: number): boolean {
  const a = calls[i];
  if (a.at === undefined) return false;
  return calls.some((b, j) => j !== i && b.at !== undefined && b.at < a.at! + a.ms && a.at! < b.at + b.ms);
}

/**
 * The phases of a function's cold start, each the median over `runs`, in the order they happen.
 * `invokeMs` is the invoke path's own cost (an empty handler's warm invocation, invoked the same way).
 * Phases nothing was measured for are left out (a function that reports no `cold` has no client or
 * call phases); "other" takes what remains, so the phases always add up to the median cold start.
 */
export function coldBreakdown(runs: ColdRun[], invokeMs: number): ColdPhase[] {
  const phases: ColdPhase[] = [];
  const add = (key: ColdPhaseKey, values: number[], extra: Partial<ColdPhase> = {}) => {
    if (values.length > 0) phases.push({ key, ms: round(median(values)), ...extra });
  };
  const started = runs.filter((r) => r.startMs !== undefined && r.loadMs !== undefined);
  add(
    'process',
    started.map((r) => r.startMs! - r.loadMs!),
  );
  add(
    'load',
    started.map((r) => r.loadMs!),
  );
  add('invoke', [invokeMs]);
  const reported = runs.filter((r) => r.report);
  add(
    'client',
    reported.map((r) => r.report!.clientMs),
  );
  const calls = Math.max(0, ...reported.map((r) => r.report!.calls.length));
  for (let i = 0; i < calls; i++) {
    const at = reported.filter((r) => r.report!.calls.length > i);
    const names = at.map((r) => r.report!.calls[i].call);
    const call = mostFrequent(names);
    const parallel = at.filter((r) => overlapsAnother(r.report!.calls, i)).length * 2 > at.length;
    add(
      `call${i + 1}`,
      at.map((r) => r.report!.calls[i].ms),
      parallel ? { call, parallel } : { call },
    );
  }
  // Parallel calls overlap: their sum overstates the time they took together.
  const overlaps = reported.map((r) => callsWallMs(r.report!.calls) - sum(r.report!.calls.map((c) => c.ms)));
  if (overlaps.some((o) => o < 0)) add('overlap', overlaps);
  // The handler's own code: its time less its clients and calls (first run: cold code, no JIT yet).
  add(
    'code',
    reported.filter((r) => r.handlerMs !== undefined).map((r) => r.handlerMs! - r.report!.clientMs - callsWallMs(r.report!.calls)),
  );
  const total = round(median(runs.map((r) => r.totalMs)));
  phases.push({ key: 'other', ms: round(total - sum(phases.map((p) => p.ms))) });
  phases.push({ key: 'total', ms: total });
  return phases;
}

function mostFrequent(names: string[]): string {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
}
