/**
 * bench/chart.svg is what bench/chart.ts draws from the committed bench/results.json, byte for byte,
 * and the drawing follows the figures: one bar per measure against its floor, each target marked.
 */
import * as fs from 'node:fs';
import type { BenchResults } from '../../bench/bench-results';
import { CHART_FILE, chartBars, renderChart } from '../../bench/chart';
import { readResults } from '../../tools/readme-perf';

const committed = readResults();
const results = (change: (r: BenchResults) => void): BenchResults => {
  const copy = structuredClone(committed);
  change(copy);
  return copy;
};
const BAR = /<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="14" fill="(#[0-9a-f]{3,6})"\/>/g;

describe('the committed chart', () => {
  it('is exactly what bench/results.json gives (run tools/readme-perf.ts, or npm run bench, and commit both)', () => {
    expect(fs.readFileSync(CHART_FILE, 'utf8')).toBe(renderChart(committed));
  });

  it('has one bar per measure: both cold starts, each warm db op and login, each with its target', () => {
    const bars = chartBars(committed);
    expect(bars.map((b) => b.label)).toEqual([
      'db cold start',
      'session cold start',
      'db get, warm',
      'db put (new id), warm',
      'db put (existing id), warm',
      'db list (10), warm',
      'db update, warm',
      'db remove, warm',
      'login, warm',
    ]);
    expect(bars.every((b) => b.limit !== undefined && b.met !== undefined)).toBe(true);
    expect([...renderChart(committed).matchAll(BAR)]).toHaveLength(bars.length);
  });
});

describe('renderChart', () => {
  it('is deterministic', () => {
    expect(renderChart(structuredClone(committed))).toBe(renderChart(committed));
  });

  it('draws each ratio as its results give it, coloured by its target', () => {
    const setGet = (ratio: number, met: boolean) =>
      results((r) => {
        r.warm.find((w) => w.name === 'get')!.ratio = ratio;
        r.targets.find((t) => t.name === 'get: warm p50 / floor p50')!.met = met;
      });
    const widths = (svg: string) => [...svg.matchAll(BAR)].map((m) => [Number(m[1]), m[2]] as const);
    const met = widths(renderChart(setGet(1.1, true)))[2];
    const missed = widths(renderChart(setGet(1.2, false)))[2];
    expect(missed[0]).toBeGreaterThan(met[0]);
    expect(met[1]).toBe('#2e7d32');
    expect(missed[1]).toBe('#c62828');
    expect(renderChart(setGet(1.2, false))).toContain('1.2× (target ≤ 1.3×, not met)');
  });

  it('scales to the largest ratio or target, and names the run', () => {
    const svg = renderChart(results((r) => ((r.coldStartMs.db.median = r.coldStartMs.empty.median * 12), (r.date = '2031-01-02T03:04:05.000Z'))));
    expect(svg).toContain('12×');
    expect(svg).toContain('bench run of 2031-01-02');
  });
});
