import { ClientError } from './errors';
import type { HttpResponse } from './transport';

/** Parses a JSON answer; a body that is not JSON is a `BadResponse` (a proxy page, a cut connection). */
export function parseJson(res: HttpResponse): any {
  try {
    return JSON.parse(res.text);
  } catch {
    throw new ClientError('BadResponse', `answer is not JSON (HTTP ${res.status}): ${res.text.slice(0, 120)}`, res.status);
  }
}

/**
 * The error in an answer, whichever layer wrote it: the functions' `{"error": {code, message}}`,
 * FC's `{ErrorCode, ErrorMessage}` (refused before the function ran), or a crashed function
 * (FC answers 200 with `x-fc-error-type` and `{errorMessage, errorType}`). Undefined = no error.
 */
export function answerError(res: HttpResponse, body: any): ClientError | undefined {
  if (res.headers['x-fc-error-type']) {
    return new ClientError('FunctionError', `${res.headers['x-fc-error-type']}: ${body?.errorMessage ?? 'the function failed'}`, res.status);
  }
  if (body && typeof body === 'object') {
    if (body.error && typeof body.error.code === 'string') return new ClientError(body.error.code, String(body.error.message ?? body.error.code), res.status);
    if (typeof body.ErrorCode === 'string') return new ClientError(body.ErrorCode, String(body.ErrorMessage ?? body.ErrorCode), res.status);
  }
  if (res.status < 200 || res.status >= 300) return new ClientError('BadResponse', `HTTP ${res.status}`, res.status);
  return undefined;
}

/** The answer's JSON, or the error it carries thrown as a ClientError. */
export function readAnswer(res: HttpResponse): any {
  const body = parseJson(res);
  const err = answerError(res, body);
  if (err) throw err;
  return body;
}
