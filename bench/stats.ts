/** Small statistics for benchmark samples (milliseconds). */
export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export interface Summary {
  n: number;
  median: number;
  p10: number;
  p90: number;
  p99: number;
  min: number;
  max: number;
}

export function summarize(samples: number[]): Summary {
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    n: samples.length,
    median: r(percentile(samples, 50)),
    p10: r(percentile(samples, 10)),
    p90: r(percentile(samples, 90)),
    p99: r(percentile(samples, 99)),
    min: r(Math.min(...samples)),
    max: r(Math.max(...samples)),
  };
}

export async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = process.hrtime.bigint();
  const value = await fn();
  return [Number(process.hrtime.bigint() - t) / 1e6, value];
}
