import { createHash } from 'node:crypto';
import { type ColdReport, coldTrace } from './cold-trace';
import { AppError } from './errors';

/** A short, non-reversible tag for a secret value (session id), so logs can correlate without holding it. */
export const fingerprint = (secret: string): string => createHash('sha256').update(secret).digest('base64url').slice(0, 8);

export interface RequestLog {
  requestId: string;
  function: string;
  op: string;
  outcome: 'ok' | 'error';
  ms: number;
  code?: string;
  status?: number;
  /** Fingerprint of the session the request used, never the id itself. */
  session?: string;
  /** Tablestore round trips made by this request. */
  ots?: number;
  /** A login that created an account, or found the person's Alipay ids linked to two (README, "Accounts"). */
  account?: 'created' | 'conflict';
  /** The order a payment request was about (order ids are not secrets). */
  order?: string;
  /** What a notification or check did to the order: `WAIT_BUYER_PAY>PAID`, or `PAID=` when it changed nothing. */
  transition?: string;
  /** Why a notification was refused: malformed, signature, app_id, unknown_order, amount, trade_no. */
  reason?: string;
  /** What a reconcile run did, by kind. */
  counts?: Record<string, number>;
  /** Internal detail of an unexpected failure: error class and code only, never upstream text. */
  cause?: string;
  /** On an instance's first request only: its client creation and upstream calls (cold-trace.ts). */
  cold?: ColdReport;
}

/** Writes one JSON line per request (FC ships stdout to SLS, where the index knows these keys). */
export function writeRequestLog(line: RequestLog): void {
  const cold = coldTrace.take();
  process.stdout.write(`${JSON.stringify(cold ? { ...line, cold } : line)}\n`);
}

/** What may be logged about a failure: our own code, or for foreign errors just their class and code. */
export function describeCause(e: unknown): string | undefined {
  if (e instanceof AppError) return undefined;
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return `${e.name}${typeof code === 'string' || typeof code === 'number' ? `:${code}` : ''}`;
  }
  return typeof e;
}
