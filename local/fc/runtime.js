// @ts-check
/**
 * The local stand-in for the FC 2.0 Node.js runtime: one child process per function instance.
 * Plain JavaScript on purpose, so an instance starts like the real runtime does: a bare `node`
 * loading the bundled code, with only the template's environment (what cold starts measure).
 *
 * Protocol (IPC messages):
 *   parent → child  {type:'invoke', id, kind:'event', event: base64, context}
 *                   {type:'invoke', id, kind:'http', request:{method,path,url,headers,queries,clientIP,body: base64}, context}
 *   child → parent  {type:'ready', loadMs, codeCache?} | {type:'initError', error}
 *                   (codeCache: 'accepted' | 'rejected' | 'absent', what the code's loader says of its V8 code cache, lib/code-cache.ts)
 *                   {type:'warning', warning:{name, code?, message}} (a process warning, any time)
 *                   {type:'result', id, ok:true, body: base64, json: boolean} (event)
 *                   {type:'result', id, ok:true, status, headers, body: base64} (http)
 *                   {type:'result', id, ok:false, error:{errorMessage, errorType, stackTrace}}
 */
const { Readable } = require('node:stream');
const path = require('node:path');

const codeDir = /** @type {string} */ (process.env.LOCAL_FC_CODE_DIR);
const [file, exportName] = /** @type {string} */ (process.env.LOCAL_FC_HANDLER).split('.');
delete process.env.LOCAL_FC_CODE_DIR;
delete process.env.LOCAL_FC_HANDLER;

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

let handler;
try {
  const started = process.hrtime.bigint();
  const code = require(path.join(codeDir, file));
  handler = code[exportName];
  if (typeof handler !== 'function') throw new Error(`${file}.${exportName} is not a function`);
  const loadMs = Number(process.hrtime.bigint() - started) / 1e6;
  send({ type: 'ready', loadMs, codeCache: /** @type {any} */ (globalThis)[Symbol.for('miniapp.codeCache')]?.status });
} catch (e) {
  send({ type: 'initError', error: asError(e) });
  process.exit(1);
}

/** @param {object} msg */
function send(msg) {
  if (process.send) process.send(msg);
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

async function invokeEvent(msg) {
  const value = await call([Buffer.from(msg.event, 'base64'), makeContext(msg.context)]);
  // FC's conversion of a return value: Buffer as is, string as text, anything else as JSON.
  if (Buffer.isBuffer(value)) return { body: value.toString('base64'), json: false };
  if (typeof value === 'string') return { body: Buffer.from(value).toString('base64'), json: false };
  return { body: Buffer.from(value === undefined ? '' : JSON.stringify(value)).toString('base64'), json: value !== undefined };
}

function invokeHttp(msg) {
  const r = msg.request;
  const req = Object.assign(Readable.from([Buffer.from(r.body, 'base64')]), {
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
      send: (body) => resolve({ status, headers, body: Buffer.from(body ?? '').toString('base64') }),
    };
    call([req, resp, makeContext(msg.context)]).then(() => setTimeout(() => reject(new Error('the handler returned without calling resp.send')), 50), reject);
  });
}

// An instance lives only as long as its local FC: if the runner dies, so does the instance.
process.on('disconnect', () => process.exit(0));

process.on('message', async (/** @type {any} */ msg) => {
  if (msg.type !== 'invoke') return;
  try {
    const result = msg.kind === 'http' ? await invokeHttp(msg) : await invokeEvent(msg);
    send({ type: 'result', id: msg.id, ok: true, ...result });
  } catch (e) {
    send({ type: 'result', id: msg.id, ok: false, error: asError(e) });
  }
});
