import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, createServiceServer, listen, requestTarget } from '../http';
import { performance } from 'node:perf_hooks';
import type { CredentialStore } from '../credentials';
import { assumeRole, type RoleSpec } from './assume-role';
import { authenticate, TIMESTAMP_WINDOW_MS } from './authenticate';
import { internalError, refusalError, StsError, stsErrorAnswer, stsErrorBody, stsErrors } from './errors';
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
/**
 * The largest request body taken. POP publishes no body limit. The largest AssumeRole parameter is
 * the session policy (2,048 bytes, session-policy.ts), at most three times that once percent-encoded, and
 * the others are short (RoleArn, a 64-character RoleSessionName, the signature fields): a genuine
 * request stays under 8 KB, so 64 KB refuses nothing real while bounding what is read before the
 * signature is checked.
 */
export const MAX_BODY_BYTES = 64 * 1024;

function sendJson(res: ServerResponse, status: number, body: Record<string, unknown>, requestId: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json;charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-acs-request-id': requestId,
  });
  res.end(text);
}

/**
 * Local STS (RPC-style API 2015-04-01, signature v1) answering AssumeRole against the shared
 * CredentialStore: callers authenticate with temporary credentials issued by the local cloud,
 * and what it issues is evaluated by every other emulator through the same store.
 */
export class StsEmulator {
  private server?: Server;
  /** Base URL once listening. */
  url = '';
  private readonly roles: ReadonlyMap<string, RoleSpec>;
  private readonly now: () => number;
  // Long enough to cover both sides of the timestamp window.
  private readonly nonces = new NonceLedger(2 * TIMESTAMP_WINDOW_MS);

  constructor(private readonly o: StsOptions) {
    this.roles = new Map(o.roles.map((r) => [r.arn, r]));
    this.now = o.now ?? Date.now;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServiceServer(
      {
        service: 'sts',
        maxBodyBytes: MAX_BODY_BYTES,
        refuse: (refusal) => stsErrorAnswer(refusalError(refusal), randomUUID().toUpperCase()),
        log: this.o.log,
      },
      (req, res, body) => this.handle(req, res, body),
    );
    this.url = await listen(this.server, port, host);
    return this.url;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }

  private handle(req: IncomingMessage, res: ServerResponse, rawBody: Buffer): void {
    const started = performance.now();
    const requestId = randomUUID().toUpperCase();
    let action = '';
    const log = (outcome: string) => this.o.log?.({ service: 'sts', action, outcome, ms: Math.round(performance.now() - started) });
    try {
      // RPC parameters travel in the query (GET) or a form body (POST, what pop-core sends); POP reads both.
      const params: Record<string, string> = Object.fromEntries(requestTarget(req.url).query);
      if ((req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
        Object.assign(params, Object.fromEntries(new URLSearchParams(rawBody.toString('utf8'))));
      }
      action = params.Action ?? '';

      const fault = this.o.fault?.(action);
      if (fault && 'reset' in fault) {
        req.socket.destroy();
        return log('fault:reset');
      }
      if (fault) {
        sendJson(res, fault.status, stsErrorBody(requestId, fault.code, fault.message), requestId);
        return log(`fault:${fault.code}`);
      }

      if (action !== 'AssumeRole') throw stsErrors.actionNotFound();
      if (params.Version !== API_VERSION) throw stsErrors.invalidVersion();
      const caller = authenticate(req.method ?? 'GET', params, this.o.credentials, this.nonces, this.now());
      const answer = assumeRole(params, this.roles, this.o.credentials, caller);
      sendJson(res, 200, { RequestId: requestId, ...answer }, requestId);
      log('ok');
    } catch (e) {
      const err = e instanceof StsError ? e : internalError();
      if (!res.headersSent && !res.destroyed) sendJson(res, err.status, stsErrorBody(requestId, err.code, err.message), requestId);
      log(err.code);
    }
  }
}
