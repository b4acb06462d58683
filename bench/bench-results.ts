/**
 * The shape of bench/results.json, shared by bench/run.ts (which writes it), tools/readme-perf.ts
 * (which makes the README's tables from it) and bench/chart.ts (which draws it). Not named
 * results.ts: require() tries `.json` before ts-node's `.ts`, so './results' would load the figures instead.
 */
import * as path from 'node:path';
import type { ColdPhase } from './cold-breakdown';
import type { Summary } from './stats';

/** Where `npm run bench` writes its figures; committed, and the README's performance section is made from it. */
export const RESULTS_FILE = path.join(__dirname, 'results.json');

/** One limit the bench compares a figure with (bench/run.ts `target`). */
export interface BenchTarget {
  name: string;
  value: number;
  /** `≤ <limit>` */
  target: string;
  met: boolean;
}

/** A warm measure next to its own floor, both timed in the same run, interleaved. */
export interface WarmResult {
  /** put, put (replace), get, list, update, remove, login */
  name: string;
  latency: Summary;
  /** The floor function doing raw what this path does upstream (bench/floors/), invoked the same way. */
  floor: Summary;
  /** latency p50 / floor p50 */
  ratio: number;
  /** Per request, the median: the common case. */
  tablestoreRoundTrips: number;
  /** Per request, the mean: with the occasional extra one (the db function re-reads a session every SESSION_CACHE_SECONDS). */
  tablestoreRoundTripsMean: number;
  floorTablestoreRoundTrips: number;
}

/** One level of the throughput runs: `requests` calls by `clients` concurrent callers. */
export interface ThroughputResult {
  /** get, put, login */
  op: string;
  clients: number;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
}

/** A measure against its floor, checked for the impossible: a path faster than the floor of what it does. */
export interface FloorCheck {
  measure: string;
  ratio: number;
  /** The path's p50 is below its floor's p50. */
  beats: boolean;
  /** Why, when it does. */
  note?: string;
}

/** Resident memory of the db function's instance (one process throughout), from /proc/<pid>/status VmRSS. */
export interface MemoryResult {
  before: { requests: number; rssKB: number; peakKB: number };
  /** peakKB: the most the process ever held (VmHWM), so a burst (128 concurrent callers) shows apart from growth. */
  after: { requests: number; rssKB: number; peakKB: number };
  /** As many requests again: growth between `after` and `settled` would be a leak; none is a heap that has found its size. */
  settled?: { requests: number; rssKB: number; peakKB: number };
}

/** The content of bench/results.json: one run of `npm run bench`, all times in ms. */
export interface BenchResults {
  /** When the run started writing, ISO 8601. */
  date: string;
  machine?: { cpus: number; cpu?: string; node: string; loadavg?: number[] };
  synthMs: Summary;
  assetBytesZipped: { db: number; session: number };
  /**
   * Each function's first invocation on a fresh instance, as its caller timed it. The empty handler
   * twice: invoked as db is (`empty`, db's floor) and by an HTTP trigger as session is (`emptyHttp`, session's).
   */
  /**
   * dbFloor, loginFloor: the floor functions' own cold starts (the same SDKs making the same first
   * calls in a fresh process): what of a cold start is the SDKs' and Node's, not ours. No target.
   */
  coldStartMs: { empty: Summary; emptyHttp: Summary; db: Summary; session: Summary; dbFloor?: Summary; loginFloor?: Summary };
  /** Where those cold starts' time went (bench/cold-breakdown.ts), and what the runtime said of its V8 code cache, if anything. */
  coldBreakdown: { db: ColdPhase[]; session: ColdPhase[]; codeCache?: { db?: unknown; session?: unknown } };
  warm: WarmResult[];
  /** The empty handler (bench/floors/empty.js): cold, and warm by each invoke path. */
  floors: { emptyHandlerCold: Summary; emptyHttpHandlerCold: Summary; emptyInvokeWarm: Summary; emptyHttpWarm: Summary };
  /** The order of login's upstream calls the login floor follows (bench/call-plan.ts). */
  loginPlan: string;
  /** Set when login's cold traces show it making its calls in another order than loginPlan (call-plan.ts planMismatch): the floor is then wrong. */
  loginPlanMismatch?: string;
  throughput: ThroughputResult[];
  memory?: MemoryResult;
  floorChecks: FloorCheck[];
  targets: BenchTarget[];
  benchSeconds: number;
}
