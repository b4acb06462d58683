import { UTC, zoneClockface, type Clockface, type WallClock } from './zone';

/**
 * An FC 2.0 time trigger's schedule, TriggerConfig.cronExpression, parsed once: the local FC asks it
 * when to fire and the local ROS (constraints.ts) refuses what it cannot parse, so both read the
 * expression the same way.
 *
 * FC documents two forms:
 * - `@every <n><unit>`, e.g. "@every 4m" (TimeTriggerConfig, https://alibabacloud.com/help/en/functioncompute/fc-2-0/developer-reference/api-fc-open-2021-04-06-struct-timetriggerconfig).
 *   The console's interval is "a positive integer n: the function is triggered every n minutes"
 *   (time triggers, https://www.alibabacloud.com/help/doc-detail/171746.htm), so the shortest
 *   interval is 1 minute; shorter ones are refused. Units s, m and h are taken.
 * - six cron fields, "Seconds Minutes Hours Day-of-month Month Day-of-week", evaluated in UTC
 *   ("Cron以UTC时间运行") unless prefixed with `CRON_TZ=<IANA zone>` ("CRON_TZ=Asia/Shanghai 0 0 4 1 * *"),
 *   both from https://help.aliyun.com/document_detail/171746.html, whose field table gives:
 *     Seconds 0-59; Minutes 0-59 `, - * /`; Hours 0-23 `, - * /`; Day-of-month 1-31 `, - * ? /`;
 *     Month 1-12 or JAN-DEC `, - * /`; Day-of-week 1-7 or MON-SUN `, - * ?`.
 *   The Seconds row lists no characters in the copy found; it is given those of Minutes. Day-of-week
 *   1 is Monday and 7 Sunday, as MON-SUN reads (0 is outside the documented range and refused).
 * Not documented, so decided here: names are case-insensitive; `a/n` means a, a+n, ... up to the
 * field's end; a list item `?` must stand alone; when both day fields are restricted a day matching
 * either fires (Vixie cron's rule, also Go's robfig/cron, whose syntax FC's CRON_TZ and @every are).
 * Other `@` descriptors (@daily) and 5- or 7-field forms are refused: FC documents neither.
 */
export interface Schedule {
  readonly expression: string;
  /** The first fire time strictly after `after` (ms since the epoch), or undefined if none within 5 years. */
  next(after: number): number | undefined;
}

/** FC's shortest @every interval (see above). */
export const MIN_INTERVAL_MS = 60_000;
/** How far ahead a cron expression is searched before it is taken never to fire (e.g. "0 0 0 31 2 *"); robfig/cron also gives up after 5 years. */
const SEARCH_YEARS = 5;

/** The schedule of `expression`, or an Error whose message says why FC would refuse it. */
export function parseSchedule(expression: unknown): Schedule {
  if (typeof expression !== 'string') throw new Error(`cronExpression must be a string, not ${expression === null ? 'null' : typeof expression}`);
  const text = expression.trim();
  if (!text) throw new Error('cronExpression is empty');
  if (text.startsWith('@')) return everySchedule(expression, text);
  const zoned = /^CRON_TZ=(\S*)\s+(.*)$/.exec(text);
  const face = zoned ? zoneClockface(zoned[1]) : UTC;
  if (zoned && zoned[2].startsWith('@')) throw new Error('CRON_TZ applies to cron fields only, not to an @ schedule');
  return cronSchedule(expression, zoned ? zoned[2] : text, face);
}

/** Why FC would refuse `expression`, or undefined when it is a valid schedule. */
export function scheduleProblem(expression: unknown): string | undefined {
  try {
    parseSchedule(expression);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

// ---------------------------------------------------------------------------------------------
// @every
// ---------------------------------------------------------------------------------------------
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

function everySchedule(expression: string, text: string): Schedule {
  const m = /^@every\s+(\d+)([smh])$/.exec(text);
  if (!m) {
    if (/^@every\b/.test(text)) throw new Error(`"${text}" is not @every <n><unit> with a whole number n and a unit s, m or h (e.g. @every 5m)`);
    throw new Error(`"${text}" is not a schedule FC documents: use @every <n><unit> or six cron fields`);
  }
  const intervalMs = Number(m[1]) * UNIT_MS[m[2]];
  if (intervalMs < MIN_INTERVAL_MS) throw new Error(`"${text}" is shorter than FC's shortest interval, 1 minute`);
  // Each firing is one interval after the previous one (robfig/cron's @every, too).
  return { expression, next: (after) => after + intervalMs };
}

// ---------------------------------------------------------------------------------------------
// Cron fields
// ---------------------------------------------------------------------------------------------
interface FieldSpec {
  name: string;
  min: number;
  max: number;
  /** The special characters FC allows in the field. */
  specials: string;
  /** Names of min, min+1, ... */
  names?: string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'Seconds', min: 0, max: 59, specials: ',-*/' },
  { name: 'Minutes', min: 0, max: 59, specials: ',-*/' },
  { name: 'Hours', min: 0, max: 23, specials: ',-*/' },
  { name: 'Day-of-month', min: 1, max: 31, specials: ',-*?/' },
  { name: 'Month', min: 1, max: 12, specials: ',-*/', names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'Day-of-week', min: 1, max: 7, specials: ',-*?', names: ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] },
];

interface Field {
  values: Set<number>;
  /** Written with `*` or `?`: for the day fields, "any day" rather than a restriction. */
  starred: boolean;
}

function parseField(spec: FieldSpec, text: string): Field {
  const bad = (why: string) => new Error(`${spec.name} field "${text}" ${why}`);
  const allows = (c: string) => spec.specials.includes(c);
  for (const c of text) {
    if (/[A-Za-z0-9]/.test(c)) continue;
    if (!',-*?/'.includes(c)) throw bad(`has "${c}", which no cron field takes`);
    if (!allows(c)) throw bad(`has "${c}"; FC allows only ${[...spec.specials].join(' ')} in ${spec.name}`);
  }
  const field: Field = { values: new Set(), starred: false };
  if (text === '?') return { values: range(spec.min, spec.max, 1), starred: true };
  for (const item of text.split(',')) {
    if (item === '') throw bad('has an empty list item');
    if (item.includes('?')) throw bad('uses "?" inside a list or range; "?" stands alone');
    const [span, stepText, extra] = item.split('/');
    if (extra !== undefined) throw bad(`has two "/" in "${item}"`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (stepText !== undefined && (!/^\d+$/.test(stepText) || step < 1)) throw bad(`has step "${stepText}"; a step is a whole number from 1`);
    let first: number;
    let last: number;
    if (span === '*') {
      [first, last] = [spec.min, spec.max];
      field.starred = true;
    } else if (span.includes('-')) {
      const [a, b, more] = span.split('-');
      if (more !== undefined) throw bad(`has a malformed range "${span}"`);
      [first, last] = [value(spec, a, text), value(spec, b, text)];
      if (first > last) throw bad(`has the range "${span}", which ends before it starts`);
    } else {
      first = value(spec, span, text);
      last = stepText === undefined ? first : spec.max;
    }
    for (const v of range(first, last, step)) field.values.add(v);
  }
  return field;
}

function value(spec: FieldSpec, word: string, text: string): number {
  let n: number;
  if (/^\d+$/.test(word)) n = Number(word);
  else {
    const i = spec.names?.indexOf(word.toUpperCase()) ?? -1;
    if (i < 0)
      throw new Error(
        `${spec.name} field "${text}" has "${word}", which is not a ${spec.name} value${spec.names ? ` (${spec.min}-${spec.max} or ${spec.names[0]}-${spec.names[spec.names.length - 1]})` : ''}`,
      );
    n = spec.min + i;
  }
  if (n < spec.min || n > spec.max) throw new Error(`${spec.name} field "${text}" has ${n}, outside ${spec.min}-${spec.max}`);
  return n;
}

function range(first: number, last: number, step: number): Set<number> {
  const out = new Set<number>();
  for (let v = first; v <= last; v += step) out.add(v);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Cron schedule
// ---------------------------------------------------------------------------------------------
function cronSchedule(expression: string, text: string, face: Clockface): Schedule {
  const words = text.split(/\s+/);
  if (words.length !== FIELDS.length) {
    throw new Error(`"${text}" has ${words.length} fields; FC takes six: Seconds Minutes Hours Day-of-month Month Day-of-week`);
  }
  const [second, minute, hour, dom, month, dow] = FIELDS.map((spec, i) => parseField(spec, words[i]));
  const dayMatches = (w: WallClock): boolean => {
    const inMonth = dom.values.has(w.day);
    const inWeek = dow.values.has(w.weekday);
    return dom.starred || dow.starred ? inMonth && inWeek : inMonth || inWeek;
  };
  return {
    expression,
    next(after) {
      let t = Math.floor(after / 1000) * 1000 + 1000;
      const limit = t + SEARCH_YEARS * 366 * 86_400_000;
      // Step to the start of the next month, day, hour or minute when that field does not match.
      // Across a daylight-saving change the start can map to an earlier instant: never step back.
      // So, in a CRON_TZ zone, a wall time the change skips never fires and one it repeats fires
      // once (FC's page warns that runs may be repeated or missed then).
      const to = (target: number) => Math.max(target, t + 1000);
      while (t <= limit) {
        const w = face.fieldsAt(t);
        if (!month.values.has(w.month)) t = to(face.instantOf(w.year, w.month + 1, 1, 0, 0, 0));
        else if (!dayMatches(w)) t = to(face.instantOf(w.year, w.month, w.day + 1, 0, 0, 0));
        else if (!hour.values.has(w.hour)) t = to(face.instantOf(w.year, w.month, w.day, w.hour + 1, 0, 0));
        else if (!minute.values.has(w.minute)) t = to(face.instantOf(w.year, w.month, w.day, w.hour, w.minute + 1, 0));
        else if (!second.values.has(w.second)) t += 1000;
        else return t;
      }
      return undefined;
    },
  };
}
