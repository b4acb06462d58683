import { ChildProcess, fork } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { fcNodeFlags } from '../../lib/fc-runtime';
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
  context: Record<string, unknown>;
}

const RUNTIME = path.join(__dirname, 'runtime.js');
/** SIGKILL ends a process at once; the wait is only for the exit to be reported. */
const STOP_WAIT_MS = 2000;

/**
 * One warm instance of a function: a child process started on the first invocation (the cold
 * start) and reused after. A crash or a timeout ends it; the next invocation starts a new one.
 * A retired instance (its function got new code, see FcEmulator.replaceCode) stops as soon as it
 * has no invocation in flight.
 */
export class FunctionInstance {
  private child?: ChildProcess;
  private ready?: Promise<void>;
  private nextId = 1;
  private readonly pending = new Map<number, (r: InvokeResult) => void>();
  /** Invocations from invoke() to their result, including those still waiting for the cold start. */
  private inFlight = 0;
  /** Set by retire(): settles once the instance has stopped. */
  private retirement?: Promise<void>;
  /** Set by retire() while invocations are in flight: called when the last one ends. */
  private drained?: () => void;
  /** Time the last cold start spent loading the code (ms), for benchmarks. */
  lastLoadMs?: number;
  /** Time the last cold start took from fork to the runtime's 'ready' (ms): the process's start plus lastLoadMs. For benchmarks. */
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
    return this.child?.pid;
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
    try {
      await this.start();
    } catch (e) {
      return { ok: false, error: e as InvocationError };
    }
    const child = this.child!;
    const id = this.nextId++;
    return new Promise<InvokeResult>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        // FC ends an instance that overruns its timeout; so do we.
        this.stop();
        resolve({
          ok: false,
          error: { errorMessage: `Function timed out after ${this.spec.timeoutSeconds} seconds`, errorType: 'FunctionTimeout', stackTrace: [] },
        });
      }, this.spec.timeoutSeconds * 1000);
      this.pending.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      child.send({
        type: 'invoke',
        id,
        kind: req.kind,
        context: req.context,
        event: req.event?.toString('base64'),
        request: req.request && { ...req.request, body: req.request.body.toString('base64') },
      });
    });
  }

  private start(): Promise<void> {
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
    this.child = child;
    for (const stream of [child.stdout!, child.stderr!]) readline.createInterface({ input: stream }).on('line', this.onLog);
    this.ready = new Promise<void>((resolve, reject) => {
      child.on('message', (msg: { type: string; id?: number; loadMs?: number; error?: InvocationError; warning?: ProcessWarning } & InvokeResult) => {
        if (msg.type === 'warning' && msg.warning) {
          this.onWarning(msg.warning);
        } else if (msg.type === 'ready') {
          this.lastLoadMs = msg.loadMs;
          this.lastStartMs = performance.now() - forkedAt;
          const { codeCache } = msg as { codeCache?: unknown };
          if (codeCache !== undefined) this.lastCodeCache = codeCache;
          resolve();
        } else if (msg.type === 'initError') {
          reject(msg.error);
        } else if (msg.type === 'result' && msg.id !== undefined) {
          const done = this.pending.get(msg.id);
          this.pending.delete(msg.id);
          if (!done) return;
          if (!msg.ok) done({ ok: false, error: msg.error });
          else {
            const m = msg as unknown as { body: string; json?: boolean; status?: number; headers?: Record<string, string> };
            done({ ok: true, body: Buffer.from(m.body, 'base64'), json: m.json, status: m.status, headers: m.headers });
          }
        }
      });
      child.on('exit', (code, signal) => {
        const error = { errorMessage: `Process exited unexpectedly (code ${code}, signal ${signal})`, errorType: 'ProcessExited', stackTrace: [] };
        reject(error);
        for (const done of this.pending.values()) done({ ok: false, error });
        this.pending.clear();
        if (this.child === child) {
          this.child = undefined;
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
    const child = this.child;
    this.child = undefined;
    this.ready = undefined;
    // A child ended by a signal (Ctrl-C reaches the whole process group) has a signalCode and no exitCode.
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
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
