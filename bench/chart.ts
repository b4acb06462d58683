/**
 * bench/chart.svg: each measure as a multiple of its floor, one bar each, with its target marked,
 * drawn from bench/results.json alone. The same results always give the same bytes, so a test can
 * check that the committed chart is the committed results' (test/tools/chart.test.ts), as it
 * checks the README's tables.
 */
import * as path from 'node:path';
import type { BenchResults } from './bench-results';

export const CHART_FILE = path.join(__dirname, 'chart.svg');

export interface ChartBar {
  label: string;
  /** The measure's p50 over its floor's p50. */
  ratio: number;
  /** The target's limit on that ratio, if it has one. */
  limit?: number;
  met?: boolean;
}

/** How the chart names each warm measure (bench/run.ts warmPair). */
const WARM_LABELS: ReadonlyArray<[string, string]> = [
  ['get', 'db get, warm'],
  ['put', 'db put (new id), warm'],
  ['put (replace)', 'db put (existing id), warm'],
  ['list', 'db list (10), warm'],
  ['update', 'db update, warm'],
  ['remove', 'db remove, warm'],
  ['login', 'login, warm'],
];

/** The bars, from the results: the cold starts against the empty handler's, each warm path against its own floor. */
export function chartBars(r: BenchResults): ChartBar[] {
  const targets = new Map(r.targets.map((t) => [t.name, t]));
  const bar = (label: string, ratio: number, targetName: string): ChartBar => {
    const t = targets.get(targetName);
    const limit = t ? Number(/([\d.]+)/.exec(t.target)?.[1]) : undefined;
    return t && Number.isFinite(limit) ? { label, ratio, limit, met: t.met } : { label, ratio };
  };
  const bars = [
    bar('db cold start', round2(r.coldStartMs.db.median / r.coldStartMs.empty.median), 'db cold start / empty-handler cold start'),
    bar('session cold start', round2(r.coldStartMs.session.median / r.coldStartMs.emptyHttp.median), 'session cold start / empty-handler cold start'),
  ];
  const warm = new Map(r.warm.map((w) => [w.name, w]));
  for (const [name, label] of WARM_LABELS) {
    const w = warm.get(name);
    if (w) bars.push(bar(label, w.ratio, `${name}: warm p50 / floor p50`));
  }
  return bars;
}

const WIDTH = 760;
const LABEL_RIGHT = 220;
const X0 = 232;
const X1 = 540;
const TOP = 64;
const ROW = 26;
const BAR = 14;
const MET = '#2e7d32';
const MISSED = '#c62828';
const INK = '#222';

/** The SVG text of the chart. */
export function renderChart(r: BenchResults): string {
  const bars = chartBars(r);
  const top = Math.max(1, ...bars.flatMap((b) => [b.ratio, b.limit ?? 0]));
  const step = top <= 3 ? 0.5 : top <= 8 ? 1 : Math.ceil(top / 8);
  const max = Math.ceil((top * 1.05) / step) * step;
  const x = (v: number) => X0 + ((X1 - X0) * v) / max;
  const bottom = TOP + bars.length * ROW;
  const height = bottom + 48;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    `<title>Each measure as a multiple of its floor (bench run of ${r.date.slice(0, 10)})</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="16" y="24" font-size="15" font-weight="600" fill="${INK}">Each measure as a multiple of its floor (p50 / floor p50)</text>`,
    `<text x="16" y="44" fill="#555">run of ${r.date.slice(0, 10)}: cold starts against an empty handler's, warm paths against their floor functions</text>`,
  ];
  for (let v = 0; v <= max + 1e-9; v += step) {
    const vx = num(x(v));
    out.push(`<line x1="${vx}" y1="${TOP - 6}" x2="${vx}" y2="${bottom}" stroke="${v === 1 ? INK : '#ddd'}" stroke-width="${v === 1 ? 1.5 : 1}"/>`);
    out.push(`<text x="${vx}" y="${bottom + 16}" text-anchor="middle" fill="#555">${trim(v)}×</text>`);
  }
  out.push(`<text x="${num(x(1))}" y="${TOP - 10}" text-anchor="middle" fill="${INK}">floor</text>`);
  bars.forEach((b, i) => {
    const y = TOP + i * ROW;
    const fill = b.met === undefined ? '#777' : b.met ? MET : MISSED;
    out.push(`<text x="${LABEL_RIGHT}" y="${num(y + ROW / 2 + 4)}" text-anchor="end" fill="${INK}">${escape(b.label)}</text>`);
    out.push(`<rect x="${X0}" y="${num(y + (ROW - BAR) / 2)}" width="${num(Math.max(0, x(b.ratio) - X0))}" height="${BAR}" fill="${fill}"/>`);
    const verdict = b.limit === undefined ? '' : ` (target ≤ ${trim(b.limit)}×, ${b.met ? 'met' : 'not met'})`;
    const textX = Math.max(x(b.ratio), b.limit === undefined ? 0 : x(b.limit) + 1.5);
    out.push(`<text x="${num(textX + 6)}" y="${num(y + ROW / 2 + 4)}" fill="${INK}">${trim(b.ratio)}×${escape(verdict)}</text>`);
    if (b.limit !== undefined)
      out.push(`<line x1="${num(x(b.limit))}" y1="${num(y + 2)}" x2="${num(x(b.limit))}" y2="${num(y + ROW - 2)}" stroke="${INK}" stroke-width="3"/>`);
  });
  out.push(`<rect x="${X0}" y="${bottom + 28}" width="10" height="10" fill="${MET}"/>`);
  out.push(`<text x="${X0 + 14}" y="${bottom + 37}" fill="${INK}">target met</text>`);
  out.push(`<rect x="${X0 + 100}" y="${bottom + 28}" width="10" height="10" fill="${MISSED}"/>`);
  out.push(`<text x="${X0 + 114}" y="${bottom + 37}" fill="${INK}">target not met</text>`);
  out.push(`<line x1="${X0 + 230}" y1="${bottom + 27}" x2="${X0 + 230}" y2="${bottom + 39}" stroke="${INK}" stroke-width="3"/>`);
  out.push(`<text x="${X0 + 238}" y="${bottom + 37}" fill="${INK}">target</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/** A coordinate: at most one decimal, the same on every machine. */
function num(v: number): string {
  return String(Math.round(v * 10) / 10);
}

/** 1.3 → "1.3", 2 → "2", 1.25 → "1.25". */
function trim(v: number): string {
  return String(round2(v));
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
