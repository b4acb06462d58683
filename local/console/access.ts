/**
 * Who may use the console. It shows the stack's data and can mint auth codes and pay trades, so it
 * answers only this machine, whatever address the FC port listens on (`npm start -- --host 0.0.0.0`
 * opens the FC port to the LAN):
 * - the connection must come from a loopback address;
 * - the Host header must name a loopback host, so a web page whose own DNS name an attacker points
 *   at 127.0.0.1 (DNS rebinding) is refused although the browser connects from this machine;
 * - a state-changing call (POST) must carry CONSOLE_HEADER: a form on another site cannot set a
 *   header, and a cross-origin fetch that sets one needs a CORS preflight, which the console never
 *   grants; an Origin, when the browser sends one, must be a loopback origin too;
 * - its body is at most MAX_BODY_BYTES, checked from content-length before the body is looked at.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { forbidden, payloadTooLarge } from './errors';

/** The console's largest request body: its POSTs carry two short ids or a trade number and an outcome (under 200 bytes). */
export const MAX_BODY_BYTES = 4 * 1024;
/** The header every state-changing console call carries (`x-local-console: 1`). */
export const CONSOLE_HEADER = 'x-local-console';

/** 127.0.0.0/8, ::1, and 127.x as an IPv4-mapped IPv6 address (how a dual-stack listener reports it). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  // Node gives addresses in their shortest form; the long one is accepted for the Host header.
  return address === '::1' || address === '0:0:0:0:0:0:0:1';
}

/**
 * A Host header (or an origin's host) naming this machine: `localhost`, a 127.0.0.0/8 address or
 * `[::1]`, with any port. Anything else, including a name that merely resolves to 127.0.0.1, is not.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const h = host.trim().toLowerCase();
  const v6 = /^\[([^\]]+)\](:\d{1,5})?$/.exec(h);
  if (v6) return isLoopbackAddress(v6[1]);
  const named = /^([^:]+)(:\d{1,5})?$/.exec(h);
  if (!named) return false;
  return named[1] === 'localhost' || (isIP(named[1]) === 4 && named[1].startsWith('127.'));
}

/** Throws 403 unless the request comes from this machine and names it (see above). */
export function checkLocalRequest(req: IncomingMessage): void {
  if (!isLoopbackAddress(req.socket.remoteAddress)) throw forbidden('The local console answers only requests from this machine.');
  if (!isLoopbackHost(req.headers.host)) throw forbidden('The local console answers only requests addressed to localhost, 127.0.0.1 or [::1].');
}

/**
 * Throws unless a POST is one the console's own page could have sent: CONSOLE_HEADER set, any
 * Origin a loopback one, and the body within MAX_BODY_BYTES (its declared length is checked before
 * the body is looked at).
 */
export function checkStateChange(req: IncomingMessage, body: Buffer): void {
  if (req.headers[CONSOLE_HEADER] !== '1') throw forbidden(`A state-changing console call must carry the header ${CONSOLE_HEADER}: 1.`);
  const origin = req.headers.origin;
  if (origin !== undefined && !isLoopbackOrigin(origin)) throw forbidden('A state-changing console call must come from a page on this machine.');
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > MAX_BODY_BYTES) throw payloadTooLarge(MAX_BODY_BYTES);
  if (body.length > MAX_BODY_BYTES) throw payloadTooLarge(MAX_BODY_BYTES);
}

function isLoopbackOrigin(origin: string): boolean {
  const match = /^https?:\/\/([^/]+)$/i.exec(origin);
  return match !== null && isLoopbackHost(match[1]);
}
