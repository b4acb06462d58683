import type { KeyValue, Value } from '../../local/tablestore';
import { classify, recordLine, rowFromRecord, type RowRecord } from '../../local/tablestore/records';

/** A journal line read back gives the value written, for the doubles JSON has no number for too. */
describe('journal records', () => {
  const roundTrip = (value: Value): Value => {
    const key: KeyValue[] = [{ type: 'STRING', value: 'a' }];
    const line = recordLine('t', key, { key, columns: new Map([['v', [{ timestamp: 1, value }]]]) });
    const { data } = classify(JSON.parse(line)) as { data: RowRecord };
    return rowFromRecord(data).columns.get('v')![0].value;
  };

  it.each([-0, 0, 1.5, -2.25, Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity])('keeps the DOUBLE %p exactly', (n) => {
    const back = roundTrip({ type: 'DOUBLE', value: n });
    expect(back.type).toBe('DOUBLE');
    expect(Object.is(back.value, n)).toBe(true);
  });

  it('keeps int64 beyond 2^53 and binary exactly', () => {
    expect(roundTrip({ type: 'INTEGER', value: 2n ** 63n - 1n })).toEqual({ type: 'INTEGER', value: 2n ** 63n - 1n });
    expect(roundTrip({ type: 'BINARY', value: Buffer.from([0, 255, 1]) })).toEqual({ type: 'BINARY', value: Buffer.from([0, 255, 1]) });
  });
});
