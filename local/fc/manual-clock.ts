import type { TimerClock } from './scheduler';

/**
 * A TimerClock whose time moves only when told to, firing the timers that come due: lets a test
 * run a schedule of minutes (FC's shortest interval) or months in no time.
 */
export class ManualClock implements TimerClock {
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fire: () => void }>();
  /** Every delay asked of setTimeout, in order. */
  readonly delays: number[] = [];

  constructor(private t: number) {}

  /** Timers set and not yet fired or cleared. */
  get pendingCount(): number {
    return this.pending.size;
  }

  now = (): number => this.t;

  setTimeout = (fire: () => void, ms: number): unknown => {
    this.delays.push(ms);
    this.pending.set(++this.seq, { at: this.t + ms, fire });
    return this.seq;
  };

  clearTimeout = (handle: unknown): void => {
    this.pending.delete(handle as number);
  };

  /** Moves to `to`, firing each timer due by then at its own time, in time order. */
  advanceTo(to: number): void {
    this.fireDue(to, (at) => (this.t = Math.max(this.t, at)));
    this.t = Math.max(this.t, to);
  }

  /** Jumps to `to` and only then fires what is due, late: as a process that was stopped (a suspended laptop) sees it. */
  jumpTo(to: number): void {
    this.t = Math.max(this.t, to);
    this.fireDue(to, () => undefined);
  }

  private fireDue(to: number, beforeFire: (at: number) => void): void {
    for (;;) {
      let next: [number, { at: number; fire: () => void }] | undefined;
      for (const entry of this.pending) if (entry[1].at <= to && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) return;
      this.pending.delete(next[0]);
      beforeFire(next[1].at);
      next[1].fire();
    }
  }
}
