/**
 * Every failure the client reports: the server's own codes (BadRequest, AuthCodeInvalid,
 * SessionInvalid, NotFound, Conflict, PayloadTooLarge, Unavailable, UpstreamError, Internal), FC's
 * codes for refused invocations (AccessDenied, InvalidSecurityToken, SignatureNotMatch,
 * RequestTimeTooSkewed, ...), and the client's own: `NotLoggedIn`, `FunctionError` (the function
 * crashed), `NetworkError`, `BadResponse`.
 */
export class ClientError extends Error {
  readonly name = 'ClientError';
  constructor(
    readonly code: string,
    message: string,
    /** HTTP status when the error came with one (FC and the session trigger; db errors arrive with 200). */
    readonly status?: number,
  ) {
    super(message);
  }
}

export const isClientError = (e: unknown, code?: string): e is ClientError => e instanceof ClientError && (code === undefined || e.code === code);
