/**
 * Wall-clock time in the zone a time trigger's schedule runs in: UTC by default, or the IANA zone
 * of a `CRON_TZ=<zone>` prefix (see schedule.ts). Node's Intl carries the same IANA database FC's
 * Go runtime loads zones from, so a zone name Intl knows is one FC can load.
 */

/** The fields of one instant as a wall clock shows it. `weekday` is ISO: 1 Monday ... 7 Sunday. */
export interface WallClock {
  year: number;
  /** 1 to 12. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

/** Converts between instants (ms since the epoch, whole seconds) and the wall clock of one zone. */
export interface Clockface {
  readonly zone: string;
  fieldsAt(instant: number): WallClock;
  /**
   * The instant the wall clock shows these fields (out-of-range values carry over: hour 24 is the
   * next day's 0). A time skipped by a daylight-saving change maps to an instant near it, which
   * callers must not rely on being earlier or later.
   */
  instantOf(year: number, month: number, day: number, hour: number, minute: number, second: number): number;
}

const isoWeekday = (utcDay: number): number => (utcDay === 0 ? 7 : utcDay);

export const UTC: Clockface = {
  zone: 'UTC',
  fieldsAt(instant) {
    const d = new Date(instant);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      weekday: isoWeekday(d.getUTCDay()),
    };
  },
  instantOf: (year, month, day, hour, minute, second) => Date.UTC(year, month - 1, day, hour, minute, second),
};

/** IANA zone names are Area/Location words (letters, digits, _ + -); Intl also takes forms Go's loader does not, like "+08:00". */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/** The clockface of an IANA zone, or an Error saying why the name is not one. */
export function zoneClockface(name: string): Clockface {
  if (!ZONE_NAME.test(name)) throw new Error(`"${name}" is not an IANA time zone name (Area/Location, e.g. Asia/Shanghai)`);
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new Error(`"${name}" is not a time zone in the IANA database`);
  }
  // Intl matches names case-insensitively; the zone files Go loads are case-sensitive paths.
  const canonical = format.resolvedOptions().timeZone;
  if (canonical !== name && canonical.toLowerCase() === name.toLowerCase())
    throw new Error(`time zone names are case-sensitive: "${name}" must be written "${canonical}"`);

  const fieldsAt = (instant: number): WallClock => {
    const parts: Record<string, number> = {};
    for (const p of format.formatToParts(new Date(instant))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
    const { year, month, day, hour, minute, second } = parts;
    return { year, month, day, hour, minute, second, weekday: isoWeekday(new Date(Date.UTC(year, month - 1, day)).getUTCDay()) };
  };
  /** How far the zone's wall clock is ahead of UTC at `instant`, in ms. */
  const offsetAt = (instant: number): number => {
    const w = fieldsAt(instant);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(instant / 1000) * 1000;
  };
  return {
    zone: name,
    fieldsAt,
    instantOf(year, month, day, hour, minute, second) {
      const wall = Date.UTC(year, month - 1, day, hour, minute, second);
      // The offset at a first guess, then at the instant that guess gives: right everywhere
      // except inside a daylight-saving gap, where no instant shows this wall time.
      return wall - offsetAt(wall - offsetAt(wall));
    },
  };
}
