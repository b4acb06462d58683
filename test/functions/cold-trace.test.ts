import { ColdTrace } from '../../lambda/shared/cold-trace';

describe('ColdTrace (pure logic)', () => {
  const later = <T>(value: T, ms: number) => new Promise<T>((r) => setTimeout(() => r(value), ms));

  it('reports client creation and each call of the first invocation once, then records nothing', async () => {
    const trace = new ColdTrace();
    expect(trace.client(() => 'client')).toBe('client');
    const [a, b] = await Promise.all([trace.call('ots.GetRow', () => later('a', 20)), trace.call('ots.GetRange', () => later('b', 5))]);
    expect([a, b]).toEqual(['a', 'b']);
    await expect(trace.call('sts.AssumeRole', () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    const report = trace.take()!;
    expect(report.calls.map((c) => c.call)).toEqual(['ots.GetRow', 'ots.GetRange', 'sts.AssumeRole']);
    expect(report.calls[0].ms).toBeGreaterThanOrEqual(15);
    // Started together: the second began before the first ended.
    expect(report.calls[1].at).toBeLessThan(report.calls[0].at + report.calls[0].ms);
    expect(trace.take()).toBeUndefined();
    await trace.call('ots.PutRow', () => later(1, 1));
    expect(report.calls).toHaveLength(3);
  });

  it('stops recording after 16 calls when nobody takes the report', async () => {
    const trace = new ColdTrace();
    for (let i = 0; i < 40; i++) await trace.call('ots.GetRow', () => Promise.resolve(i));
    expect(trace.take()!.calls).toHaveLength(16);
  });
});
