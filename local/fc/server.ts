import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { closeServer, listen, readBody } from '../http';
import type { CredentialStore, IssuedCredentials, Principal } from '../credentials';
import { principalAllows } from '../policy';
import { FunctionInstance, type FunctionSpec, type InvokeRequest, type InvokeResult } from './instance';
import { contentMd5, parseAuthorization, requestDate, sign, signatureMatches, stringToSign } from './signature';

export const API_VERSION = '2016-08-15';
/** FC's limit for a synchronous invocation payload. */
const MAX_PAYLOAD = 6 * 1024 * 1024;
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
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
  /** One call per request: {service:'fc', kind, function, status, ms, code?}. */
  log?: (line: Record<string, unknown>) => void;
  /**
   * Local-only pages served from the FC port (the demo under /demo/), so a browser page is
   * same-origin with the FC API and the session trigger. Returns true when it answered.
   */
  extraRoute?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
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
 * and HTTP triggers under /proxy/, running the bundled code assets in child processes.
 */
export class FcEmulator {
  private server?: http.Server;
  private readonly instances = new Map<string, FunctionInstance>();
  private serviceCredentials = new Map<string, IssuedCredentials>();
  url = '';

  constructor(private readonly opts: FcOptions) {
    for (const spec of opts.functions) {
      this.instances.set(`${spec.serviceName}/${spec.functionName}`, new FunctionInstance(spec, (line) => opts.onFunctionLog?.(spec.functionName, line)));
    }
  }

  instance(serviceName: string, functionName: string): FunctionInstance | undefined {
    return this.instances.get(`${serviceName}/${functionName}`);
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.url = await listen(this.server, port, host);
    return this.url;
  }

  /** Public URL of a function's HTTP trigger, as the template's trigger attribute UrlInternet. */
  triggerUrl(serviceName: string, functionName: string): string {
    return `${this.url}/${API_VERSION}/proxy/${serviceName}/${functionName}/`;
  }

  async close(): Promise<void> {
    await Promise.all([...this.instances.values()].map((i) => i.stop()));
    await closeServer(this.server);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (this.opts.extraRoute?.(req, res)) return;
    const startedAt = Date.now();
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://local');
    const path = decodeURIComponent(url.pathname);
    let kind = 'unknown';
    let fn = '';
    try {
      const body = await readBody(req, MAX_PAYLOAD);
      if (!body) throw new FcError(400, 'EntityTooLarge', `payload size exceeds maximum allowed size (${MAX_PAYLOAD} bytes)`);
      const invoke = INVOKE_PATH.exec(path);
      const proxy = PROXY_PATH.exec(path);
      if (invoke && req.method === 'POST') {
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
        const spec = this.find(proxy[1], proxy[2]);
        const trigger = spec.httpTrigger;
        if (!trigger) throw new FcError(404, 'TriggerNotFound', `function '${spec.functionName}' has no HTTP trigger`);
        if (!trigger.methods.includes(req.method ?? '')) throw new FcError(405, 'MethodNotAllowed', `method ${req.method} is not allowed by the trigger`);
        if (trigger.authType !== 'anonymous') {
          this.permit(this.authenticate(req, path, body, Object.fromEntries(url.searchParams)), spec);
        }
        const result = await this.run(
          spec,
          {
            kind: 'http',
            request: {
              method: req.method ?? 'GET',
              path: proxy[3] ?? '/',
              url: req.url ?? '/',
              headers: stripFcHeaders(req.headers),
              queries: Object.fromEntries(url.searchParams),
              clientIP: req.socket.remoteAddress ?? '',
              body,
            },
          },
          requestId,
        );
        this.answerHttp(res, result, requestId);
      } else {
        throw new FcError(400, 'PathNotSupported', `'${req.method}' against '${path}' is not supported`);
      }
      this.opts.log?.({ service: 'fc', kind, function: fn, status: res.statusCode, ms: Date.now() - startedAt, requestId });
    } catch (e) {
      const err = e instanceof FcError ? e : new FcError(500, 'InternalServerError', 'internal error');
      res.writeHead(err.status, { 'content-type': 'application/json', 'x-fc-request-id': requestId });
      res.end(JSON.stringify({ ErrorCode: err.code, ErrorMessage: err.message }));
      this.opts.log?.({ service: 'fc', kind, function: fn, status: err.status, code: err.code, ms: Date.now() - startedAt, requestId });
    }
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
  private authenticate(req: http.IncomingMessage, path: string, body: Buffer, queries?: Record<string, string>): IssuedCredentials {
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
      throw new FcError(403, 'SignatureNotMatch', 'The request signature we calculated does not match the signature you provided. Check your access key and signing method');
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
