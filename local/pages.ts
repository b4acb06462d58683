import type * as http from 'node:http';
import type { LocalCloud } from './cloud';
import { consoleRoute } from './console/route';
import { demoRoute } from './demo';

/**
 * The local-only pages `npm start` serves on the FC port beside the FC API: the console under
 * /_local/ and the demo under /demo/. Both read the cloud at request time, once it has started.
 */
export function localPages(
  root: string,
  getCloud: () => LocalCloud | undefined,
  log?: (line: Record<string, unknown>) => void,
): (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => boolean {
  const consolePages = consoleRoute(getCloud, { log });
  const demoPages = demoRoute(root, () => getCloud()?.config);
  return (req, res, body) => consolePages(req, res, body) || demoPages(req, res);
}
