import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import type { ClientConfig } from './cloud';
import { requestTarget } from './http';

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

/**
 * The todo demo, served under /demo/ on the FC port (npm start): same origin as the FC API and the
 * session trigger, so the browser needs no CORS there. Files are read per request, so editing the
 * page or rebuilding the client needs no restart.
 */
export function demoRoute(root: string, config: () => ClientConfig | undefined): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  const files: Record<string, string> = {
    '/demo/': path.join(root, 'demo', 'index.html'),
    '/demo/app.js': path.join(root, 'demo', 'app.js'),
    '/demo/miniapp-client.js': path.join(root, 'client', 'dist', 'miniapp-client.js'),
  };
  return (req, res) => {
    // Not `new URL(req.url, base)`: it throws on `//` and `/\`.
    const { pathname } = requestTarget(req.url);
    if (pathname === '/demo') {
      res.writeHead(302, { location: '/demo/' }).end();
      return true;
    }
    if (!pathname.startsWith('/demo/')) return false;
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return true;
    }
    if (pathname === '/demo/config.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(config() ?? {}));
      return true;
    }
    const file = files[pathname];
    if (!file || !fs.existsSync(file)) {
      const hint = file?.includes(`${path.sep}dist${path.sep}`) ? ' (run npm run build:client)' : '';
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found${hint}`);
      return true;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(fs.readFileSync(file));
    return true;
  };
}
