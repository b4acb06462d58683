import { AppError, badRequest } from './errors';

/** The event's bytes as text, refusing what is not UTF-8 (toString would make each bad byte U+FFFD). */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A lone surrogate: with the u flag a valid pair is one code point, so only unpaired halves match. */
export const LONE_SURROGATE = /\p{Cs}/u;

/**
 * An invoke event as a JSON object with a plausible `sid`, bounded before it is decoded. `shape`
 * names the expected fields in the error message.
 */
export function parseInvokeEvent(event: Buffer | string, maxBytes: number, shape: string): Record<string, unknown> & { sid: string } {
  const size = Buffer.isBuffer(event) ? event.length : Buffer.byteLength(event);
  if (size > maxBytes) throw new AppError('PayloadTooLarge', `The event must be at most ${maxBytes} bytes.`);
  let text: string;
  try {
    text = typeof event === 'string' ? event : utf8.decode(event);
  } catch {
    throw badRequest('The event must be UTF-8 text.');
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    throw badRequest(`The event must be JSON: ${shape}.`);
  }
  if (!isPlainObject(input)) throw badRequest('The event must be a JSON object.');
  const { sid } = input;
  if (typeof sid !== 'string' || sid.length === 0 || sid.length > 128 || LONE_SURROGATE.test(sid))
    throw badRequest('"sid" must be the sessionId string the login returned.');
  return input as Record<string, unknown> & { sid: string };
}
