/**
 * The shape of bench/results.json, shared by bench/run.ts (which writes it) and
 * tools/readme-perf.ts (which makes the README's table from it). Not named results.ts: require()
 * tries `.json` before ts-node's `.ts`, so './results' would load the figures instead.
 */
import * as path from 'node:path';
import type { Summary } from './stats';

/** Where `npm run bench` writes its figures; committed, and the README's performance table is made from it. */
export const RESULTS_FILE = path.join(__dirname, 'results.json');

/** One limit the bench compares a figure with (bench/run.ts `target`). */
export interface BenchTarget {
  name: string;
  value: number;
  /** `≤ <limit>` */
  target: string;
  met: boolean;
}

export interface WarmResult {
  /** put, put (replace), get, list, update, remove, login */
  name: string;
  latency: Summary;
  tablestoreRoundTrips: number;
  vsRawGetRow: number;
  vsEmptyInvokePlusGetRow: number;
}

/** The content of bench/results.json: one run of `npm run bench`, all times in ms. */
export interface BenchResults {
  /** When the run started writing, ISO 8601. */
  date: string;
  machine?: { cpus: number; cpu?: string; node: string };
  synthMs: Summary;
  assetBytesZipped: { db: number; session: number };
  coldStartMs: { empty: Summary; db: Summary; session: Summary };
  warm: WarmResult[];
  floors: { emptyHandlerCold: Summary; emptyHandlerWarm: Summary; rawGetRow: Summary };
  throughputRps: { clients1: number; clients32: number };
  targets: BenchTarget[];
  benchSeconds: number;
}
