/**
 * Every failure the client reports: the server's own codes (BadRequest, AuthCodeInvalid,
 * SessionInvalid, SignatureInvalid, NotConfigured, NotFound, Conflict, PayloadTooLarge,
 * Unavailable, UpstreamError, Internal), FC's codes for refused invocations (AccessDenied,
 * InvalidSecurityToken, SignatureNotMatch, RequestTimeTooSkewed, ...), and the client's own:
 * `NotLoggedIn` (no session: never logged in, logged out, or the stored one was unusable and has
 * been cleared), `FunctionError` (the function crashed), `NetworkError`, `BadResponse` (an answer
 * that is not JSON or not the expected shape), `BadConfig` (a config key the call needs is missing),
 * `TradePayFailed` (`tradePayFromMy`: my.tradePay could not open the cashier).
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
