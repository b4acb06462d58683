/**
 * Bounded retries with exponential backoff and full jitter, inside the time the function has left.
 * Only errors `isTransient` accepts are retried; the last error is rethrown.
 */
export interface RetryOptions {
  /** Epoch ms after which no new attempt starts. */
  deadline: number;
  isTransient: (e: unknown) => boolean;
  maxAttempts?: number;
  baseMs?: number;
  capMs?: number;
  /** Called before each retry (not before the first attempt); lets callers count or log attempts. */
  onRetry?: (e: unknown, attempt: number) => void;
}

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const { maxAttempts = 4, baseMs = 40, capMs = 800 } = opts;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (attempt >= maxAttempts || !opts.isTransient(e)) throw e;
      const delay = Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
      if (Date.now() + delay >= opts.deadline) throw e;
      opts.onRetry?.(e, attempt);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'EPIPE',
  'ECONNABORTED',
  'EAI_AGAIN',
  'ESOCKETTIMEDOUT',
  'TimeoutError',
  'NetworkingError',
  'RequestTimeout',
]);

/** True for failures of the connection itself (reset, refused, timed out), whatever client raised them. */
export function isNetworkError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return /socket hang up|ECONNRESET|ETIMEDOUT|ECONNREFUSED|timed? ?out/i.test(e.message);
}
