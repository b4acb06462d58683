import type { Schedule } from './schedule';

/** Where the scheduler gets the time and its timers from; tests pass a fake one and move it by hand. */
export interface TimerClock {
  now(): number;
  setTimeout(fire: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_CLOCK: TimerClock = {
  now: () => Date.now(),
  setTimeout: (fire, ms) => {
    const handle = setTimeout(fire, ms);
    // A pending timer must not keep a process alive that has nothing else to do (a test run):
    // the local FC's listeners already hold the process while it serves.
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Node fires a timeout over 2^31-1 ms (about 24.8 days) at once: a longer wait is taken in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** Lateness under this is the event loop's; more is a process that was stopped (a suspended laptop). */
const LATE_MS = 1000;

/**
 * Calls `onFire(key, fireTime)` at each fire time of each schedule added, until stop(). It only
 * says when: what a firing does (and whether one may overlap the last) is the caller's.
 */
export class TimerScheduler {
  private readonly handles = new Map<string, unknown>();
  private stopped = false;

  constructor(
    private readonly clock: TimerClock,
    private readonly onFire: (key: string, fireTime: number) => void,
  ) {}

  add(key: string, schedule: Schedule): void {
    this.arm(key, schedule, this.clock.now());
  }

  /** Clears every pending timer; nothing fires after this. */
  stop(): void {
    this.stopped = true;
    for (const handle of this.handles.values()) this.clock.clearTimeout(handle);
    this.handles.clear();
  }

  private arm(key: string, schedule: Schedule, after: number): void {
    const at = schedule.next(after);
    if (this.stopped || at === undefined) return; // undefined: a schedule that never fires, like 31 February
    this.wait(key, schedule, at);
  }

  private wait(key: string, schedule: Schedule, at: number): void {
    const delay = Math.min(Math.max(at - this.clock.now(), 0), MAX_TIMEOUT_MS);
    this.handles.set(
      key,
      this.clock.setTimeout(() => {
        if (this.stopped) return;
        if (this.clock.now() < at) return this.wait(key, schedule, at); // one step of a long wait
        this.onFire(key, at);
        // The next fire time counts from this one, so "@every" does not drift by the event loop's
        // lateness; firings missed while the process was stopped are not replayed all at once.
        this.arm(key, schedule, Math.max(at, this.clock.now() - LATE_MS));
      }, delay),
    );
  }
}
