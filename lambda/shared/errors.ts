/**
 * The one error shape both functions answer with: `{"error": {"code", "message"}}`.
 * Messages are written for the client developer and never carry upstream text, stack traces or secrets.
 */
export type ErrorCode =
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'PayloadTooLarge'
  | 'AuthCodeInvalid'
  | 'SessionInvalid'
  | 'SignatureInvalid'
  | 'NotFound'
  | 'Conflict'
  | 'UpstreamError'
  | 'Unavailable'
  | 'NotConfigured'
  | 'Internal';

const STATUS: Record<ErrorCode, number> = {
  BadRequest: 400,
  SessionInvalid: 401,
  AuthCodeInvalid: 401,
  SignatureInvalid: 401,
  NotFound: 404,
  MethodNotAllowed: 405,
  Conflict: 409,
  PayloadTooLarge: 413,
  Internal: 500,
  NotConfigured: 501,
  UpstreamError: 502,
  Unavailable: 503,
};

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
  get status(): number {
    return STATUS[this.code];
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/** Any thrown value as the public error shape; unknown failures become a bland Internal error. */
export function toErrorBody(e: unknown): { status: number; body: ErrorBody } {
  const err = e instanceof AppError ? e : new AppError('Internal', 'Internal error; retry later.');
  return { status: err.status, body: { error: { code: err.code, message: err.message } } };
}

export const badRequest = (message: string) => new AppError('BadRequest', message);
