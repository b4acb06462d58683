import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createClient, fetchTransport } from '../../client';
import { type Run, ready, sleep, start, started } from '../support/local-main';

/**
 * `npm start` as IDEs, process managers and terminals stop it: SIGTERM, SIGINT or SIGHUP sent to
 * the npm process alone (not its process group), or npm killed outright. Each run starts the local
 * cloud on free ports in a temporary state dir, starts both function instances, records the whole
 * process tree and every port it listens on, sends the signal, and then requires every one of
 * those processes gone and every port refusing connections within 5 s.
 *
 * Reads the process tree and listening sockets from /proc, so it runs on Linux only.
 */
const STOP_WITHIN_MS = 5000;

interface Proc {
  pid: number;
  ppid: number;
  state: string;
  startTime: string;
  cmdline: string;
}

function readProc(pid: number): Proc | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return { pid, state: fields[0], ppid: Number(fields[1]), startTime: fields[19], cmdline };
  } catch {
    return undefined;
  }
}

/** The process and all its descendants. */
function processTree(root: number): Proc[] {
  const all = fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => readProc(Number(d)))
    .filter((p): p is Proc => p !== undefined);
  const tree: Proc[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    const p = all.find((x) => x.pid === pid);
    if (!p) continue;
    tree.push(p);
    queue.push(...all.filter((x) => x.ppid === pid).map((x) => x.pid));
  }
  return tree;
}

/** Still running: the same process (same start time, so not a reused pid) and not a zombie. */
const alive = (p: Proc): boolean => {
  const now = readProc(p.pid);
  return now !== undefined && now.startTime === p.startTime && now.state !== 'Z';
};

/** TCP ports these processes listen on (socket inodes in /proc/<pid>/fd matched against /proc/net/tcp{,6}). */
function listeningPorts(procs: Proc[]): number[] {
  const inodes = new Set<string>();
  for (const p of procs) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${p.pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${p.pid}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      } catch {
        // fd closed meanwhile
      }
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines: string[];
    try {
      lines = fs.readFileSync(table, 'utf8').trim().split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; st 0A is LISTEN; inode is the tenth field.
      if (f[3] === '0A' && inodes.has(f[9])) ports.add(parseInt(f[1].split(':')[1], 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/** Resolves true if the connection is refused, false if something accepted it. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

/** Logs in and calls db once, so both function instances are running. */
async function useBothFunctions(config: Awaited<ReturnType<typeof ready>>): Promise<void> {
  const code = await fetch(config.authCodeUrl, { method: 'POST', body: JSON.stringify({ userId: '2088000000000123' }) });
  const client = createClient(config as never, fetchTransport(fetch));
  await client.login(((await code.json()) as { authCode: string }).authCode);
  await client.put({ id: 'signals' });
}

/** Waits until every process is gone; returns those still alive after `ms`. */
async function survivors(procs: Proc[], ms: number): Promise<Proc[]> {
  const until = Date.now() + ms;
  for (;;) {
    const left = procs.filter(alive);
    if (left.length === 0 || Date.now() > until) return left;
    await sleep(50);
  }
}

/** Starts, uses both functions, records the tree and ports, sends `signal` to `target`, and checks that all of it is gone in time. */
async function stopsWithin(how: 'npm' | 'main', signal: NodeJS.Signals, target: 'top' | 'group' = 'top'): Promise<Run> {
  const run = start(how);
  const config = await ready(run);
  await useBothFunctions(config);

  const tree = processTree(run.child.pid!);
  const main = tree.find((p) => p.cmdline.includes('local/main.ts'));
  const instances = tree.filter((p) => p.cmdline.includes('runtime.js'));
  expect(main).toBeDefined();
  expect(instances).toHaveLength(2);
  // The cloud's own ports. Each instance's runtime listens too, as FC's does, on an ephemeral port that
  // goes with its process (checked below) and that any other process may be given again at once.
  const ports = listeningPorts(tree.filter((p) => !instances.includes(p)));
  for (const url of [config.endpoint, config.SessionUrl, config.authCodeUrl]) expect(ports).toContain(Number(new URL(url).port));
  expect(ports.length).toBeGreaterThanOrEqual(5); // FC, the session trigger, Tablestore, STS, Alipay

  // 'group' is what a terminal's Ctrl-C does: the signal reaches every process of the group at once.
  process.kill(target === 'top' ? run.child.pid! : -run.child.pid!, signal);
  const left = await survivors(tree, STOP_WITHIN_MS);
  expect(left.map((p) => `${p.pid} ${p.cmdline}`)).toEqual([]);
  for (const port of ports) expect(await refused(port)).toBe(true);
  return run;
}

const linux = process.platform === 'linux';

(linux ? describe : describe.skip)('stopping the local cloud', () => {
  afterEach(async () => {
    // Whatever a failed test left running: its process group, then anything that left the group.
    for (const run of started.splice(0)) {
      const tree = run.child.pid ? processTree(run.child.pid) : [];
      try {
        process.kill(-run.child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      for (const p of tree) if (alive(p)) process.kill(p.pid, 'SIGKILL');
      fs.rmSync(run.stateDir, { recursive: true, force: true });
    }
  });

  it.each(['SIGTERM', 'SIGHUP'] as const)(
    'npm start: %s sent to npm alone stops the cloud and its function instances within 5 s and frees every port',
    async (signal) => {
      const run = await stopsWithin('npm', signal);
      expect(run.output()).toMatch(new RegExp(`(${signal}|parent process exited): stopping`));
    },
    120_000,
  );

  it('npm start: SIGINT sent to npm alone stops everything within 5 s; so does Ctrl-C (SIGINT to the whole group), with one clean stop', async () => {
    const alone = await stopsWithin('npm', 'SIGINT');
    expect(alone.output()).toMatch(/(SIGINT|parent process exited): stopping/);

    // main.ts hears Ctrl-C twice (from the terminal, and again through npm): still one stop, within its deadline.
    const ctrlC = await stopsWithin('npm', 'SIGINT', 'group');
    expect(ctrlC.output().match(/^.*: stopping$/gm)).toEqual(['SIGINT: stopping']);
    expect(ctrlC.output()).not.toMatch(/did not stop within/);
  }, 120_000);

  it('npm start: npm killed outright (SIGKILL) takes the cloud and its instances with it within 5 s', async () => {
    await stopsWithin('npm', 'SIGKILL');
  }, 120_000);

  it('local/main.ts run directly stops cleanly on each of SIGTERM, SIGINT and SIGHUP (exit 0); SIGKILLed, its instances still exit', async () => {
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
      const run = await stopsWithin('main', signal);
      expect(await run.exit).toEqual({ code: 0, signal: null });
      expect(run.output()).toContain(`${signal}: stopping`);
    }
    // No chance to stop anything: each instance sees its IPC channel close and exits by itself.
    const killed = await stopsWithin('main', 'SIGKILL');
    expect(await killed.exit).toEqual({ code: null, signal: 'SIGKILL' });
  }, 120_000);

  it('local/main.ts: --help prints the usage and exits 0; an unknown argument is refused with exit code 2', async () => {
    const help = start('main', ['--help']);
    expect(await Promise.race([help.exit, sleep(30_000).then(() => 'still running')])).toEqual({ code: 0, signal: null });
    expect(help.output()).toMatch(/usage: npm start \[-- options\]/);
    expect(help.output()).toMatch(/--reset\s+start with empty tables/);

    const wrong = start('main', ['--rest']);
    expect(await Promise.race([wrong.exit, sleep(30_000).then(() => 'still running')])).toEqual({ code: 2, signal: null });
    expect(wrong.output()).toMatch(/unknown argument '--rest'/);
    expect(wrong.output()).not.toMatch(/local cloud ready/);
  }, 120_000);

  it('local/main.ts --reset starts with empty tables: a session from the previous run is gone, and without --reset it is kept', async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-signals-'));
    const session = async (run: Run) => {
      const config = await ready(run);
      return { config };
    };
    const first = start('main', [], stateDir);
    const { config } = await session(first);
    const code = await fetch(config.authCodeUrl, { method: 'POST', body: JSON.stringify({ userId: '2088000000000124' }) });
    const client = createClient(config as never, fetchTransport(fetch));
    const { sessionId } = await client.login(((await code.json()) as { authCode: string }).authCode);
    const refresh = async (url: string) =>
      (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'refresh', sessionId }) })).status;
    first.child.kill('SIGTERM');
    await first.exit;

    const kept = start('main', [], stateDir);
    expect(await refresh((await session(kept)).config.SessionUrl)).toBe(200);
    kept.child.kill('SIGTERM');
    await kept.exit;

    const reset = start('main', ['--reset'], stateDir);
    expect(await refresh((await session(reset)).config.SessionUrl)).toBe(401);
    reset.child.kill('SIGTERM');
    await reset.exit;
  }, 120_000);
});
