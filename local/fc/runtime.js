// @ts-check
/**
 * The local stand-in for the FC 2.0 Node.js runtime: one child process per function instance.
 * Plain JavaScript on purpose, so an instance starts like the real runtime does: a bare `node`
 * loading the bundled code, with only the template's environment (what cold starts measure).
 *
 * Like the real runtime, it is an HTTP server that receives each invocation as a POST. Alibaba's
 * own emulator shows that contract (aliyun/fc-docker, commons/function-compute-mock.sh): it starts
 * the runtime (`agent.sh start`), waits until 127.0.0.1:${FC_SERVER_PORT:-9000} accepts
 * connections, then sends `POST /invoke` with the event as the body (application/octet-stream)
 * and the context in x-fc-* headers. So in FC, `http` (with `net`, `stream` and the HTTP parser)
 * is loaded before the function's code runs, and a function's first outgoing request does not pay
 * for loading it. Here the same holds, which keeps a function's cold start comparable with an
 * empty handler's as FC would measure them. (FC's runtime even parses the first request before it
 * loads the code; this one loads the code as soon as it listens, and says 'ready' after, so that
 * the cold start the parent measures still ends with the code loaded.)
 *
 * Protocol:
 *   Control, over IPC (child → parent; the parent sends nothing, and its disconnect ends the process):
 *     {type:'ready', port, loadMs, codeCache?}  the server listens on 127.0.0.1:port (ephemeral:
 *                     several instances run at once) and the code is loaded. codeCache: 'accepted' |
 *                     'rejected' | 'absent', what the code's loader says of its V8 code cache (lib/code-cache.ts)
 *     {type:'initError', error}  the code failed to load; the process exits
 *     {type:'warning', warning:{name, code?, message}}  a process warning, any time
 *   Invocations, over HTTP (parent → child, on keep-alive connections, any number at once):
 *     POST /invoke  body: the event's bytes, or the HTTP trigger request's body
 *       x-fc-request-id, x-fc-access-key-id, x-fc-function-name, … (CONTEXT_HEADERS): the context
 *       x-fc-http-params: base64 JSON {method, path, url, headers, queries, clientIP}, for an HTTP
 *                     trigger request only (the header FC's custom-runtime contract uses for them)
 *     answers
 *       200, content-type application/json or application/octet-stream: an event invocation's
 *                     return value, converted as FC does (the parent tells JSON by the content type)
 *       200, x-fc-http-response: base64 JSON {status, headers}, body: what resp.send() got (an HTTP
 *                     trigger invocation; the function's status and headers ride in a header of their
 *                     own, so none of them can bend this HTTP exchange)
 *       500, application/json {errorMessage, errorType, stackTrace}: the function failed
 *       404: not POST /invoke
 *   Logs: the process's stdout and stderr, as in FC.
 */
const http = require('node:http');
const fs = require('node:fs');
const { Readable } = require('node:stream');
const path = require('node:path');

const codeDir = /** @type {string} */ (process.env.LOCAL_FC_CODE_DIR);
const [file, exportName] = /** @type {string} */ (process.env.LOCAL_FC_HANDLER).split('.');
delete process.env.LOCAL_FC_CODE_DIR;
delete process.env.LOCAL_FC_HANDLER;

// FC runs the code from /code, with nothing above it to find modules in (beside FC's own module
// path, which this runtime does not have). Here the code sits in cdk.out, inside the project, and
// Node's lookup would walk up into the project's node_modules and find what the bundle left out:
// protobufjs's run-time require('long') did, and compiled long.js on every cold start. Lookups
// stop at the code's directory, so code that needs a module it does not ship fails here as in FC.
const Module = /** @type {any} */ (module.constructor); // not require('node:module'), which loads the ES module loader too
const codeRoot = fs.realpathSync(codeDir) + path.sep;
const lookupPaths = Module._nodeModulePaths;
Module._nodeModulePaths = (/** @type {string} */ from) => lookupPaths(from).filter((dir) => dir.startsWith(codeRoot));
Module.globalPaths.length = 0; // $HOME/.node_modules and the like: FC has none of them

/**
 * The context's fields and the x-fc-* headers carrying them, in the context's order: FC's header
 * names (the request above, and the custom runtime's "common request headers"). The parent
 * (instance.ts) writes them from the same table; a field not in it does not reach the function.
 * @type {[object: string, field: string, header: string, numeric?: boolean][]} object '' is the context itself
 */
const CONTEXT_HEADERS = require('./context-headers.json');
/**
 * Node's 16 KB header limit (FC's --max-http-header-size, lib/fc-runtime.ts) is for the function's
 * own HTTP. This server's only client is the parent, whose x-fc-http-params carries a whole trigger
 * request's headers, JSON and base64 encoded.
 */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;

// Node prints each process warning to stderr (DEP0005 from the tablestore SDK's `new Buffer()`,
// say), and real FC shows a function's stderr in its log like any other line it prints. Locally
// that log is the per-request stream of `npm start`, where a warning repeated by every cold start
// is noise: Node's printer is replaced by a message to the local FC, which reports each distinct
// warning once per local cloud, on a line of its own (FcEmulator, kind 'warning').
// Installed before the code loads, so a warning raised while it loads is caught too.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  send({ type: 'warning', warning: { name: w.name, code: /** @type {{code?: string}} */ (w).code, message: w.message } });
});

/** @param {unknown} e */
const asError = (e) => ({
  errorMessage: e instanceof Error ? e.message : String(e),
  errorType: e instanceof Error ? e.name : typeof e,
  stackTrace:
    e instanceof Error && e.stack
      ? e.stack
          .split('\n')
          .slice(1)
          .map((l) => l.trim())
      : [],
});

/** @type {Function} */
let handler;

// The server is up before the code loads, as FC's is (the agent waits for its port, then invokes).
// keepAliveTimeout 0: an idle connection stays open until the parent closes it. With Node's 5 s
// the server could close one just as the parent reuses it, and a lost connection means to the
// parent that the process died.
const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES, keepAliveTimeout: 0 }, serve);
server.on('error', (e) => {
  send({ type: 'initError', error: asError(e) });
  process.exit(1);
});
server.listen(0, '127.0.0.1', () => {
  try {
    const started = process.hrtime.bigint();
    const code = require(path.join(codeDir, file));
    handler = code[exportName];
    if (typeof handler !== 'function') throw new Error(`${file}.${exportName} is not a function`);
    const loadMs = Number(process.hrtime.bigint() - started) / 1e6;
    const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
    send({ type: 'ready', port, loadMs, codeCache: /** @type {any} */ (globalThis)[Symbol.for('miniapp.codeCache')]?.status });
  } catch (e) {
    send({ type: 'initError', error: asError(e) });
    process.exit(1);
  }
});

/** @param {object} msg */
function send(msg) {
  if (process.send) process.send(msg);
}

/** The context the parent sent in x-fc-* headers, with the fields and types it had there. */
function contextOf(/** @type {import('node:http').IncomingHttpHeaders} */ headers) {
  /** @type {Record<string, any>} */
  const ctx = {};
  for (const [object, field, header, numeric] of CONTEXT_HEADERS) {
    const value = headers[header];
    if (typeof value !== 'string') continue;
    const into = object ? (ctx[object] ??= {}) : ctx;
    into[field] = numeric ? Number(value) : value;
  }
  return ctx;
}

/** The runtime's context object: what FC passes, plus a logger like the real one. */
function makeContext(ctx) {
  const line =
    (level) =>
    (...args) =>
      process.stdout.write(`${new Date().toISOString()} ${ctx.requestId} [${level}] ${args.join(' ')}\n`);
  return { ...ctx, logger: { info: line('INFO'), warn: line('WARN'), error: line('ERROR'), debug: line('DEBUG'), log: line('INFO') } };
}

/** Calls a handler that either returns a promise or takes a callback, as FC allows both. */
function call(args) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (err, value) => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve(value);
    };
    try {
      const r = handler(...args, callback);
      if (r && typeof r.then === 'function')
        r.then(
          (v) => callback(null, v),
          (e) => callback(e || new Error('rejected')),
        );
    } catch (e) {
      callback(e);
    }
  });
}

/** @param {Buffer} event @param {object} context */
async function invokeEvent(event, context) {
  const value = await call([event, makeContext(context)]);
  // FC's conversion of a return value: Buffer as is, string as text, anything else as JSON.
  if (Buffer.isBuffer(value)) return { body: value, json: false };
  if (typeof value === 'string') return { body: Buffer.from(value), json: false };
  return { body: Buffer.from(value === undefined ? '' : JSON.stringify(value)), json: value !== undefined };
}

/** @param {any} r the trigger request's x-fc-http-params @param {Buffer} body @param {object} context */
function invokeHttp(r, body, context) {
  const req = Object.assign(Readable.from([body]), {
    method: r.method,
    path: r.path,
    url: r.url,
    headers: r.headers,
    queries: r.queries,
    clientIP: r.clientIP,
  });
  return new Promise((resolve, reject) => {
    const headers = {};
    let status = 200;
    const resp = {
      setStatusCode: (code) => {
        status = code;
      },
      setHeader: (k, v) => {
        headers[String(k).toLowerCase()] = String(v);
      },
      deleteHeader: (k) => {
        delete headers[String(k).toLowerCase()];
      },
      send: (body) => resolve({ status, headers, body: Buffer.from(body ?? '') }),
    };
    call([req, resp, makeContext(context)]).then(() => setTimeout(() => reject(new Error('the handler returned without calling resp.send')), 50), reject);
  });
}

/**
 * One invocation, as the protocol above says. Status and headers go through JSON, as they went
 * through the IPC channel's JSON before: what the parent gets of them is unchanged.
 * @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res
 */
function serve(req, res) {
  if (req.method !== 'POST' || req.url !== '/invoke') {
    res.writeHead(404).end();
    return;
  }
  /** @type {Buffer[]} */
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const body = Buffer.concat(chunks);
    const params = req.headers['x-fc-http-params'];
    try {
      if (typeof params === 'string') {
        const r = await invokeHttp(JSON.parse(Buffer.from(params, 'base64').toString()), body, contextOf(req.headers));
        const answer = Buffer.from(JSON.stringify({ status: r.status, headers: r.headers })).toString('base64');
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-fc-http-response': answer }).end(r.body);
      } else {
        const r = await invokeEvent(body, contextOf(req.headers));
        res.writeHead(200, { 'content-type': r.json ? 'application/json' : 'application/octet-stream' }).end(r.body);
      }
    } catch (e) {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify(asError(e)));
    }
  });
}

// An instance lives only as long as its local FC: if the runner dies, so does the instance.
process.on('disconnect', () => process.exit(0));
