import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import FC from '@alicloud/fc2';
import { CredentialStore, type IssuedCredentials } from '../../local/credentials';
import { FcEmulator, type FunctionSpec } from '../../local/fc';
import { MAX_PAYLOAD_BYTES } from '../../local/fc/server';
import { ACCOUNT, arn, functionSpec, REGION, SERVICE_ROLES } from '../support/fc-emulator';

/** Local FC driven by the real @alicloud/fc2 client, with small handlers written for each case. */

const HTTP_ECHO = `exports.handler = (req, resp, context) => { const chunks = []; req.on('data', (c) => chunks.push(c)); req.on('end', () => {
    resp.setStatusCode(201); resp.setHeader('x-echo-method', req.method);
    resp.send(JSON.stringify({ body: Buffer.concat(chunks).toString(), path: req.path, url: req.url, queries: req.queries, sawFcHeader: Object.keys(req.headers).some((h) => h.startsWith('x-fc-')) })); }); };`;

const HANDLERS: Record<string, string> = {
  object: `exports.handler = async (event, context) => ({ got: event.toString(), requestId: context.requestId, fn: context.function.name,
    hasCredentials: Boolean(context.credentials.accessKeyId && context.credentials.accessKeySecret && context.credentials.securityToken),
    env: { TEMPLATE_VAR: process.env.TEMPLATE_VAR, PARENT_SECRET: process.env.PARENT_SECRET, TZ: process.env.TZ } });`,
  text: `exports.handler = async () => 'plain text';`,
  callback: `exports.handler = (event, context, callback) => setTimeout(() => callback(null, { viaCallback: true }), 5);`,
  throws: `exports.handler = async () => { throw new TypeError('boom'); };`,
  slow: `exports.handler = () => new Promise(() => {});`,
  // Crashes its first instance only (the marker file outlives the process).
  exits: `const fs = require('fs'); exports.handler = async () => { const mark = __dirname + '/crashed';
    if (!fs.existsSync(mark)) { fs.writeFileSync(mark, ''); process.exit(3); } return { recovered: true }; };`,
  initError: `throw new Error('cannot load');`,
  // Finds a module the code ships, and none from the directories above it (its test writes both).
  modules: `exports.handler = async () => {
    const found = (name) => { try { return require(name).from; } catch (e) { return e.code; } };
    return { shipped: found('shipped-module'), above: found('module-above-the-code') }; };`,
  node: `exports.handler = async () => ({ execArgv: process.execArgv, gc: typeof gc, heapLimitMB: require('v8').getHeapStatistics().heap_size_limit / 2 ** 20 });`,
  http: HTTP_ECHO,
  signed: HTTP_ECHO,
  // Whether node:http was loaded before this code was: FC's runtime, an HTTP server, loads it first.
  httpLoaded: `const httpLoaded = process.moduleLoadList.includes('NativeModule http'); exports.handler = async () => ({ httpLoaded });`,
  context: `exports.handler = async (event, context) => JSON.stringify(context);`,
  echo: `exports.handler = async (event) => event;`,
  echoHttp: `exports.handler = (req, resp) => { const chunks = []; req.on('data', (c) => chunks.push(c)); req.on('end', () => resp.send(Buffer.concat(chunks))); };`,
  // Answers after 300 ms with the most invocations it ever had in flight at once.
  wait: `let inFlight = 0, peak = 0; exports.handler = (event, context, callback) => { peak = Math.max(peak, ++inFlight);
    setTimeout(() => { inFlight--; callback(null, { event: event.toString(), peak }); }, 300); };`,
};

/** fc2's own signer (a static the typings leave out), so the test does not sign with the emulator's code. */
const fc2Signature = (
  FC as unknown as {
    getSignature(id: string, secret: string, method: string, path: string, headers: Record<string, string>, queries: Record<string, string>): string;
  }
).getSignature;

const errorCode = async (res: Response) => ((await res.json()) as { ErrorCode: string }).ErrorCode;

/** Whether `port` on 127.0.0.1 can be bound right now. */
const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

/** Two consecutive free ports (N, N+1): bind an ephemeral port, release it, and check its neighbour. */
async function freePortPair(): Promise<number> {
  for (;;) {
    const probe = net.createServer();
    const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as net.AddressInfo).port)));
    await new Promise((resolve) => probe.close(resolve));
    if (port < 65535 && (await portIsFree(port + 1))) return port;
  }
}

describe('local FC with the real fc2 client', () => {
  const codeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-test-'));
  const credentials = new CredentialStore();
  let fc: FcEmulator;
  let caller: IssuedCredentials;
  let client: FC;

  const spec = (name: string, extra: Partial<FunctionSpec> = {}): FunctionSpec =>
    functionSpec(codeRoot, name, HANDLERS[name], { environment: { TEMPLATE_VAR: 'from-template', TZ: 'Asia/Shanghai' }, timeoutSeconds: 3, ...extra });
  const clientFor = (c: IssuedCredentials, overrides: Partial<{ accessKeySecret: string }> = {}) =>
    new FC(ACCOUNT, {
      accessKeyID: c.accessKeyId,
      accessKeySecret: overrides.accessKeySecret ?? c.accessKeySecret,
      securityToken: c.securityToken,
      region: REGION,
      endpoint: fc.url,
    });

  beforeAll(async () => {
    process.env.PARENT_SECRET = 'must-not-leak-into-functions';
    fc = new FcEmulator({
      accountId: ACCOUNT,
      region: REGION,
      functions: [
        spec('object'),
        spec('text'),
        spec('callback'),
        spec('throws'),
        spec('slow', { timeoutSeconds: 1 }),
        spec('exits'),
        spec('initError'),
        spec('node', { memoryMB: 512 }),
        spec('modules'),
        spec('http', { httpTrigger: { authType: 'anonymous', methods: ['POST'] } }),
        spec('signed', { httpTrigger: { authType: 'function', methods: ['POST'] } }),
        spec('httpLoaded'),
        spec('context'),
        spec('echo', { timeoutSeconds: 30 }),
        spec('echoHttp', { timeoutSeconds: 30, httpTrigger: { authType: 'anonymous', methods: ['POST'] } }),
        spec('wait'),
      ],
      serviceRoles: SERVICE_ROLES,
      credentials,
    });
    await fc.listen();
    caller = credentials.issue(
      {
        roleArn: `acs:ram::${ACCOUNT}:role/client`,
        sessionName: 'test',
        rolePolicies: [
          { Version: '1', Statement: [{ Effect: 'Allow', Action: 'fc:InvokeFunction', Resource: `acs:fc:${REGION}:${ACCOUNT}:services/svc/functions/*` }] },
        ],
        sessionPolicy: {
          Version: '1',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'fc:InvokeFunction',
              Resource: Object.keys(HANDLERS)
                .filter((n) => n !== 'text')
                .map(arn),
            },
          ],
        },
      },
      900,
    );
    client = clientFor(caller);
  });
  afterAll(async () => {
    delete process.env.PARENT_SECRET;
    await fc.close();
    fs.rmSync(codeRoot, { recursive: true, force: true });
  });

  it('runs the code with the FC context and only the template environment', async () => {
    const res = await client.invokeFunction('svc', 'object', 'hello');
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.data).toEqual({
      got: 'hello',
      requestId: res.headers['x-fc-request-id'],
      fn: 'object',
      hasCredentials: true,
      env: { TEMPLATE_VAR: 'from-template', TZ: 'Asia/Shanghai' },
    });
  });

  it('resolves modules only from the code itself, as FC does from /code: never from the directories above it', async () => {
    const modules = (...dirs: string[]) => path.join(...dirs, 'node_modules');
    for (const [dir, name] of [
      [path.join(codeRoot, 'svc', 'modules'), 'shipped-module'],
      [codeRoot, 'module-above-the-code'],
    ]) {
      fs.mkdirSync(path.join(modules(dir), name), { recursive: true });
      fs.writeFileSync(path.join(modules(dir), name, 'index.js'), `exports.from = ${JSON.stringify(name)};`);
    }
    const { data } = await client.invokeFunction('svc', 'modules', '');
    expect(data).toEqual({ shipped: 'shipped-module', above: 'MODULE_NOT_FOUND' });
  });

  it("starts node as FC's runtime start script does: 9/10 of the memory as V8's old space, gc exposed, 16 KB HTTP headers", async () => {
    const { data } = await client.invokeFunction('svc', 'node', '');
    expect(data.execArgv).toEqual(['--max-old-space-size=460', '--max-http-header-size=16384', '--expose-gc']);
    expect(data.gc).toBe('function');
    // V8's limit is the old space plus its young generation: a little over 460 MB, far under the 4 GB it takes unasked.
    expect(data.heapLimitMB).toBeGreaterThanOrEqual(460);
    expect(data.heapLimitMB).toBeLessThan(512);
  });

  it('keeps a warm instance and converts return values as FC does', async () => {
    const before = fc.instance('svc', 'object')!.coldStarts;
    await client.invokeFunction('svc', 'object', 'again');
    expect(fc.instance('svc', 'object')!.coldStarts).toBe(before);
    expect((await client.invokeFunction('svc', 'callback', '')).data).toEqual({ viaCallback: true });
  });

  it('answers a function error with 200 and x-fc-error-type, as FC does', async () => {
    const res = await client.invokeFunction('svc', 'throws', '');
    expect(res.headers['x-fc-error-type']).toBe('UnhandledInvocationError');
    expect(res.data).toMatchObject({ errorMessage: 'boom', errorType: 'TypeError' });
    expect(Array.isArray(res.data.stackTrace)).toBe(true);
    const init = await client.invokeFunction('svc', 'initError', '');
    expect(init.headers['x-fc-error-type']).toBe('UnhandledInvocationError');
    expect(init.data.errorMessage).toBe('cannot load');
  });

  it('ends an instance that overruns its timeout or crashes, and starts a new one next time', async () => {
    const slow = await client.invokeFunction('svc', 'slow', '');
    expect(slow.data).toMatchObject({ errorType: 'FunctionTimeout' });
    const crash = await client.invokeFunction('svc', 'exits', '');
    expect(crash.data).toMatchObject({ errorType: 'ProcessExited' });
    const after = await client.invokeFunction('svc', 'exits', '');
    expect(after.data).toEqual({ recovered: true });
    expect(fc.instance('svc', 'exits')!.coldStarts).toBe(2);
  });

  it('loads the code with node:http already loaded, as in real FC, whose runtime is an HTTP server', async () => {
    expect((await client.invokeFunction('svc', 'httpLoaded', '')).data).toEqual({ httpLoaded: true });
  });

  it('gives the handler the whole context, field for field and in order, through the runtime’s x-fc-* headers', async () => {
    const res = await client.invokeFunction('svc', 'context', '');
    const context = JSON.parse(res.data);
    expect(context).toEqual({
      requestId: res.headers['x-fc-request-id'],
      credentials: { accessKeyId: expect.any(String), accessKeySecret: expect.any(String), securityToken: expect.any(String) },
      function: { name: 'context', handler: 'index.handler', memory: 128, timeout: 3 },
      service: { name: 'svc', logProject: '', logStore: '', qualifier: 'LATEST', versionId: '' },
      region: REGION,
      accountId: ACCOUNT,
      logger: {},
    });
    expect(Object.keys(context)).toEqual(['requestId', 'credentials', 'function', 'service', 'region', 'accountId', 'logger']);
  });

  it('passes an event and a trigger request body at FC’s 32 MB limit to the function, and its answer back, byte for byte', async () => {
    const event = randomBytes(MAX_PAYLOAD_BYTES);
    const res = await client.invokeFunction('svc', 'echo', event, {}, undefined, { rawBuf: true });
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(Buffer.compare(res.data, event)).toBe(0);
    const posted = await fetch(fc.triggerUrl('svc', 'echoHttp'), { method: 'POST', body: event });
    expect(posted.status).toBe(200);
    expect(Buffer.compare(Buffer.from(await posted.arrayBuffer()), event)).toBe(0);
  }, 60_000);

  it('runs concurrent invocations of one instance at once', async () => {
    await client.invokeFunction('svc', 'wait', 'warm');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => client.invokeFunction('svc', 'wait', `call ${i}`)));
    expect(results.map((r) => r.data.event)).toEqual(Array.from({ length: 20 }, (_, i) => `call ${i}`));
    expect(Math.max(...results.map((r) => r.data.peak))).toBe(20);
    expect(fc.instance('svc', 'wait')!.coldStarts).toBe(1);
  });

  it('stop() ends an instance with invocations in flight: each gets ProcessExited, once, and the next invocation starts a new one', async () => {
    const instance = fc.instance('svc', 'wait')!;
    await client.invokeFunction('svc', 'wait', 'warm');
    const calls = [1, 2, 3].map(() => instance.invoke({ kind: 'event', event: Buffer.from('x'), context: { requestId: 'stopped' } }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await instance.stop();
    const error = { errorMessage: 'Process exited unexpectedly (code null, signal SIGKILL)', errorType: 'ProcessExited', stackTrace: [] };
    expect(await Promise.all(calls)).toEqual([1, 2, 3].map(() => ({ ok: false, error })));
    expect((await client.invokeFunction('svc', 'wait', 'again')).data.event).toBe('again');
    expect(instance.coldStarts).toBe(2);
  });

  it('checks signature, credentials, clock and RAM policy in that order', async () => {
    await expect(clientFor(caller, { accessKeySecret: 'wrong' }).invokeFunction('svc', 'object', 'x')).rejects.toMatchObject({ code: 'SignatureNotMatch' });
    const forged = { ...caller, accessKeyId: 'STS.unknown' };
    await expect(clientFor(forged).invokeFunction('svc', 'object', 'x')).rejects.toMatchObject({ code: 'InvalidAccessKeyID' });
    // Allowed by the role (services/svc/functions/*) but not by the session policy.
    await expect(client.invokeFunction('svc', 'text', '')).rejects.toMatchObject({ code: 'AccessDenied' });
    await expect(client.invokeFunction('svc', 'nope', '')).rejects.toMatchObject({ code: 'FunctionNotFound' });
    await expect(client.invokeFunction('other', 'object', '')).rejects.toMatchObject({ code: 'ServiceNotFound' });
    const skewed = await fetch(`${fc.url}/2016-08-15/services/svc/functions/object/invocations`, {
      method: 'POST',
      headers: {
        authorization: `FC ${caller.accessKeyId}:x`,
        date: new Date(Date.now() - 3600_000).toUTCString(),
        'x-fc-security-token': caller.securityToken,
      },
      body: 'x',
    });
    expect(skewed.status).toBe(403);
    expect(((await skewed.json()) as { ErrorCode: string }).ErrorCode).toBe('RequestTimeTooSkewed');
    const unsigned = await fetch(`${fc.url}/2016-08-15/services/svc/functions/object/invocations`, { method: 'POST', body: 'x' });
    expect(((await unsigned.json()) as { ErrorCode: string }).ErrorCode).toBe('AccessDenied');
  });

  it('refuses expired credentials', async () => {
    let now = Date.now();
    const clocked = new CredentialStore(() => now);
    const local = new FcEmulator({ accountId: ACCOUNT, region: REGION, functions: [], serviceRoles: {}, credentials: clocked });
    await local.listen();
    try {
      const c = clocked.issue({ roleArn: 'r', sessionName: 's', rolePolicies: [] }, 900);
      now += 901_000;
      const expired = new FC(ACCOUNT, {
        accessKeyID: c.accessKeyId,
        accessKeySecret: c.accessKeySecret,
        securityToken: c.securityToken,
        region: REGION,
        endpoint: local.url,
      });
      await expect(expired.invokeFunction('svc', 'object', '')).rejects.toMatchObject({ code: 'InvalidSecurityToken' });
    } finally {
      await local.close();
    }
  });

  it('serves anonymous HTTP triggers under /proxy/ for the allowed methods only, without x-fc-* headers', async () => {
    const url = `${fc.proxyUrl('svc', 'http')}sub/path?a=1`;
    expect(url).toBe(`${fc.url}/2016-08-15/proxy/svc/http/sub/path?a=1`);
    const res = await fetch(url, { method: 'POST', body: 'payload', headers: { 'x-fc-invocation-type': 'Sync' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-echo-method')).toBe('POST');
    expect(res.headers.get('x-fc-request-id')).toBeTruthy();
    expect(await res.json()).toEqual({
      body: 'payload',
      path: '/sub/path',
      url: '/2016-08-15/proxy/svc/http/sub/path?a=1',
      queries: { a: '1' },
      sawFcHeader: false,
    });
    // The 2020 client's address: the proxy root, trailing slash included.
    expect(await (await fetch(fc.proxyUrl('svc', 'http'), { method: 'POST', body: '{}' })).json()).toMatchObject({ path: '/' });
    const get = await fetch(url);
    expect(get.status).toBe(405);
    expect(await errorCode(get)).toBe('MethodNotAllowed');
    const noTrigger = await fetch(`${fc.url}/2016-08-15/proxy/svc/object/`, { method: 'POST' });
    expect(await errorCode(noTrigger)).toBe('TriggerNotFound');
  });

  it('serves each HTTP trigger at a root URL of its own, as fcapp.run does: every path, as sent', async () => {
    const root = fc.triggerUrl('svc', 'http');
    expect(root).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new URL(root).port).not.toBe(new URL(fc.url).port);
    const res = await fetch(root, { method: 'POST', body: 'payload', headers: { 'x-fc-trace-id': 't' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-fc-request-id')).toBeTruthy();
    expect(await res.json()).toEqual({ body: 'payload', path: '/', url: '/', queries: {}, sawFcHeader: false });
    // A path below the root, even one that looks like an API path, is the function's.
    const deep = await fetch(`${root}/2016-08-15/proxy/x/z%20q?a=1&b=2&a=3`, { method: 'POST', body: '' });
    expect(await deep.json()).toEqual({
      body: '',
      path: '/2016-08-15/proxy/x/z q',
      url: '/2016-08-15/proxy/x/z%20q?a=1&b=2&a=3',
      queries: { a: ['1', '3'], b: '2' },
      sawFcHeader: false,
    });
    const get = await fetch(`${root}/anything`);
    expect(get.status).toBe(405);
    expect(get.headers.get('content-type')).toBe('application/json');
    expect(await errorCode(get)).toBe('MethodNotAllowed');
    expect(() => fc.triggerUrl('svc', 'object')).toThrow(/no HTTP trigger/);
  });

  it("checks a function-auth trigger's signature over the root path as sent", async () => {
    const root = fc.triggerUrl('svc', 'signed');
    const signedPost = (path: string, query: Record<string, string>, signAs = path) => {
      const body = 'x';
      const headers: Record<string, string> = {
        date: new Date().toUTCString(),
        'content-type': 'text/plain',
        // fc2's Content-MD5 quirk: base64 of the hex digest.
        'content-md5': Buffer.from(createHash('md5').update(body).digest('hex')).toString('base64'),
        'x-fc-security-token': caller.securityToken,
      };
      headers.authorization = fc2Signature(caller.accessKeyId, caller.accessKeySecret, 'POST', signAs, headers, query);
      return fetch(`${root}${path}?${new URLSearchParams(query)}`, { method: 'POST', headers, body });
    };
    const ok = await signedPost('/sub', { k: 'v' });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ path: '/sub', queries: { k: 'v' } });
    // Signed for the proxy path, sent to the root: the path differs, so the signature does.
    const misdirected = await signedPost('/sub', { k: 'v' }, '/2016-08-15/proxy/svc/signed/sub');
    expect(await errorCode(misdirected)).toBe('SignatureNotMatch');
    const unsigned = await fetch(root, { method: 'POST', body: 'x' });
    expect(unsigned.status).toBe(403);
    expect(await errorCode(unsigned)).toBe('AccessDenied');
  });

  it('puts the trigger listeners on consecutive ports from triggerPort, and close() frees every port', async () => {
    const first = await freePortPair();
    const local = new FcEmulator({
      accountId: ACCOUNT,
      region: REGION,
      functions: [
        spec('object'),
        spec('http', { httpTrigger: { authType: 'anonymous', methods: ['POST'] } }),
        { ...spec('http'), functionName: 'http2', arn: arn('http2'), httpTrigger: { authType: 'anonymous', methods: ['POST'] } },
      ],
      serviceRoles: SERVICE_ROLES,
      credentials,
      triggerPort: first,
    });
    let ports: number[];
    try {
      await local.listen();
      expect(local.triggerUrl('svc', 'http')).toBe(`http://127.0.0.1:${first}`);
      expect(local.triggerUrl('svc', 'http2')).toBe(`http://127.0.0.1:${first + 1}`);
      const res = await fetch(`http://127.0.0.1:${first + 1}/p`, { method: 'POST', body: 'b' });
      expect(await res.json()).toMatchObject({ body: 'b', path: '/p' });
      ports = [Number(new URL(local.url).port), first, first + 1];
      expect(await Promise.all(ports.map(portIsFree))).toEqual([false, false, false]);
    } finally {
      await local.close();
    }
    expect(await Promise.all(ports.map(portIsFree))).toEqual([true, true, true]);
  });

  it('fails listen() and releases what it bound when a trigger port is taken', async () => {
    const taken = net.createServer();
    const port = await new Promise<number>((resolve) => taken.listen(0, '127.0.0.1', () => resolve((taken.address() as net.AddressInfo).port)));
    const local = new FcEmulator({
      accountId: ACCOUNT,
      region: REGION,
      functions: [spec('http', { httpTrigger: { authType: 'anonymous', methods: ['POST'] } })],
      serviceRoles: {},
      credentials,
      triggerPort: port,
    });
    try {
      await expect(local.listen()).rejects.toMatchObject({ code: 'EADDRINUSE' });
      expect(await portIsFree(Number(new URL(local.url).port))).toBe(true);
    } finally {
      await local.close();
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
