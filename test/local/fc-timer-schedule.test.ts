import { MIN_INTERVAL_MS, parseSchedule, scheduleProblem } from '../../local/fc/schedule';
import { ManualClock } from '../../local/fc/manual-clock';
import { TimerScheduler } from '../../local/fc/scheduler';

/**
 * When the local FC's time triggers fire: the schedule math of local/fc/schedule.ts (the parser the
 * local ROS shares) and the scheduler of local/fc/scheduler.ts, driven by a fake clock so that no
 * test waits a real minute (FC's shortest interval).
 */

const T0 = Date.parse('2026-12-01T10:00:00Z');
const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString().replace('.000Z', 'Z'));
/** The first `n` fire times after `from`. */
function fireTimes(expression: string, n: number, from = T0): Array<string | undefined> {
  const schedule = parseSchedule(expression);
  const out: Array<string | undefined> = [];
  let t: number | undefined = from;
  for (let i = 0; i < n && t !== undefined; i++) {
    t = schedule.next(t);
    out.push(iso(t));
  }
  return out;
}

describe('next fire times', () => {
  test('@every counts whole intervals from the last firing', () => {
    expect(fireTimes('@every 1m', 3)).toEqual(['2026-12-01T10:01:00Z', '2026-12-01T10:02:00Z', '2026-12-01T10:03:00Z']);
    expect(fireTimes('@every 90s', 2)).toEqual(['2026-12-01T10:01:30Z', '2026-12-01T10:03:00Z']);
    expect(fireTimes('@every 2h', 1)).toEqual(['2026-12-01T12:00:00Z']);
  });

  test.each([
    ['0 0 4 * * *', ['2026-12-02T04:00:00Z', '2026-12-03T04:00:00Z']],
    ['30 * * * * *', ['2026-12-01T10:00:30Z', '2026-12-01T10:01:30Z']],
    ['* * * * * *', ['2026-12-01T10:00:01Z', '2026-12-01T10:00:02Z']],
    ['0 */20 9-17 * * MON-FRI', ['2026-12-01T10:20:00Z', '2026-12-01T10:40:00Z', '2026-12-01T11:00:00Z']],
    ['0 0/45 10 * * *', ['2026-12-01T10:45:00Z', '2026-12-02T10:00:00Z']],
    ['0 0 17 * * fri', ['2026-12-04T17:00:00Z', '2026-12-11T17:00:00Z']],
    // Day-of-week 1-7 is MON-SUN: 7 is Sunday (2026-12-06 is a Sunday).
    ['0 0 12 ? * 7', ['2026-12-06T12:00:00Z', '2026-12-13T12:00:00Z']],
    ['0 0 8 ? * 1,3', ['2026-12-02T08:00:00Z', '2026-12-07T08:00:00Z']],
    ['0 0 0 1 JAN,jul ?', ['2027-01-01T00:00:00Z', '2027-07-01T00:00:00Z']],
    ['0 15 10 10-12 * ?', ['2026-12-10T10:15:00Z', '2026-12-11T10:15:00Z', '2026-12-12T10:15:00Z', '2027-01-10T10:15:00Z']],
    // Both day fields restricted: a day matching either fires (Friday the 4th, 11th, then the 13th).
    ['0 0 0 13 * FRI', ['2026-12-04T00:00:00Z', '2026-12-11T00:00:00Z', '2026-12-13T00:00:00Z']],
    // One of them written with `*` (a step of `*` too): both must match. The 1st, 8th, ... that is a Monday.
    ['0 0 0 */7 * 1', ['2027-02-01T00:00:00Z', '2027-02-08T00:00:00Z']],
    ['0 0 0 29 2 *', ['2028-02-29T00:00:00Z', '2032-02-29T00:00:00Z']],
  ])('%s', (expression, expected) => {
    expect(fireTimes(expression, expected.length)).toEqual(expected);
  });

  test('a schedule that can never fire has no next time (and is not refused, as FC does not refuse it)', () => {
    expect(scheduleProblem('0 0 0 31 2 *')).toBeUndefined();
    expect(fireTimes('0 0 0 31 2 *', 1)).toEqual([undefined]);
  });

  test('cron expressions are UTC unless CRON_TZ names a zone', () => {
    // FC's own example: 04:00 on the 1st, Beijing time, is 20:00 UTC the day before.
    expect(fireTimes('CRON_TZ=Asia/Shanghai 0 0 4 1 * *', 2)).toEqual(['2026-12-31T20:00:00Z', '2027-01-31T20:00:00Z']);
    expect(fireTimes('CRON_TZ=Asia/Kolkata 0 0 0 * * *', 1)).toEqual(['2026-12-01T18:30:00Z']);
    expect(fireTimes('CRON_TZ=UTC 0 0 4 * * *', 1)).toEqual(fireTimes('0 0 4 * * *', 1));
  });

  test('across daylight-saving changes a skipped wall time does not fire and a repeated one fires once', () => {
    // New York springs forward on 2027-03-14 (02:00 EST becomes 03:00 EDT): there is no 02:30.
    expect(fireTimes('CRON_TZ=America/New_York 0 30 2 * * *', 3, Date.parse('2027-03-12T12:00:00Z'))).toEqual([
      '2027-03-13T07:30:00Z',
      '2027-03-15T06:30:00Z',
      '2027-03-16T06:30:00Z',
    ]);
    // It falls back on 2027-11-07 (01:00-02:00 happens twice): 01:30 fires once, in EDT.
    expect(fireTimes('CRON_TZ=America/New_York 0 30 1 * * *', 3, Date.parse('2027-11-06T12:00:00Z'))).toEqual([
      '2027-11-07T05:30:00Z',
      '2027-11-08T06:30:00Z',
      '2027-11-09T06:30:00Z',
    ]);
  });

  test('a time within a second counts from the next whole second', () => {
    expect(iso(parseSchedule('* * * * * *').next(T0 + 999))).toBe('2026-12-01T10:00:01Z');
    expect(iso(parseSchedule('0 0 4 * * *').next(Date.parse('2026-12-02T03:59:59.999Z')))).toBe('2026-12-02T04:00:00Z');
    expect(iso(parseSchedule('0 0 4 * * *').next(Date.parse('2026-12-02T04:00:00Z')))).toBe('2026-12-03T04:00:00Z');
  });
});

describe('refused schedules', () => {
  test("@every at FC's shortest interval, 1 minute, and one second under it", () => {
    expect(MIN_INTERVAL_MS).toBe(60_000);
    expect(scheduleProblem('@every 60s')).toBeUndefined();
    expect(scheduleProblem('@every 1m')).toBeUndefined();
    expect(scheduleProblem('@every 59s')).toBe(`"@every 59s" is shorter than FC's shortest interval, 1 minute`);
    expect(scheduleProblem('@every 0h')).toContain('shortest interval');
  });

  test.each([
    ['@every 1s', 'shortest interval'],
    ['@every 5', '@every <n><unit>'],
    ['@every 1h30m', '@every <n><unit>'],
    ['@every -1m', '@every <n><unit>'],
    ['@daily', 'not a schedule FC documents'],
    ['0 0 4 * *', 'has 5 fields; FC takes six'],
    ['0 0 4 * * * 2027', 'has 7 fields; FC takes six'],
    ['60 0 0 * * *', 'Seconds field "60" has 60, outside 0-59'],
    ['0 60 0 * * *', 'Minutes field "60" has 60, outside 0-59'],
    ['0 0 24 * * *', 'Hours field "24" has 24, outside 0-23'],
    ['0 0 0 32 * *', 'Day-of-month field "32" has 32, outside 1-31'],
    ['0 0 0 0 * *', 'Day-of-month field "0" has 0, outside 1-31'],
    ['0 0 0 1 13 *', 'Month field "13" has 13, outside 1-12'],
    ['0 0 0 ? * 0', 'Day-of-week field "0" has 0, outside 1-7'],
    ['0 0 0 ? * 8', 'Day-of-week field "8" has 8, outside 1-7'],
    ['? 0 0 * * *', 'FC allows only , - * / in Seconds'],
    ['0 0 ? * * *', 'FC allows only , - * / in Hours'],
    ['0 0 0 * ? *', 'FC allows only , - * / in Month'],
    ['0 0 0 ? * */2', 'FC allows only , - * ? in Day-of-week'],
    ['0 0 0 L * *', 'is not a Day-of-month value'],
    ['0 0 0 ? * MON#2', 'which no cron field takes'],
    ['0 0 0 15W * ?', 'is not a Day-of-month value'],
    ['0 0 0 ? * SAT-MON', 'ends before it starts'],
    ['0 0 0 1-2-3 * ?', 'malformed range'],
    ['0 0/ * * * *', 'step ""'],
    ['0 1/2/3 * * * *', 'two "/"'],
    ['0 0 0 1,,2 * ?', 'empty list item'],
    ['0 0 0 * FEB-* *', 'not a Month value'],
    ['0 0 0 1 * MON', undefined], // both day fields restricted: valid
    ['0 0 0 ? JAN SUN', undefined],
    ['CRON_TZ=Asia/Shanghai 0 0 4 1 * *', undefined],
    ['CRON_TZ= 0 0 4 1 * *', 'not an IANA time zone name'],
    ['CRON_TZ=Europe/Atlantis 0 0 4 1 * *', 'not a time zone in the IANA database'],
    ['CRON_TZ=europe/berlin 0 0 4 1 * *', 'must be written "Europe/Berlin"'],
    ['CRON_TZ=Asia/Shanghai @every 5m', 'cron fields only'],
    ['TZ=Asia/Shanghai 0 0 4 1 * *', 'has 7 fields'],
    ['   ', 'empty'],
  ])('%j: %s', (expression, why) => {
    const problem = scheduleProblem(expression);
    if (why === undefined) expect(problem).toBeUndefined();
    else expect(problem).toContain(why);
  });

  test('a schedule that is not a string is refused', () => {
    expect(scheduleProblem(60)).toBe('cronExpression must be a string, not number');
    expect(scheduleProblem(null)).toBe('cronExpression must be a string, not null');
    expect(() => parseSchedule(undefined)).toThrow('cronExpression must be a string, not undefined');
  });
});

describe('the scheduler', () => {
  const start = (clock: ManualClock, schedules: Record<string, string>) => {
    const fired: Array<[string, string | undefined, string | undefined]> = [];
    const scheduler = new TimerScheduler(clock, (key, at) => fired.push([key, iso(at), iso(clock.now())]));
    for (const [key, expression] of Object.entries(schedules)) scheduler.add(key, parseSchedule(expression));
    return { scheduler, fired };
  };

  test('fires each schedule at its times, on time', () => {
    const clock = new ManualClock(T0);
    const { fired } = start(clock, { every: '@every 1m', daily: '0 0 4 * * *', quarter: '0 */15 * * * *' });
    clock.advanceTo(T0 + 30 * 60_000);
    const times = (key: string) => fired.filter(([k]) => k === key).map(([, at, now]) => (expect(now).toBe(at), at));
    expect(times('every')).toHaveLength(30);
    expect(times('every').slice(0, 2)).toEqual(['2026-12-01T10:01:00Z', '2026-12-01T10:02:00Z']);
    expect(times('quarter')).toEqual(['2026-12-01T10:15:00Z', '2026-12-01T10:30:00Z']);
    expect(times('daily')).toEqual([]);
    clock.advanceTo(Date.parse('2026-12-02T04:00:00Z'));
    expect(times('daily')).toEqual(['2026-12-02T04:00:00Z']);
  });

  test('waits longer than a Node timeout can (24.8 days) in steps, and fires once, on time', () => {
    const clock = new ManualClock(T0);
    const { fired } = start(clock, { newYear: '0 0 0 1 1 *' });
    expect(clock.delays).toEqual([2 ** 31 - 1]);
    clock.advanceTo(Date.parse('2027-01-01T00:00:00Z') - 1);
    expect(fired).toEqual([]);
    expect(clock.delays).toHaveLength(2); // the first step ran out and the wait went on
    clock.advanceTo(Date.parse('2027-01-01T00:00:00Z'));
    expect(fired).toEqual([['newYear', '2027-01-01T00:00:00Z', '2027-01-01T00:00:00Z']]);
  });

  test('a process stopped through several fire times fires once when it resumes, then keeps the schedule', () => {
    const clock = new ManualClock(T0);
    const { fired } = start(clock, { every: '@every 1m' });
    clock.jumpTo(T0 + 10 * 60_000);
    expect(fired).toEqual([['every', '2026-12-01T10:01:00Z', '2026-12-01T10:10:00Z']]);
    clock.advanceTo(T0 + 12 * 60_000);
    expect(fired.map(([, , now]) => now)).toEqual(['2026-12-01T10:10:00Z', '2026-12-01T10:10:59Z', '2026-12-01T10:11:59Z']);
  });

  test('arms nothing for a schedule that never fires', () => {
    const clock = new ManualClock(T0);
    start(clock, { never: '0 0 0 30 2 *' });
    expect(clock.pendingCount).toBe(0);
  });

  test('stop() clears every pending timer, and nothing fires after it', () => {
    const clock = new ManualClock(T0);
    const { scheduler, fired } = start(clock, { a: '@every 1m', b: '0 0 4 * * *' });
    clock.advanceTo(T0 + 60_000);
    expect(fired).toHaveLength(1);
    scheduler.stop();
    expect(clock.pendingCount).toBe(0);
    clock.advanceTo(T0 + 86_400_000);
    expect(fired).toHaveLength(1);
  });
});
