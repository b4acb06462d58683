import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import type { LocalCloud } from '../cloud';
import { requestTarget } from '../http';
import { checkLocalRequest } from './access';
import { ConsoleApi } from './api';
import { COMMON_HEADERS, ConsoleError, internal, methodNotAllowed, notFound, sendError } from './errors';

export const CONSOLE_PATH = '/_local';
const API_PREFIX = `${CONSOLE_PATH}/api`;
const PAGE_DIR = path.join(__dirname, 'page');

/** The page's files: a fixed list, so no request path ever reaches the file system. */
const FILES: Record<string, { file: string; type: string }> = {
  [`${CONSOLE_PATH}/`]: { file: 'index.html', type: 'text/html; charset=utf-8' },
  [`${CONSOLE_PATH}/console.js`]: { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  [`${CONSOLE_PATH}/console.css`]: { file: 'console.css', type: 'text/css; charset=utf-8' },
};

/** The page runs only its own script and style, talks only to its own origin, and is never framed (its Pay button must not be clickjacked). */
const PAGE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface ConsoleRouteOptions {
  /** Where a console failure (a bug) is reported: one JSON line, no request data. */
  log?: (line: Record<string, unknown>) => void;
}

/** A route on the FC port, as FcOptions.extraRoute takes it; returns false for paths outside /_local. */
export type ConsoleRoute = ((req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => boolean) & { api: ConsoleApi };

/**
 * The local console at /_local/ on the FC port: the stack's resources and Outputs, the tables'
 * rows (masked, paged), the functions' live logs, and buttons for the Alipay emulator's
 * development endpoints. Only for this machine (access.ts). `getCloud` is read per request, so the
 * route can be made before the cloud has started (npm start passes its route to LocalCloud.start).
 * Page files are read per request: editing them needs no restart.
 *
 * Composes with other routes: it answers, and returns true, only for /_local and paths under it.
 */
export function consoleRoute(getCloud: () => LocalCloud | undefined, opts: ConsoleRouteOptions = {}): ConsoleRoute {
  const api = new ConsoleApi(getCloud);
  const fail = (res: http.ServerResponse, e: unknown): void => {
    if (e instanceof ConsoleError) return sendError(res, e);
    opts.log?.({ service: 'console', status: 500, code: 'Internal', error: String((e as Error)?.stack ?? e) });
    sendError(res, internal());
  };
  const route = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer = Buffer.alloc(0)): boolean => {
    // Not `new URL(req.url, base)`: it throws on `//` and `/\`.
    const { pathname, query } = requestTarget(req.url);
    if (pathname !== CONSOLE_PATH && !pathname.startsWith(`${CONSOLE_PATH}/`)) return false;
    try {
      checkLocalRequest(req);
      if (pathname === CONSOLE_PATH) {
        res.writeHead(302, { ...COMMON_HEADERS, location: `${CONSOLE_PATH}/` }).end();
      } else if (pathname === API_PREFIX || pathname.startsWith(`${API_PREFIX}/`)) {
        api.handle(req, res, pathname.slice(API_PREFIX.length), query, body).catch((e) => fail(res, e));
      } else {
        servePage(req, res, pathname);
      }
    } catch (e) {
      fail(res, e);
    }
    return true;
  };
  return Object.assign(route, { api });
}

function servePage(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): void {
  const entry = Object.hasOwn(FILES, pathname) ? FILES[pathname] : undefined;
  if (!entry) throw notFound();
  if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(['GET', 'HEAD']);
  const content = fs.readFileSync(path.join(PAGE_DIR, entry.file));
  res.writeHead(200, { ...COMMON_HEADERS, 'content-type': entry.type, 'content-length': String(content.length), 'content-security-policy': PAGE_POLICY });
  res.end(req.method === 'HEAD' ? undefined : content);
}
