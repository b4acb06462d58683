/**
 * `npm start -- --watch`: new function code without a restart. When a function's source changes,
 * the app is synthesized again, exactly as `npm run synth` does, and the new template is deployed
 * to the local ROS with the running cloud's parameter values. A function whose code asset changed,
 * and nothing else, gets the new code in the local FC (FcEmulator.replaceCode): requests in flight
 * finish on the old code, the next one is a cold start of the new. Tables, sessions and keys stay
 * as they are.
 *
 * local/ reads the synthesized template, never lib/: what runs after a reload is what a deploy of
 * the same sources would run. Anything else the new template changes (a function's environment,
 * handler, runtime, timeout or memory; a trigger, a table, a role, an output) is not applied: the
 * emulators were built from the old template, and applying half of a change would run a stack no
 * template describes. The reload line says which changes wait for a restart.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, type LocalCloud } from './cloud';
import { deployStack, type DeployedResource, type DeployedStack } from './ros/deploy';
import { RosError } from './ros/errors';
import { readCloudAssembly } from './template';

export interface WatchOptions {
  /** The project root: synth runs here; `sources` and `outdir` default to paths under it. */
  root: string;
  /** The running local cloud: its deployment is what runs now; its FC gets the new code. */
  cloud: Pick<LocalCloud, 'deployment' | 'fc'>;
  /** One line per reload, and one per problem of the watcher itself. */
  log: (line: string) => void;
  /** Where synth writes the app the cloud runs (default `<root>/cdk.out`, tools/synth.ts's OUTDIR). */
  outdir?: string;
  /**
   * What is watched: directories recursively, files by name (default `<root>/lambda`, and
   * `<root>/catalog.json`, which synth compiles into the pay bundle).
   */
  sources?: string[];
  /** The synth command, run in `root` (default: tools/synth.ts under ts-node, what `npm run synth` runs, without npm's start-up). */
  synth?: { command: string; args: string[] };
  /** Quiet time after the last change before a reload starts: editors write a file several times per save. */
  debounceMs?: number;
}

export interface FunctionWatcher {
  /** Stops watching; a synth under way is killed, and the reload it was for is dropped. */
  close(): Promise<void>;
}

/** A function whose code asset changed, and nothing else about it. */
export interface CodeSwap {
  logicalId: string;
  serviceName: string;
  functionName: string;
  /** The new asset's OSS object key (`<hash>.zip`), a key of CloudAssembly.assetDirs. */
  objectKey: string;
}

export interface ReloadPlan {
  swaps: CodeSwap[];
  /** The other changes of the template, which apply only on a restart (`function pay (environment)`, `OrdersTable (TimeToLive)`). */
  restartFor: string[];
}

const DEFAULT_DEBOUNCE_MS = 200;
const FUNCTION = 'ALIYUN::FC::Function';
/** What the reload line calls a function property that changed (the rest by their template names). */
const FUNCTION_PROPERTY_NAMES: Record<string, string> = {
  EnvironmentVariables: 'environment',
  Handler: 'handler',
  Runtime: 'runtime',
  Timeout: 'timeout',
  MemorySize: 'memory',
};
/** Source files; editors' swap, backup and temporary files (`.x.swp`, `x~`, `4913`, `x___jb_tmp___`) are not. */
const SOURCE_FILE = /^[^.#].*\.(ts|tsx|mts|cts|js|mjs|cjs|json)$/;
/** How much of synth's output is kept to find its error in: its last bytes. */
const MAX_SYNTH_OUTPUT = 256 * 1024;
const MAX_ERROR_CHARS = 500;

/**
 * Watches the functions' sources and reloads the functions whose code changed, one reload at a
 * time: a change during a reload starts one more once it is done.
 */
export function watchFunctions(opts: WatchOptions): FunctionWatcher {
  const { root, cloud, log } = opts;
  const outdir = opts.outdir ?? path.join(root, 'cdk.out');
  const sources = opts.sources ?? [path.join(root, 'lambda'), path.join(root, 'catalog.json')];
  const synthCommand = opts.synth ?? { command: process.execPath, args: ['-r', 'ts-node/register/transpile-only', 'tools/synth.ts'] };
  const debounceMs = opts.debounceMs ?? DEFAULT_DEBOUNCE_MS;

  /** The deployment as it runs: the cloud's, with the code swaps applied since. */
  let running = cloud.deployment;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let reloading: Promise<void> | undefined;
  let again = false;
  let synth: Synth | undefined;

  const changed = (): void => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(start, debounceMs);
  };
  const start = (): void => {
    if (reloading) {
      again = true;
      return;
    }
    reloading = (async () => {
      do {
        again = false;
        await reloadOnce();
      } while (again && !closed);
    })().finally(() => (reloading = undefined));
  };

  async function reloadOnce(): Promise<void> {
    const startedAt = Date.now();
    const took = () => `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;
    const failed = (reason: string) => log(`reload failed in ${took()}, the old code keeps serving: ${oneLine(reason)}`);
    try {
      synth = runSynth(synthCommand, root);
      const result = await synth.done;
      synth = undefined;
      if (closed) return;
      if (!result.ok) return failed(result.error);

      let next: DeployedStack;
      let assetDirs: Map<string, string>;
      try {
        const assembly = readCloudAssembly(outdir);
        assetDirs = assembly.assetDirs;
        next = deployStack({
          template: assembly.template,
          parameters: running.parameters,
          accountId: LOCAL_ACCOUNT_ID,
          region: LOCAL_REGION,
          stackName: assembly.stackName,
        });
      } catch (e) {
        return failed(e instanceof RosError ? e.toString() : e instanceof Error ? e.message : String(e));
      }

      const plan = planReload(running, next);
      const missing = plan.swaps.filter((s) => !assetDirs.has(s.objectKey));
      if (missing.length) return failed(`the code asset of ${missing.map((s) => s.functionName).join(', ')} is not in ${outdir}`);
      for (const swap of plan.swaps) {
        // The old instance drains in the background; a request in flight may run up to its timeout.
        cloud.fc
          .replaceCode(swap.serviceName, swap.functionName, assetDirs.get(swap.objectKey)!)
          .catch((e) => log(`reload: the old ${swap.functionName} instance did not stop: ${e}`));
      }
      running = withCode(running, next, plan.swaps);
      const what = plan.swaps.length ? `reloaded ${plan.swaps.map((s) => s.functionName).join(', ')} in ${took()}` : `no function's code changed (${took()})`;
      log(plan.restartFor.length ? `${what}; restart to apply: ${plan.restartFor.join(', ')}` : what);
    } catch (e) {
      failed(e instanceof Error ? e.message : String(e));
    }
  }

  const watchers = sources.map((source) => watchSource(source, changed, (e) => log(`watch: ${source}: ${e.message}`)));

  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      for (const w of watchers) w.close();
      synth?.kill();
      await reloading;
    },
  };
}

/**
 * What reloading from `running` to `next` does: swap the code of each function whose code is all
 * that changed; list every other change, which waits for a restart. A function whose code and
 * settings both changed keeps its old code too: its new code may need its new settings.
 */
export function planReload(running: DeployedStack, next: DeployedStack): ReloadPlan {
  const swaps: CodeSwap[] = [];
  const restartFor: string[] = [];
  const before = new Map(running.resources.map((r) => [r.logicalId, r]));
  for (const r of next.resources) {
    const old = before.get(r.logicalId);
    before.delete(r.logicalId);
    if (!old || old.type !== r.type) {
      restartFor.push(`${describe(r)} (added)`);
      continue;
    }
    const props = changedProperties(old.props, r.props);
    if (r.type === FUNCTION && props.length === 1 && props[0] === 'Code') {
      swaps.push({ logicalId: r.logicalId, serviceName: r.props.ServiceName, functionName: r.props.FunctionName, objectKey: r.props.Code?.OssObjectName });
    } else if (props.length) {
      const names = r.type === FUNCTION ? props.map((p) => (p === 'Code' ? 'code' : (FUNCTION_PROPERTY_NAMES[p] ?? p))) : props;
      restartFor.push(`${describe(r)} (${names.join(', ')})`);
    }
  }
  for (const r of before.values()) restartFor.push(`${describe(r)} (removed)`);
  for (const key of changedProperties(running.outputs, next.outputs)) restartFor.push(`output ${key}`);
  return { swaps, restartFor };
}

const describe = (r: DeployedResource): string => (r.type === FUNCTION ? `function ${r.props.FunctionName}` : r.logicalId);

/** The top-level keys whose values differ, in `next`'s order (then the removed ones). */
function changedProperties(old: Record<string, unknown>, next: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(next), ...Object.keys(old)])];
  return keys.filter((k) => canonical(old[k]) !== canonical(next[k]));
}

/** JSON with object keys sorted: two resolved values are the same whatever order their keys came in. */
function canonical(value: unknown): string {
  return (
    JSON.stringify(value, (_k, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : v,
    ) ?? 'undefined'
  );
}

/** `running` with the swapped functions' Code taken from `next`: what runs after the swaps. */
function withCode(running: DeployedStack, next: DeployedStack, swaps: CodeSwap[]): DeployedStack {
  const swapped = new Map(swaps.map((s) => [s.logicalId, next.resources.find((r) => r.logicalId === s.logicalId)!.props.Code]));
  return {
    ...running,
    resources: running.resources.map((r) => (swapped.has(r.logicalId) ? { ...r, props: { ...r.props, Code: swapped.get(r.logicalId) } } : r)),
  };
}

interface Synth {
  done: Promise<{ ok: true } | { ok: false; error: string }>;
  kill(): void;
}

/**
 * Runs synth in a process group of its own (it runs cdk.json's app command through a shell), so
 * that kill() ends the whole of it, not only its first process.
 */
function runSynth(cmd: { command: string; args: string[] }, cwd: string): Synth {
  const child: ChildProcess = spawn(cmd.command, cmd.args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > MAX_SYNTH_OUTPUT) output = output.slice(-MAX_SYNTH_OUTPUT);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const done = new Promise<{ ok: true } | { ok: false; error: string }>((resolve) => {
    child.once('error', (e) => resolve({ ok: false, error: `could not run ${cmd.command}: ${e.message}` }));
    child.once('close', (code, signal) => resolve(code === 0 ? { ok: true } : { ok: false, error: synthError(output, code, signal) }));
  });
  return {
    done,
    kill() {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

/**
 * The line that says why synth failed: esbuild's `file:line:col: ERROR: …` lines (a syntax error,
 * an import that does not resolve), else synth's own `synth failed: …` (a bad cdk.json or catalog),
 * else the first thrown error's message, else the last line it printed.
 */
export function synthError(output: string, code: number | null, signal: NodeJS.Signals | null): string {
  const esbuild = [...new Set(output.match(/^\S+:\d+:\d+: ERROR: .*$/gm) ?? [])];
  if (esbuild.length) return esbuild.join('; ');
  const own = /^synth failed: .*$/m.exec(output)?.[0];
  if (own) return own;
  const thrown = /^(?:[A-Z]\w*)?Error(?: \[\w+\])?: .*$/m.exec(output)?.[0];
  if (thrown) return thrown;
  const last = output.trim().split('\n').pop()?.trim();
  return last || (signal ? `synth was killed by ${signal}` : `synth exited with code ${code}`);
}

const oneLine = (text: string): string => {
  const line = text.replace(/\s*\n\s*/g, ' ').trim();
  return line.length > MAX_ERROR_CHARS ? `${line.slice(0, MAX_ERROR_CHARS - 1)}…` : line;
};

/**
 * Calls `onChange` for each change of a source file under a directory (at any depth), or of one
 * file. Node 20's `fs.watch(dir, { recursive: true })` is not used: on Linux it watches each file's
 * inode, so it loses a file that an editor saves by renaming a new file over it (vim, Emacs,
 * JetBrains' safe write), and sees none of its later saves. A watch on a directory (inotify) sees
 * every change of its entries by name, whatever inode they have; a file is watched through its
 * directory for the same reason.
 */
function watchSource(source: string, onChange: () => void, onError: (e: Error) => void): { close(): void } {
  if (isDirectory(source)) return watchTree(source, (name) => (name === undefined || SOURCE_FILE.test(name)) && onChange(), onError);
  const name = path.basename(source);
  const watcher = fs.watch(path.dirname(source), (_event, filename) => (filename === null || String(filename) === name) && onChange());
  watcher.on('error', onError);
  return watcher;
}

/**
 * Watches `root` and every directory below it, one watch each, and calls `onChange` with the name
 * of the entry that changed; `undefined` when a directory came or went (the files a new directory
 * brings may be written before its own watch starts), or when the platform gives no name.
 */
function watchTree(root: string, onChange: (name: string | undefined) => void, onError: (e: Error) => void): { close(): void } {
  const watchers = new Map<string, fs.FSWatcher>();
  const add = (dir: string): void => {
    if (watchers.has(dir)) return;
    let watcher: fs.FSWatcher;
    try {
      watcher = fs.watch(dir, (event, filename) => {
        if (filename === null) return onChange(undefined);
        const entry = path.join(dir, String(filename));
        if (event === 'rename' && isDirectory(entry)) {
          add(entry);
          return onChange(undefined);
        }
        if (event === 'rename' && watchers.has(entry)) {
          drop(entry);
          return onChange(undefined);
        }
        onChange(path.basename(entry));
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // gone already
      throw e;
    }
    watcher.on('error', onError);
    watchers.set(dir, watcher);
    let entries: fs.Dirent[] = [];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      // removed meanwhile: its parent's watch reports it
    }
    for (const e of entries) if (e.isDirectory()) add(path.join(dir, e.name));
  };
  const drop = (dir: string): void => {
    for (const [d, w] of watchers) {
      if (d === dir || d.startsWith(`${dir}${path.sep}`)) {
        w.close();
        watchers.delete(d);
      }
    }
  };
  add(root);
  return { close: () => drop(root) };
}

/** A directory, not a link to one (a link could lead out of the sources, or round in a loop). */
const isDirectory = (p: string): boolean => fs.lstatSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
