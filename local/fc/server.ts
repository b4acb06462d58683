import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { closeServer, createServiceServer, listen, requestTarget, type ErrorAnswer, type Refusal, type ServiceFront } from '../http';
import type { CredentialStore, IssuedCredentials, Principal } from '../credentials';
import { principalAllows } from '../policy';
import { FunctionInstance, type FunctionSpec, type InvokeRequest, type InvokeResult, type ProcessWarning } from './instance';
import type { TimerClock } from './scheduler';
import { contentMd5, parseAuthorization, requestDate, sign, signatureMatches, stringToSign } from './signature';
import { TimerRunner } from './timer-runner';

export const API_VERSION = '2016-08-15';
/**
 * The largest request body FC takes for a synchronous call, InvokeFunction and HTTP trigger alike:
 * 32 MB ("The maximum payload for a synchronous invocation is 32 MB", the EntityTooLarge FAQ,
 * https://www.alibabacloud.com/help/doc-detail/2527064.html; "For synchronous invocations, the limit
 * is 32 MB", https://alibabacloud.com/help/en/functioncompute/fc-3-0/http-body-be-modified).
 * 6 MB, often quoted, is AWS Lambda's figure. An invocation over it is answered 400 EntityTooLarge
 * (FC error codes, https://www.alibabacloud.com/help/en/functioncompute/error-codes), a trigger
 * request 400 InvalidArgument (see MAX_TRIGGER_HEADER_BYTES).
 */
export const MAX_PAYLOAD_BYTES = 32 * 1024 * 1024;
/**
 * HTTP trigger request limits: all header keys and values 8 KB, the path with its query 4 KB; over
 * either (or the body limit) "the system returns status code 400 and error code InvalidArgument".
 * Source: https://help.aliyun.com/en/functioncompute/fc/user-guide/code-development-in-custom-container-runtimes
 * ("Request limits"); the FC 2.0 HTTP trigger pages give the same figures.
 */
const MAX_TRIGGER_HEADER_BYTES = 8 * 1024;
const MAX_TRIGGER_PATH_BYTES = 4 * 1024;
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
/** Distinct process warnings reported per local FC; past this a function emitting ever-new ones is not reported further. */
const MAX_DISTINCT_WARNINGS = 100;
const INVOKE_PATH = new RegExp(`^/${API_VERSION}/services/([^/]+)/functions/([^/]+)/invocations$`);
const PROXY_PATH = new RegExp(`^/${API_VERSION}/proxy/([^/]+)/([^/]+)(/.*)?$`);

export interface FcOptions {
  accountId: string;
  region: string;
  functions: FunctionSpec[];
  /** Per FC service: the service role's principal, whose credentials the functions receive. */
  serviceRoles: Record<string, Principal>;
  credentials: CredentialStore;
  /** Each line a function instance prints. */
  onFunctionLog?: (functionName: string, line: string) => void;
  /**
   * One call per request: {service:'fc', kind, function, status, ms, code?}; and once per distinct
   * process warning of the instances: {service:'fc', kind:'warning', function, name, code?, message}
   * (see reportWarning), which is not a request line.
   */
  log?: (line: Record<string, unknown>) => void;
  /**
   * Local-only pages served from the FC port (the demo under /demo/), so a browser page is
   * same-origin with the FC API and the session trigger. Gets the body as the front read it
   * (bounded by FC's limit). Returns true when it answered (or will answer).
   */
  extraRoute?: (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => boolean;
  /**
   * Port of the first HTTP trigger's own listener (see triggerUrl); the next trigger, in the order
   * of `functions`, gets the next port. 0 or undefined = ephemeral ports. Stable ports let
   * `npm start` print URLs that stay the same between runs.
   */
  triggerPort?: number;
  /**
   * Fire the functions' time triggers on their schedules once listen() has started (npm start).
   * Off by default: a test fires a trigger when it wants with fireTimer().
   */
  runTimers?: boolean;
  /** The time triggers' clock; tests pass a fake one to move time by hand. */
  timerClock?: TimerClock;
}

class FcError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Local Function Compute 2.0: the InvokeFunction API (signed by fc2, authorized by RAM policy)
 * and HTTP triggers, running the bundled code assets in child processes. A trigger answers at two
 * addresses, as in FC 2.0: under /2016-08-15/proxy/<service>/<function>/ on the API port (the
 * address the 2020 client still POSTs to), and at a root URL of its own (the trigger's UrlInternet,
 * a whole `<name>-<hash>.<region>.fcapp.run` host), here a listener with a port of its own.
 * Time triggers (timer-runner.ts) fire on schedule with `runTimers`, or one at a time by fireTimer().
 */
export class FcEmulator {
  private server?: http.Server;
  /** One listener per function with an HTTP trigger, keyed "service/function", in `functions` order. */
  private readonly triggers = new Map<string, { server: http.Server; url: string }>();
  private readonly instances = new Map<string, FunctionInstance>();
  /** Instances whose function got new code (replaceCode), finishing their invocations in flight. */
  private readonly retiring = new Set<FunctionInstance>();
  /** Process warnings already reported (reportWarning): name, code and message. */
  private readonly warningsSeen = new Set<string>();
  private serviceCredentials = new Map<string, IssuedCredentials>();
  private readonly timers: TimerRunner;
  url = '';

  /** Throws, before anything starts, for a time trigger FC would refuse (its schedule or payload). */
  constructor(private readonly opts: FcOptions) {
    for (const spec of opts.functions) this.instances.set(`${spec.serviceName}/${spec.functionName}`, this.newInstance(spec));
    this.timers = new TimerRunner(opts.functions, {
      invoke: (spec, event, requestId) => this.run(spec, { kind: 'event', event }, requestId),
      log: opts.log,
      clock: opts.timerClock,
    });
  }

  /** The instance new invocations of the function go to. */
  instance(serviceName: string, functionName: string): FunctionInstance | undefined {
    return this.instances.get(`${serviceName}/${functionName}`);
  }

  /**
   * Gives a function new code, as UpdateFunction does in FC: from now on its invocations go to a
   * new instance started from `codeDir` (a cold start: module-level caches start empty), while the
   * old instance finishes the invocations it has in flight and then stops, so no request fails
   * because of the swap. Everything else about the function (handler, environment, timeout,
   * triggers) stays as it is. Resolves once the old instance has stopped.
   */
  replaceCode(serviceName: string, functionName: string, codeDir: string): Promise<void> {
    const key = `${serviceName}/${functionName}`;
    const old = this.instances.get(key);
    if (!old) throw new Error(`function ${key} does not exist`);
    this.instances.set(key, this.newInstance({ ...old.spec, codeDir }));
    this.retiring.add(old);
    return old.retire().finally(() => this.retiring.delete(old));
  }

  /**
   * Starts the API listener on `port` and one listener per HTTP trigger on the same host (ports
   * from `triggerPort`, else ephemeral). Resolves to the API URL; if any listener cannot start,
   * the ones already started are closed and the error is thrown.
   */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServiceServer(this.front(false), (req, res, body) => this.handle(req, res, body));
    try {
      this.url = await listen(this.server, port, host);
      let next = this.opts.triggerPort ?? 0;
      for (const { spec } of this.instances.values()) {
        if (!spec.httpTrigger) continue;
        const server = createServiceServer(this.front(true), (req, res, body) => this.handle(req, res, body, spec));
        const trigger = { server, url: '' };
        this.triggers.set(`${spec.serviceName}/${spec.functionName}`, trigger);
        trigger.url = await listen(server, next, host);
        if (next) next++;
      }
    } catch (e) {
      await this.closeListeners();
      throw e;
    }
    if (this.opts.runTimers) this.timers.start();
    return this.url;
  }

  /**
   * Fires a time trigger now, with the event FC sends (see timer.ts), and resolves with the
   * function's result; `triggerName` may be left out when the function has one time trigger.
   * Logged like a scheduled firing (kind 'timer'). Rejects for an unknown or disabled trigger, and
   * when the trigger's previous run is still going (the firing is skipped, as on schedule).
   */
  fireTimer(serviceName: string, functionName: string, triggerName?: string): Promise<InvokeResult> {
    return this.timers.fireNow(serviceName, functionName, triggerName);
  }

  /**
   * The function's HTTP trigger as its UrlInternet attribute gives it: an origin with no path and
   * no trailing slash. FC's API reference gives urlInternet as `https://svc-func-xxxxxxxx.cn-hangzhou.fcapp.run`
   * (HTTPTrigger struct, https://www.alibabacloud.com/help/en/functioncompute/api-fc-2023-03-30-struct-httptrigger,
   * and GetTrigger's sample response); ros-cdk-fc describes Trigger.attrUrlInternet with the same
   * words ("The public domain address..."). Those pages are the 2023-03-30 API; no FC 2.0 page with
   * an example value was found. Every path below it reaches the function as sent.
   */
  triggerUrl(serviceName: string, functionName: string): string {
    const url = this.triggers.get(`${serviceName}/${functionName}`)?.url;
    if (!url) throw new Error(`function ${serviceName}/${functionName} has no HTTP trigger listening (no trigger, or listen() not called)`);
    return url;
  }

  /** The same trigger under the API port's /proxy/ path (what the 2020 client POSTs to); the function sees the path below it. */
  proxyUrl(serviceName: string, functionName: string): string {
    return `${this.url}/${API_VERSION}/proxy/${serviceName}/${functionName}/`;
  }

  async close(): Promise<void> {
    this.timers.stop();
    await Promise.all([...this.instances.values(), ...this.retiring].map((i) => i.stop()));
    await this.closeListeners();
  }

  private async closeListeners(): Promise<void> {
    const servers = [this.server, ...[...this.triggers.values()].map((t) => t.server)];
    this.server = undefined;
    this.triggers.clear();
    await Promise.all(servers.map(closeServer));
  }

  private newInstance(spec: FunctionSpec): FunctionInstance {
    return new FunctionInstance(
      spec,
      (line) => this.opts.onFunctionLog?.(spec.functionName, line),
      (warning) => this.reportWarning(spec.functionName, warning),
    );
  }

  /**
   * A process warning of an instance (Node's DEP0005 when the tablestore SDK calls `new Buffer()`,
   * say), logged once per local FC: every cold start of every function raises the same ones again.
   * The line names the function it first came from. Real FC has no such line: there the warning
   * is a line of the function's stderr, in its log (see runtime.js).
   */
  private reportWarning(functionName: string, warning: ProcessWarning): void {
    const key = JSON.stringify([warning.name, warning.code ?? null, warning.message]);
    if (this.warningsSeen.has(key) || this.warningsSeen.size >= MAX_DISTINCT_WARNINGS) return;
    this.warningsSeen.add(key);
    this.opts.log?.({ service: 'fc', kind: 'warning', function: functionName, name: warning.name, code: warning.code, message: warning.message });
  }

  /** The shared HTTP front (local/http.ts) of one listener: FC's body limit and FC's error answers. */
  private front(trigger: boolean): ServiceFront {
    return {
      service: 'fc',
      maxBodyBytes: MAX_PAYLOAD_BYTES,
      refuse: (refusal, req) => fcErrorAnswer(refusalError(refusal, trigger || PROXY_PATH.test(requestTarget(req?.url).pathname)), randomUUID()),
      log: this.opts.log,
    };
  }

  /** One request on the API listener, or (with `triggerFunction`) on the root listener of that function's trigger. */
  private async handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, triggerFunction?: FunctionSpec): Promise<void> {
    if (!triggerFunction && this.opts.extraRoute?.(req, res, body)) return;
    const startedAt = Date.now();
    const requestId = randomUUID();
    const target = requestTarget(req.url);
    const queries = queryRecord(target.query);
    let kind = triggerFunction ? 'http' : 'unknown';
    let fn = triggerFunction?.functionName ?? '';
    try {
      const path = decodePath(target.pathname);
      const invoke = triggerFunction ? null : INVOKE_PATH.exec(path);
      const proxy = triggerFunction ? null : PROXY_PATH.exec(path);
      if (triggerFunction) {
        // The whole host is the trigger (fcapp.run): the function sees the path as sent, and a
        // signature covers that same path.
        await this.serveHttp(req, res, triggerFunction, { path, signedPath: path, queries, body }, requestId);
      } else if (invoke && req.method === 'POST') {
        kind = 'invoke';
        fn = invoke[2];
        // Who is calling first (an unauthenticated caller learns nothing), then what, then may they.
        const caller = this.authenticate(req, path, body);
        const spec = this.find(invoke[1], invoke[2]);
        this.permit(caller, spec);
        const result = await this.run(spec, { kind: 'event', event: body }, requestId);
        this.answerInvoke(res, result, requestId);
      } else if (proxy) {
        kind = 'http';
        fn = proxy[2];
        // fc2 signs the full /2016-08-15/proxy/... path; the function sees only what follows the function name.
        await this.serveHttp(req, res, this.find(proxy[1], proxy[2]), { path: proxy[3] ?? '/', signedPath: path, queries, body }, requestId);
      } else {
        throw new FcError(400, 'PathNotSupported', `'${req.method}' against '${path}' is not supported`);
      }
      this.opts.log?.({ service: 'fc', kind, function: fn, status: res.statusCode, ms: Date.now() - startedAt, requestId });
    } catch (e) {
      const err = e instanceof FcError ? e : internalError();
      if (res.headersSent) res.destroy();
      else {
        const answer = fcErrorAnswer(err, requestId);
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      }
      // Anything that is not an FcError is an emulator bug: its stack goes to the log, not to the caller.
      const cause = e instanceof FcError ? {} : { error: String((e as Error)?.stack ?? e) };
      this.opts.log?.({ service: 'fc', kind, function: fn, status: err.status, code: err.code, ms: Date.now() - startedAt, requestId, ...cause });
    }
  }

  /** An HTTP trigger request, from either address: the trigger's method and auth checks, then the function. */
  private async serveHttp(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    spec: FunctionSpec,
    target: { path: string; signedPath: string; queries: Record<string, string | string[]>; body: Buffer },
    requestId: string,
  ): Promise<void> {
    const trigger = spec.httpTrigger;
    if (!trigger) throw new FcError(404, 'TriggerNotFound', `function '${spec.functionName}' has no HTTP trigger`);
    checkTriggerRequestSize(req);
    if (!trigger.methods.includes(req.method ?? '')) throw new FcError(405, 'MethodNotAllowed', `method ${req.method} is not allowed by the trigger`);
    if (trigger.authType !== 'anonymous') {
      this.permit(this.authenticate(req, target.signedPath, target.body, target.queries), spec);
    }
    const result = await this.run(
      spec,
      {
        kind: 'http',
        request: {
          method: req.method ?? 'GET',
          path: target.path,
          url: req.url ?? '/',
          headers: stripFcHeaders(req.headers),
          queries: target.queries,
          clientIP: req.socket.remoteAddress ?? '',
          body: target.body,
        },
      },
      requestId,
    );
    this.answerHttp(res, result, requestId);
  }

  private find(serviceName: string, functionName: string): FunctionSpec {
    const name = serviceName.split('.')[0]; // "service.qualifier": only LATEST exists locally
    const inst = this.instance(name, functionName);
    if (!inst) {
      if (![...this.instances.values()].some((i) => i.spec.serviceName === name)) throw new FcError(404, 'ServiceNotFound', `service '${name}' does not exist`);
      throw new FcError(404, 'FunctionNotFound', `function '${functionName}' does not exist in service '${name}'`);
    }
    return inst.spec;
  }

  /** The caller's credentials, once the request's signature, clock, body digest and token check out. */
  private authenticate(req: http.IncomingMessage, path: string, body: Buffer, queries?: Record<string, string | string[]>): IssuedCredentials {
    const headers = req.headers as Record<string, string | undefined>;
    const auth = parseAuthorization(headers.authorization);
    if (!auth) throw new FcError(403, 'AccessDenied', 'the request is not signed (missing Authorization header)');
    const date = Date.parse(requestDate(headers) ?? '');
    if (!Number.isFinite(date) || Math.abs(Date.now() - date) > MAX_CLOCK_SKEW_MS) {
      throw new FcError(403, 'RequestTimeTooSkewed', 'the Date (or x-fc-date) header is missing or too far from the server time');
    }
    if (body.length > 0 && headers['content-md5'] !== contentMd5(body)) throw new FcError(400, 'InvalidArgument', 'Content-MD5 does not match the body');
    const check = this.opts.credentials.check(auth.keyId, headers['x-fc-security-token']);
    if (!check.ok) {
      if (check.code === 'InvalidAccessKeyId') throw new FcError(403, 'InvalidAccessKeyID', `invalid access key ID '${auth.keyId}'`);
      throw new FcError(403, 'InvalidSecurityToken', check.message);
    }
    const expected = sign(check.credentials.accessKeySecret, stringToSign(req.method ?? 'POST', path, headers, queries));
    if (!signatureMatches(expected, auth.signature)) {
      throw new FcError(
        403,
        'SignatureNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your access key and signing method',
      );
    }
    return check.credentials;
  }

  /** RAM: the caller's role policies and, if any, its STS session policy must allow the invocation. */
  private permit(caller: IssuedCredentials, spec: FunctionSpec): void {
    if (!principalAllows(caller.principal, 'fc:InvokeFunction', spec.arn)) {
      throw new FcError(403, 'AccessDenied', `the caller is not authorized to perform 'fc:InvokeFunction' on resource '${spec.arn}'`);
    }
  }

  private async run(spec: FunctionSpec, req: Omit<InvokeRequest, 'context'>, requestId: string): Promise<InvokeResult> {
    const instance = this.instance(spec.serviceName, spec.functionName)!;
    return instance.invoke({
      ...req,
      context: {
        requestId,
        credentials: this.credentialsFor(spec.serviceName),
        function: { name: spec.functionName, handler: spec.handler, memory: spec.memoryMB, timeout: spec.timeoutSeconds },
        service: { name: spec.serviceName, logProject: '', logStore: '', qualifier: 'LATEST', versionId: '' },
        region: this.opts.region,
        accountId: this.opts.accountId,
      },
    });
  }

  /** The service role's temporary credentials, renewed well before they expire (FC's last 36 h). */
  private credentialsFor(serviceName: string): { accessKeyId: string; accessKeySecret: string; securityToken: string } {
    let creds = this.serviceCredentials.get(serviceName);
    if (!creds || creds.expiresAt - Date.now() < 15 * 60 * 1000) {
      const principal = this.opts.serviceRoles[serviceName];
      if (!principal) throw new FcError(500, 'InternalServerError', `service '${serviceName}' has no role`);
      creds = this.opts.credentials.issue(principal, 36 * 3600);
      this.serviceCredentials.set(serviceName, creds);
    }
    return { accessKeyId: creds.accessKeyId, accessKeySecret: creds.accessKeySecret, securityToken: creds.securityToken };
  }

  private answerInvoke(res: http.ServerResponse, result: InvokeResult, requestId: string): void {
    if (!result.ok) {
      // FC answers a function error with 200 and x-fc-error-type; the caller must check it.
      res.writeHead(200, { 'content-type': 'application/json', 'x-fc-request-id': requestId, 'x-fc-error-type': 'UnhandledInvocationError' });
      res.end(JSON.stringify(result.error));
      return;
    }
    res.writeHead(200, { 'content-type': result.json ? 'application/json' : 'application/octet-stream', 'x-fc-request-id': requestId });
    res.end(result.body);
  }

  private answerHttp(res: http.ServerResponse, result: InvokeResult, requestId: string): void {
    if (!result.ok) {
      res.writeHead(502, { 'content-type': 'application/json', 'x-fc-request-id': requestId, 'x-fc-error-type': 'UnhandledInvocationError' });
      res.end(JSON.stringify(result.error));
      return;
    }
    res.writeHead(result.status ?? 200, { ...result.headers, 'x-fc-request-id': requestId });
    res.end(result.body);
  }
}

/** FC drops x-fc-* headers before the function sees an HTTP request. */
function stripFcHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (!k.startsWith('x-fc-') && v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/**
 * A request's query as FC's `req.queries` has it ("a string or an array": a key given twice
 * becomes an array), which fc2's query signing also covers. Built in a Map, so a key such as
 * `__proto__` stays an ordinary key.
 */
function queryRecord(query: URLSearchParams): Record<string, string | string[]> {
  const out = new Map<string, string | string[]>();
  for (const [k, v] of query) {
    const prev = out.get(k);
    out.set(k, prev === undefined ? v : ([] as string[]).concat(prev, v));
  }
  return Object.fromEntries(out);
}

/** The path as the function sees it; the target is not normalized (no `..` resolution, `//x` is a path). */
function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    throw new FcError(400, 'InvalidArgument', `the request path '${pathname}' is not valid percent-encoding`);
  }
}

/** The HTTP trigger's documented request limits (MAX_TRIGGER_*), checked before its method and auth checks. */
function checkTriggerRequestSize(req: http.IncomingMessage): void {
  const pathBytes = Buffer.byteLength(req.url ?? '', 'utf8');
  if (pathBytes > MAX_TRIGGER_PATH_BYTES)
    throw new FcError(400, 'InvalidArgument', `the request path and query are ${pathBytes} bytes, over the ${MAX_TRIGGER_PATH_BYTES}-byte limit`);
  const headerBytes = req.rawHeaders.reduce((n, s) => n + Buffer.byteLength(s, 'utf8'), 0);
  if (headerBytes > MAX_TRIGGER_HEADER_BYTES)
    throw new FcError(400, 'InvalidArgument', `the request headers are ${headerBytes} bytes, over the ${MAX_TRIGGER_HEADER_BYTES}-byte limit`);
}

const internalError = (): FcError => new FcError(500, 'InternalServerError', 'internal error');

/** FC's error answer: the status and `{ErrorCode, ErrorMessage}`, which fc2 turns into `FC<ErrorCode>Error`. */
function fcErrorAnswer(err: FcError, requestId: string): ErrorAnswer {
  return {
    status: err.status,
    code: err.code,
    headers: { 'content-type': 'application/json', 'x-fc-request-id': requestId },
    body: JSON.stringify({ ErrorCode: err.code, ErrorMessage: err.message }),
  };
}

/**
 * FC's words for what the shared front refused. A body over the limit is EntityTooLarge on the API
 * and InvalidArgument on a trigger (MAX_PAYLOAD_BYTES); headers over Node's 16 KB are over the
 * trigger's 8 KB too, so InvalidArgument. FC documents no code for a request that is unparseable
 * or arrives too slowly: InvalidArgument, and HTTP's 408 with a code of the same shape.
 */
function refusalError(refusal: Refusal, trigger: boolean): FcError {
  switch (refusal.kind) {
    case 'body-too-large':
      return trigger
        ? new FcError(400, 'InvalidArgument', `the request body exceeds the ${refusal.limit}-byte limit`)
        : new FcError(400, 'EntityTooLarge', `payload size exceeds maximum allowed size (${refusal.limit} bytes)`);
    case 'headers-too-large':
      return new FcError(400, 'InvalidArgument', 'the request line and headers are too large');
    case 'malformed':
      return new FcError(400, 'InvalidArgument', `the request is not valid HTTP (${refusal.reason})`);
    case 'timeout':
      return new FcError(408, 'RequestTimeout', 'the request was not received in time');
    case 'internal':
      return internalError();
  }
}
