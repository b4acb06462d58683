import * as os from 'node:os';

/** Addresses that mean "every interface": listening there, nobody can connect to the address itself. */
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

export const isWildcardHost = (host: string): boolean => WILDCARDS.has(host);

/**
 * The host to put in the URLs a client is given (outputs.json, the printed config) when the local
 * cloud listens on `host`. For a wildcard (`--host 0.0.0.0`, so a phone or the mini-program IDE on
 * the same network can reach it) that is this machine's first external IPv4 address, the one a
 * device on the LAN would use; with no network, loopback.
 */
export function advertisedHost(host: string, interfaces = os.networkInterfaces()): string {
  if (!isWildcardHost(host)) return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  for (const addresses of Object.values(interfaces)) {
    const external = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (external) return external.address;
  }
  return '127.0.0.1';
}

/** The URL with its host swapped for `host` (port, path and query kept). */
export function withHost(url: string, host: string): string {
  const u = new URL(url);
  u.hostname = host;
  return u.toString().replace(/\/$/, url.endsWith('/') ? '/' : '');
}
