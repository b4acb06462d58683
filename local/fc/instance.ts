import { ChildProcess, fork } from 'node:child_process';
import * as http from 'node:http';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { fcNodeFlags } from '../../lib/fc-runtime';
import contextHeaders from './context-headers.json';
import type { TimerTrigger } from './timer';

export interface FunctionSpec {
  serviceName: string;
  functionName: string;
  arn: string;
  handler: string;
  runtime: string;
  codeDir: string;
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMB: number;
  httpTrigger?: { authType: string; methods: string[] };
  /** The function's time triggers; they fire on schedule only with FcOptions.runTimers, or by fireTimer(). */
  timerTriggers?: TimerTrigger[];
}

export interface InvocationError {
  errorMessage: string;
  errorType: string;
  stackTrace: string[];
}

export type InvokeResult =
  { ok: true; body: Buffer; json?: boolean; status?: number; headers?: Record<string, string> } | { ok: false; error: InvocationError };

/** A warning the instance's process raised (`process.emitWarning`, Node's deprecations): see runtime.js. */
export interface ProcessWarning {
  name: string;
  code?: string;
  message: string;
}

/**
 * What the handler's `context` holds (less the logger the runtime adds). Each field travels to the
 * runtime in an x-fc-* header (CONTEXT_HEADERS); a field not there would not reach the function.
 */
export interface InvocationContext {
  requestId?: string;
  credentials?: { accessKeyId?: string; accessKeySecret?: string; securityToken?: string };
  function?: { name?: string; handler?: string; memory?: number; timeout?: number };
  service?: { name?: string; logProject?: string; logStore?: string; qualifier?: string; versionId?: string };
  region?: string;
  accountId?: string;
}

export interface InvokeRequest {
  kind: 'event' | 'http';
  event?: Buffer;
  request?: {
    method: string;
    path: string;
    url: string;
    headers: Record<string, string>;
    queries: Record<string, string | string[]>;
    clientIP: string;
    body: Buffer;
  };
  context: InvocationContext;
}

const RUNTIME = path.join(__dirname, 'runtime.js');
/** SIGKILL ends a process at once; the wait is only for the exit to be reported. */
const STOP_WAIT_MS = 2000;
/** How long a lost connection to a runtime waits for its process's exit (see lost()). */
const LOST_WAIT_MS = 1000;
/** The runtime's answers carry a trigger's status and headers in a header (runtime.js); no limit in practice. */
const MAX_ANSWER_HEADER_BYTES = 16 * 1024 * 1024;

/**
 * The context's fields and FC's x-fc-* headers for them (aliyun/fc-docker's function-compute-mock.sh,
 * and the custom runtime's "common request headers"); runtime.js reads them back with the same
 * table. [object ('' for the context itself), field, header, numeric?]
 */
const CONTEXT_HEADERS = contextHeaders as [string, string, string, boolean?][];

/** One process of the instance: the runtime's port once it is ready, and the invocations sent to it. */
interface RuntimeProcess {
  child: ChildProcess;
  /** Keep-alive connections to the runtime; no socket limit, as an instance takes concurrent invocations. Destroyed with the process. */
  agent: http.Agent;
  port: number;
  /** Each invocation in flight, by the function that settles it (once: it removes itself). */
  pending: Set<(r: InvokeResult) => void>;
  /** Set once the process has exited: the error its invocations got. */
  exited?: InvocationError;
  /** Set by lost(): ends the process if it has not exited by then. */
  doomed?: NodeJS.Timeout;
}

/**
 * One warm instance of a function: a child process started on the first invocation (the cold
 * start) and reused after. A crash or a timeout ends it; the next invocation starts a new one.
 * A retired instance (its function got new code, see FcEmulator.replaceCode) stops as soon as it
 * has no invocation in flight.
 */
export class FunctionInstance {
  private proc?: RuntimeProcess;
  private ready?: Promise<RuntimeProcess>;
  /** Invocations from invoke() to their result, including those still waiting for the cold start. */
  private inFlight = 0;
  /** Set by retire(): settles once the instance has stopped. */
  private retirement?: Promise<void>;
  /** Set by retire() while invocations are in flight: called when the last one ends. */
  private drained?: () => void;
  /** Time the last cold start spent loading the code (ms), for benchmarks. */
  lastLoadMs?: number;
  /**
   * Time the last cold start took from fork to the runtime's 'ready' (ms): the process's start
   * (node, and the runtime's HTTP server, as in FC) plus lastLoadMs. For benchmarks.
   */
  lastStartMs?: number;
  /** What the last cold start's runtime said of its V8 code cache ('ready' message's `codeCache`), when it says anything. */
  lastCodeCache?: unknown;
  coldStarts = 0;

  constructor(
    readonly spec: FunctionSpec,
    private readonly onLog: (line: string) => void,
    private readonly onWarning: (warning: ProcessWarning) => void = () => undefined,
  ) {}

  /** The running process's id (undefined while no process runs), so a benchmark can read its memory from /proc. */
  get pid(): number | undefined {
    return this.proc?.child.pid;
  }

  async invoke(req: InvokeRequest): Promise<InvokeResult> {
    this.inFlight++;
    try {
      return await this.run(req);
    } finally {
      if (--this.inFlight === 0 && this.retirement) {
        const drained = this.drained;
        this.drained = undefined;
        if (drained) drained();
        else void this.stop();
      }
    }
  }

  /**
   * Takes the instance out of service: it finishes the invocations in flight, then stops. Resolves
   * once it has stopped. Used when the function gets new code, as FC lets an old instance finish
   * its requests after UpdateFunction while new requests go to instances of the new code.
   */
  retire(): Promise<void> {
    this.retirement ??=
      this.inFlight === 0
        ? this.stop()
        : new Promise((resolve) => {
            this.drained = () => void this.stop().then(resolve);
          });
    return this.retirement;
  }

  private async run(req: InvokeRequest): Promise<InvokeResult> {
    let proc: RuntimeProcess;
    try {
      proc = await this.start();
    } catch (e) {
      return { ok: false, error: e as InvocationError };
    }
    // Ended between its 'ready' and now (stop(), a crash): what its invocations got.
    if (proc.exited) return { ok: false, error: proc.exited };
    return new Promise<InvokeResult>((resolve) => {
      const settle = (r: InvokeResult) => {
        // One outcome per invocation: whichever comes first of the answer, the timeout, the exit.
        if (!proc.pending.delete(settle)) return;
        clearTimeout(timer);
        resolve(r);
      };
      proc.pending.add(settle);
      const timer = setTimeout(() => {
        settle({
          ok: false,
          error: { errorMessage: `Function timed out after ${this.spec.timeoutSeconds} seconds`, errorType: 'FunctionTimeout', stackTrace: [] },
        });
        // FC ends an instance that overruns its timeout; so do we.
        void this.end(proc);
      }, this.spec.timeoutSeconds * 1000);
      this.post(proc, req, settle);
    });
  }

  /** The invocation as runtime.js's protocol has it: `POST /invoke`, the body as is, the context in x-fc-* headers. */
  private post(proc: RuntimeProcess, req: InvokeRequest, settle: (r: InvokeResult) => void): void {
    const body = (req.kind === 'http' ? req.request?.body : req.event) ?? Buffer.alloc(0);
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/octet-stream', 'content-length': body.length };
    for (const [object, field, header] of CONTEXT_HEADERS) {
      const value = (object ? (req.context as Record<string, any>)[object] : req.context)?.[field];
      if (value !== undefined) headers[header] = String(value);
    }
    if (req.kind === 'http' && req.request) {
      const { body: _body, ...params } = req.request;
      headers['x-fc-http-params'] = Buffer.from(JSON.stringify(params)).toString('base64');
    }
    const lost = () => this.lost(proc);
    let request: http.ClientRequest;
    try {
      request = http.request(
        { agent: proc.agent, host: '127.0.0.1', port: proc.port, method: 'POST', path: '/invoke', headers, maxHeaderSize: MAX_ANSWER_HEADER_BYTES },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => settle(answer(res, Buffer.concat(chunks))));
          res.on('error', lost);
        },
      );
    } catch (e) {
      // A header value Node will not send (a control character in a context field): nothing was sent.
      settle({ ok: false, error: { errorMessage: (e as Error).message, errorType: (e as Error).name, stackTrace: [] } });
      return;
    }
    request.on('error', lost);
    request.end(body);
  }

  /**
   * A connection to the runtime failed mid-invocation. That is what a process's death looks like
   * from here (a crash, or end() after a timeout or stop()), and the socket may tell before the
   * process's 'exit' does: so a lost connection is no outcome. The 'exit' handler settles every
   * invocation the process had, with the same error as ever. Should the process still run after
   * LOST_WAIT_MS (a connection lost, not the process), it is ended, which comes to the same.
   */
  private lost(proc: RuntimeProcess): void {
    if (proc.exited || proc.doomed) return;
    proc.doomed = setTimeout(() => void this.end(proc), LOST_WAIT_MS);
  }

  private start(): Promise<RuntimeProcess> {
    if (this.ready) return this.ready;
    this.coldStarts++;
    const forkedAt = performance.now();
    const child = fork(RUNTIME, [], {
      // Only what FC would set: the template's environment and the runtime's own variables.
      env: {
        ...this.spec.environment,
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        FC_FUNC_CODE_PATH: this.spec.codeDir,
        FC_SERVICE_NAME: this.spec.serviceName,
        FC_FUNCTION_NAME: this.spec.functionName,
        FC_FUNCTION_MEMORY_SIZE: String(this.spec.memoryMB),
        LOCAL_FC_CODE_DIR: this.spec.codeDir,
        LOCAL_FC_HANDLER: this.spec.handler,
      },
      cwd: this.spec.codeDir,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // node's flags as FC's runtime start script sets them (lib/fc-runtime.ts).
      execArgv: fcNodeFlags(this.spec.memoryMB),
    });
    const proc: RuntimeProcess = { child, agent: new http.Agent({ keepAlive: true, maxSockets: Infinity }), port: 0, pending: new Set() };
    this.proc = proc;
    for (const stream of [child.stdout!, child.stderr!]) readline.createInterface({ input: stream }).on('line', this.onLog);
    this.ready = new Promise<RuntimeProcess>((resolve, reject) => {
      // Control stays on IPC (runtime.js); invocations go over HTTP (post()).
      child.on('message', (msg: { type: string; port?: number; loadMs?: number; codeCache?: unknown; error?: InvocationError; warning?: ProcessWarning }) => {
        if (msg.type === 'warning' && msg.warning) {
          this.onWarning(msg.warning);
        } else if (msg.type === 'ready' && msg.port) {
          proc.port = msg.port;
          this.lastLoadMs = msg.loadMs;
          this.lastStartMs = performance.now() - forkedAt;
          if (msg.codeCache !== undefined) this.lastCodeCache = msg.codeCache;
          resolve(proc);
        } else if (msg.type === 'initError') {
          reject(msg.error);
        }
      });
      child.on('exit', (code, signal) => {
        const error = { errorMessage: `Process exited unexpectedly (code ${code}, signal ${signal})`, errorType: 'ProcessExited', stackTrace: [] };
        proc.exited = error;
        clearTimeout(proc.doomed);
        proc.agent.destroy();
        reject(error);
        for (const settle of [...proc.pending]) settle({ ok: false, error });
        if (this.proc === proc) {
          this.proc = undefined;
          this.ready = undefined;
        }
      });
    });
    // A failed start must not stay cached: the next invocation tries again.
    this.ready.catch(() => undefined);
    return this.ready;
  }

  /**
   * Ends the instance (the next invocation is a cold start). Resolves once the process has
   * exited, or after `STOP_WAIT_MS` at the latest: stopping the local cloud must not hang on it.
   */
  stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    this.ready = undefined;
    return proc ? this.end(proc) : Promise.resolve();
  }

  /** Ends one process of the instance: its connections at once, the process by SIGKILL (its 'exit' settles what it had in flight). */
  private end(proc: RuntimeProcess): Promise<void> {
    if (this.proc === proc) {
      this.proc = undefined;
      this.ready = undefined;
    }
    proc.agent.destroy();
    const child = proc.child;
    // A child ended by a signal (Ctrl-C reaches the whole process group) has a signalCode and no exitCode.
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, STOP_WAIT_MS);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGKILL');
    });
  }
}

/** The runtime's answer (runtime.js's protocol) as an InvokeResult. */
function answer(res: http.IncomingMessage, body: Buffer): InvokeResult {
  try {
    if (res.statusCode === 200) {
      const trigger = res.headers['x-fc-http-response'];
      if (typeof trigger !== 'string')
        return { ok: true, body, json: res.headers['content-type'] === 'application/json', status: undefined, headers: undefined };
      const { status, headers } = JSON.parse(Buffer.from(trigger, 'base64').toString());
      return { ok: true, body, json: undefined, status, headers };
    }
    if (res.statusCode === 500) return { ok: false, error: JSON.parse(body.toString()) };
  } catch {
    // Not the protocol: below.
  }
  return {
    ok: false,
    error: { errorMessage: `the local runtime answered ${res.statusCode}: ${body.toString().slice(0, 200)}`, errorType: 'RuntimeError', stackTrace: [] },
  };
}
