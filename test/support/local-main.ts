import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** `npm start` and local/main.ts as child processes, for the tests of how it starts and stops. */
const ROOT = path.resolve(__dirname, '..', '..');
const TS_NODE = require.resolve('ts-node/dist/bin.js');

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Run {
  child: ChildProcess;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stateDir: string;
}

/** Every run started, for the test's afterEach to stop. */
export const started: Run[] = [];

/** Environment without npm's own variables (jest may itself run under `npm test`). */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  return { ...env, PORT: '0', ...extra };
}

/** Starts `npm start` or local/main.ts directly, in its own process group (so a failed test can still clean up). */
export function start(
  how: 'npm' | 'main',
  args: string[] = [],
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-main-')),
  env: Record<string, string> = {},
): Run {
  const [cmd, argv] =
    how === 'npm' ? ['npm', ['start', ...(args.length ? ['--', ...args] : [])]] : [process.execPath, [TS_NODE, '--transpile-only', 'local/main.ts', ...args]];
  const child = spawn(cmd, argv, { cwd: ROOT, env: cleanEnv({ LOCAL_STATE_DIR: stateDir, ...env }), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const run = { child, output: () => out, exit, stateDir };
  started.push(run);
  return run;
}

export async function ready(run: Run, timeoutMs = 90_000): Promise<{ endpoint: string; SessionUrl: string; authCodeUrl: string } & Record<string, string>> {
  const until = Date.now() + timeoutMs;
  while (!/local cloud ready in/.test(run.output())) {
    if (run.child.exitCode !== null || run.child.signalCode !== null) throw new Error(`exited before ready:\n${run.output()}`);
    if (Date.now() > until) throw new Error(`not ready after ${timeoutMs} ms:\n${run.output()}`);
    await sleep(100);
  }
  // The client configuration main.ts prints as JSON just before the ready line.
  return JSON.parse(/^\{$[\s\S]*?^\}$/m.exec(run.output())![0]);
}
