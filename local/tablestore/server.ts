/**
 * HTTP front of the emulator: `POST /<Operation>` with a protobuf body, authenticated and
 * authorized per request, answered with a protobuf body or an HTTP status + protobuf `Error`.
 */
import { randomUUID, createHash } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, createServiceServer, listen, type ErrorAnswer } from '../http';
import type { CredentialStore } from '../credentials';
import { checkNetworkAcl } from './acl';
import { authenticate, authorize, instanceArn, tableArn, type ResourceContext } from './auth';
import { internalServerError, OtsError, parameterInvalid, refusalError } from './errors';
import { MAX_REQUEST_BODY_BYTES } from './limits';
import { operations } from './operations';
import { pb } from './proto';
import { browseRows, summarize, type RowPage, type TableSummary } from './browse';
import type { KeyValue } from './plainbuffer';
import { Store } from './store';
import type { TableSpec } from './table';

export interface TablestoreFault {
  status: number;
  code: string;
  message: string;
}
/**
 * `reset`: drop the connection before the request is applied; `lostAnswer`: apply it, then drop
 * the connection, so the client can't know its write landed (what makes retried writes hard).
 */
export type FaultDecision = TablestoreFault | { delayMs: number } | { reset: true } | { lostAnswer: true } | undefined;

export interface TablestoreOptions {
  instanceName: string;
  tables: TableSpec[];
  credentials: CredentialStore;
  /** For resource ARNs. */
  region: string;
  accountId: string;
  /** Journal path (e.g. .local/tablestore.jsonl, see store.ts); undefined = in-memory only. */
  dataFile?: string;
  /** Discard the data saved in `dataFile` and start empty. */
  reset?: boolean;
  /** Clock for TTL (tests inject one). The x-ots-date check always uses the wall clock. */
  now?: () => number;
  /** Consulted per request after authentication, before it is applied (see FaultDecision). */
  fault?: (operation: string) => FaultDecision;
  /** One call per request: {service:'tablestore', op, status, ms, code?}. */
  log?: (line: Record<string, unknown>) => void;
  /**
   * The instance's network ACL (ALIYUN::OTS::InstanceV2 NetworkTypeAcl: INTERNET, VPC, CLASSIC).
   * The emulator is the public endpoint, so without INTERNET every authenticated request is refused
   * with 403 OTSAuthFailed "Request denied by instance ACL policies." (see acl.ts; DEFAULT_NETWORK_TYPE_ACL
   * is the ACL of an instance whose template sets none). Undefined = not enforced.
   */
  networkTypeAcl?: string[];
}

/** The SDK only checks status < 300 and reads the request id; the rest mirrors the service's headers. */
function answerHeaders(body: Uint8Array): Record<string, string> {
  return {
    'content-type': 'application/x-protobuf',
    'content-length': String(body.length),
    'x-ots-contenttype': 'protocol buffer',
    'x-ots-contentmd5': createHash('md5').update(body).digest('base64'),
    'x-ots-date': new Date().toISOString(),
    'x-ots-requestid': randomUUID(),
  };
}

function send(res: ServerResponse, status: number, body: Uint8Array): void {
  res.writeHead(status, answerHeaders(body));
  res.end(body);
}

const errorBody = (e: OtsError): Uint8Array => pb.Error.encode({ code: e.code, message: e.message }).finish();

/** What the shared HTTP front (local/http.ts) answers for the service: its status and protobuf Error. */
function errorAnswer(e: OtsError): ErrorAnswer {
  const body = errorBody(e);
  return { status: e.status, code: e.code, headers: answerHeaders(body), body };
}

const isFault = (d: NonNullable<FaultDecision>): d is TablestoreFault => 'code' in d;

export class TablestoreEmulator {
  private readonly store: Store;
  private readonly resources: ResourceContext;
  private server?: Server;
  /** Base URL once listening. */
  url = '';
  private readonly served: Record<string, number> = {};

  constructor(private readonly opts: TablestoreOptions) {
    this.store = new Store(opts.tables, opts.now ?? Date.now, { dataFile: opts.dataFile, reset: opts.reset });
    this.resources = { region: opts.region, accountId: opts.accountId, instanceName: opts.instanceName };
  }

  /**
   * The instance's tables and their journal, for in-process tools: local/data seeds them before
   * `listen` (`npm start -- --seed`). A write must go through `data.transaction` to be journaled.
   */
  get data(): Store {
    return this.store;
  }

  /** Requests received per operation since start or the last `resetCounters()`. */
  get counters(): Record<string, number> {
    return { ...this.served };
  }

  resetCounters(): void {
    for (const k of Object.keys(this.served)) delete this.served[k];
  }

  /** The instance's tables, in the template's order: read-only, for local tools (the console). */
  describeTables(): TableSummary[] {
    return [...this.store.tables.values()].map(summarize);
  }

  /**
   * One page of a table's rows in primary-key order, from `start` (inclusive) or the first row:
   * read-only, for local tools, without credentials (see browse.ts). Throws OTSObjectNotExist for
   * an unknown table, OTSInvalidPK for a start key that does not fit its schema.
   */
  browse(table: string, limit: number, start?: KeyValue[]): RowPage {
    return browseRows(this.store.table(table), limit, start);
  }

  /** The request body is bounded (MAX_REQUEST_BODY_BYTES) before it is read, and before authentication. */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServiceServer(
      { service: 'tablestore', maxBodyBytes: MAX_REQUEST_BODY_BYTES, refuse: (refusal) => errorAnswer(refusalError(refusal)), log: this.opts.log },
      (req, res, body) => this.handle(req, res, body),
    );
    this.url = await listen(this.server, port, host);
    return this.url;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
    this.store.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0];
    const op = path.replace(/^\/+/, '');
    const known = Object.prototype.hasOwnProperty.call(operations, op);
    // Only real operations: a client sending random paths must not grow the table without bound.
    if (known) this.served[op] = (this.served[op] ?? 0) + 1;
    const log = (status: number, code?: string, extra?: Record<string, unknown>): void =>
      this.opts.log?.({
        service: 'tablestore',
        op,
        status,
        ms: Math.round((performance.now() - started) * 100) / 100,
        ...(code ? { code } : {}),
        ...extra,
      });

    try {
      if (req.method !== 'POST') throw new OtsError(405, 'OTSMethodNotAllowed', 'OTSMethodNotAllowedOnly POST method for requests is supported.');
      const creds = authenticate({ instanceName: this.opts.instanceName, credentials: this.opts.credentials, wallClock: Date.now }, path, req.headers, body);
      // After the signature, before RAM and any parameter check: the service's order (acl.ts).
      checkNetworkAcl(this.opts.networkTypeAcl);
      const handler = known ? operations[op] : undefined;
      if (!handler) throw parameterInvalid(`Unsupported operation: '${op}'.`);

      const fault = this.opts.fault?.(op);
      if (fault) {
        if ('reset' in fault) {
          req.socket.destroy();
          log(0, 'ConnectionReset');
          return;
        }
        if (isFault(fault)) throw new OtsError(fault.status, fault.code, fault.message);
        if ('delayMs' in fault) await new Promise((r) => setTimeout(r, fault.delayMs));
      }

      // Applied and on disk before the answer; undone if it cannot be persisted (store.ts).
      const result = this.store.transaction(() =>
        handler(
          {
            store: this.store,
            authorize: (tables) => authorize(creds, op, tables.length > 0 ? tables.map((t) => tableArn(this.resources, t)) : [instanceArn(this.resources)]),
          },
          body,
        ),
      );
      if (fault && 'lostAnswer' in fault) {
        req.socket.destroy();
        log(0, 'AnswerLost');
        return;
      }
      send(res, 200, result);
      log(200);
    } catch (e) {
      // Anything that is not a service error is an emulator bug: answer as the service would (500) and log the stack.
      const err = e instanceof OtsError ? e : internalServerError();
      if (res.headersSent) res.destroy();
      else send(res, err.status, errorBody(err));
      log(err.status, err.code, e instanceof OtsError ? undefined : { error: String((e as Error)?.stack ?? e) });
    }
  }
}
