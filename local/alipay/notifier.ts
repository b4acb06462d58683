import * as http from 'node:http';
import * as https from 'node:https';
import { performance } from 'node:perf_hooks';

/**
 * Delivery of asynchronous notifications, as Alipay's guide describes it (opendocs.alipay.com/open/
 * 270/105902, quoted at zhongyf.com/qita/rj/2022-04-04/129126.html): a POST that counts only if
 * the page prints exactly the seven characters `success`; otherwise Alipay resends "25 小时以内完成
 * 8 次通知（通知的间隔频率一般是：4m,10m,10m,1h,2h,6h,15h）". Redirects are not followed (the
 * guide: a page that redirects is treated as failing). Locally the schedule is scaled down.
 */
export const NOTIFY_RETRY_DELAYS_MS = [4, 10, 10, 60, 120, 360, 900].map((minutes) => minutes * 60_000);
export const NOTIFY_ATTEMPTS = NOTIFY_RETRY_DELAYS_MS.length + 1;
/** 4m → 240 ms: a local run sees every retry within about 90 s. */
export const DEFAULT_NOTIFY_DELAY_SCALE = 1 / 1000;
/** Alipay publishes no timeout for the merchant's answer; a few seconds keeps a hung receiver visible. */
export const DEFAULT_NOTIFY_TIMEOUT_MS = 3_000;
/** Only `success` matters, so no more than this is read from an answer. */
export const MAX_NOTIFY_ANSWER_BYTES = 1024;
/** A notification held by a `reorder` fault goes out after this if no other notification is sent first. */
export const REORDER_RELEASE_MS = 1_000;
/** Attempts kept in `attempts` (oldest dropped first), so a long-running local cloud stays bounded. */
export const MAX_KEPT_ATTEMPTS = 10_000;

export interface NotificationInfo {
  outTradeNo: string;
  tradeStatus: string;
  /** 1 for the first send, up to NOTIFY_ATTEMPTS. */
  attempt: number;
}

/**
 * What can go wrong between Alipay and the receiver, per attempt: `drop` loses the notification
 * (this and all later attempts), `duplicate` sends the attempt `copies` (default 2) times at
 * once, `delay` waits `ms` first, `reorder` holds it until the next other notification has been
 * sent (or REORDER_RELEASE_MS).
 */
export type NotifyFault = undefined | { kind: 'drop' } | { kind: 'duplicate'; copies?: number } | { kind: 'delay'; ms: number } | { kind: 'reorder' };

export type NotifyOutcome = 'success' | 'fail' | 'error';

/** One HTTP exchange: `fail` = an answer other than 2xx + `success`; `error` = no answer (refused, reset, timed out). */
export interface NotificationAttempt extends NotificationInfo {
  outcome: NotifyOutcome;
  ms: number;
}

export interface NotifierOptions {
  delayScale: number;
  timeoutMs: number;
  fault?: (n: NotificationInfo) => NotifyFault;
  log?: (line: Record<string, unknown>) => void;
}

/** One notification to deliver; `body` builds the signed form body for an attempt (notify_time is per attempt). */
export interface Notification {
  url: string;
  outTradeNo: string;
  tradeStatus: string;
  body: () => string;
}

export class Notifier {
  private readonly log: NotificationAttempt[] = [];
  private readonly pending = new Set<Notification>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly requests = new Set<http.ClientRequest>();
  /** Attempts held by a `reorder` fault, released when another attempt has been sent. */
  private held: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly opts: NotifierOptions) {}

  /** A copy: the log is the emulator's record, not the caller's to edit. */
  get attempts(): readonly NotificationAttempt[] {
    return this.log.slice();
  }

  /** Starts delivering now (Alipay notifies as soon as the status changes). */
  send(n: Notification): void {
    if (this.closed) return;
    this.pending.add(n);
    this.after(0, () => this.run(n, 1));
  }

  /** Resolves once every notification is delivered, given up or dropped (or the notifier is closed). */
  whenIdle(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Cancels every timer and in-flight request: nothing outlives the emulator. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const req of this.requests) req.destroy();
    this.requests.clear();
    this.held = [];
    this.pending.clear();
    this.settleIdle();
  }

  private run(n: Notification, attempt: number): void {
    this.attempt(n, attempt).catch((e) => {
      this.opts.log?.({ service: 'alipay', method: 'notify', outTradeNo: n.outTradeNo, outcome: 'internal', error: String(e) });
      this.settle(n);
    });
  }

  private async attempt(n: Notification, attempt: number): Promise<void> {
    const info: NotificationInfo = { outTradeNo: n.outTradeNo, tradeStatus: n.tradeStatus, attempt };
    const fault = this.opts.fault?.(info);
    if (fault?.kind === 'drop') {
      this.opts.log?.({ service: 'alipay', method: 'notify', ...info, outcome: 'fault:drop' });
      return this.settle(n);
    }
    if (fault?.kind === 'delay') await this.sleep(fault.ms);
    if (fault?.kind === 'reorder') await this.holdForNext();
    if (this.closed) return;

    const copies = fault?.kind === 'duplicate' ? Math.max(1, Math.floor(fault.copies ?? 2)) : 1;
    const body = n.body(); // copies are byte-identical, as a resend of one notification is
    const outcomes = await Promise.all(Array.from({ length: copies }, () => this.post(n.url, body, info)));
    if (this.closed) return;
    this.releaseHeld();

    if (outcomes.includes('success')) return this.settle(n);
    if (attempt >= NOTIFY_ATTEMPTS) {
      this.opts.log?.({ service: 'alipay', method: 'notify', ...info, outcome: 'gave-up' });
      return this.settle(n);
    }
    this.after(NOTIFY_RETRY_DELAYS_MS[attempt - 1]! * this.opts.delayScale, () => this.run(n, attempt + 1));
  }

  /** One POST, bounded in time and in what is read back. */
  private post(target: string, body: string, info: NotificationInfo): Promise<NotifyOutcome> {
    const started = performance.now();
    return new Promise((resolve) => {
      let req: http.ClientRequest | undefined;
      let done = false;
      const finish = (outcome: NotifyOutcome) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.timers.delete(timer);
        if (req) {
          this.requests.delete(req);
          req.destroy();
        }
        if (!this.closed) this.record({ ...info, outcome, ms: Math.round(performance.now() - started) });
        resolve(outcome);
      };
      const timer = setTimeout(() => finish('error'), this.opts.timeoutMs);
      this.timers.add(timer);

      let url: URL;
      try {
        url = new URL(target);
      } catch {
        return finish('error');
      }
      // No agent: one connection per attempt, closed after it, so no socket lingers after close().
      req = (url.protocol === 'https:' ? https : http).request(url, {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
          'content-length': Buffer.byteLength(body),
        },
      });
      this.requests.add(req);
      req.on('error', () => finish('error'));
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) return finish('fail');
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_NOTIFY_ANSWER_BYTES) finish('fail');
          else chunks.push(chunk);
        });
        // Exactly `success`: the guide forbids even whitespace around it.
        res.on('end', () => finish(Buffer.concat(chunks).toString('utf8') === 'success' ? 'success' : 'fail'));
        res.on('error', () => finish('error'));
        res.on('close', () => finish('error')); // closed before 'end': the answer was cut off
      });
      req.end(body);
    });
  }

  private record(attempt: NotificationAttempt): void {
    this.log.push(Object.freeze(attempt));
    if (this.log.length > MAX_KEPT_ATTEMPTS) this.log.splice(0, this.log.length - MAX_KEPT_ATTEMPTS);
    this.opts.log?.({ service: 'alipay', method: 'notify', ...attempt });
  }

  private after(ms: number, fn: () => void): NodeJS.Timeout | undefined {
    if (this.closed) return undefined;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  /** Never resolves once closed: the attempt waiting on it is simply abandoned. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  private holdForNext(): Promise<void> {
    return new Promise((resolve) => {
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        if (fallback) {
          clearTimeout(fallback);
          this.timers.delete(fallback);
        }
        this.held = this.held.filter((r) => r !== release);
        resolve();
      };
      this.held.push(release);
      const fallback = this.after(REORDER_RELEASE_MS, release);
    });
  }

  private releaseHeld(): void {
    for (const release of this.held.slice()) release();
  }

  private settle(n: Notification): void {
    this.pending.delete(n);
    if (this.pending.size === 0) this.settleIdle();
  }

  private settleIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
