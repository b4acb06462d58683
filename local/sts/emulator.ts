import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listen, readBody } from '../http';
import { performance } from 'node:perf_hooks';
import type { CredentialStore } from '../credentials';
import { assumeRole, type RoleSpec } from './assume-role';
import { authenticate, TIMESTAMP_WINDOW_MS } from './authenticate';
import { StsError, stsErrors } from './errors';
import { NonceLedger } from './nonces';

export type StsFault = { status: number; code: string; message: string } | { reset: true };

export interface StsOptions {
  accountId: string;
  roles: RoleSpec[];
  credentials: CredentialStore;
  now?: () => number;
  fault?: (action: string) => StsFault | undefined;
  /** One call per request: {service:'sts', action, outcome, ms}; never secrets or tokens. */
  log?: (line: Record<string, unknown>) => void;
}

const API_VERSION = '2015-04-01';
const MAX_BODY_BYTES = 64 * 1024;
const HOST_ID = 'sts.aliyuncs.com';


function sendJson(res: ServerResponse, status: number, body: Record<string, unknown>, requestId: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json;charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-acs-request-id': requestId,
  });
  res.end(text);
}

/** The error body real STS sends: `{RequestId, HostId, Code, Message, Recommend}`. */
function errorBody(requestId: string, code: string, message: string): Record<string, unknown> {
  return {
    RequestId: requestId,
    HostId: HOST_ID,
    Code: code,
    Message: message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(code)}&product=Sts`,
  };
}

/**
 * Local STS (RPC-style API 2015-04-01, signature v1) answering AssumeRole against the shared
 * CredentialStore: callers authenticate with temporary credentials issued by the local cloud,
 * and what it issues is evaluated by every other emulator through the same store.
 */
export class StsEmulator {
  private server?: Server;
  private readonly roles: ReadonlyMap<string, RoleSpec>;
  private readonly now: () => number;
  // Long enough to cover both sides of the timestamp window.
  private readonly nonces = new NonceLedger(2 * TIMESTAMP_WINDOW_MS);

  constructor(private readonly o: StsOptions) {
    this.roles = new Map(o.roles.map((r) => [r.arn, r]));
    this.now = o.now ?? Date.now;
  }

  listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    return listen(this.server, port, host);
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = randomUUID().toUpperCase();
    let action = '';
    const log = (outcome: string) =>
      this.o.log?.({ service: 'sts', action, outcome, ms: Math.round(performance.now() - started) });
    try {
      const body = (await readBody(req, MAX_BODY_BYTES))?.toString('utf8');
      if (body === undefined) throw new StsError(413, 'RequestEntityTooLarge', 'The request body is too large.');
      // RPC parameters travel in the query (GET) or a form body (POST, what pop-core sends); POP reads both.
      const url = new URL(req.url ?? '/', 'http://local');
      const params: Record<string, string> = Object.fromEntries(url.searchParams);
      if ((req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
        Object.assign(params, Object.fromEntries(new URLSearchParams(body)));
      }
      action = params.Action ?? '';

      const fault = this.o.fault?.(action);
      if (fault && 'reset' in fault) {
        req.socket.destroy();
        return log('fault:reset');
      }
      if (fault) {
        sendJson(res, fault.status, errorBody(requestId, fault.code, fault.message), requestId);
        return log(`fault:${fault.code}`);
      }

      if (action !== 'AssumeRole') throw stsErrors.actionNotFound();
      if (params.Version !== API_VERSION) throw stsErrors.invalidVersion();
      const caller = authenticate(req.method ?? 'GET', params, this.o.credentials, this.nonces, this.now());
      const answer = assumeRole(params, this.roles, this.o.credentials, caller);
      sendJson(res, 200, { RequestId: requestId, ...answer }, requestId);
      log('ok');
    } catch (e) {
      const err = e instanceof StsError ? e : new StsError(500, 'InternalError', 'STS Server Internal Error happened.');
      if (!res.headersSent && !res.destroyed) sendJson(res, err.status, errorBody(requestId, err.code, err.message), requestId);
      log(err.code);
    }
  }
}
