import * as path from 'node:path';
import { LocalCloud } from './cloud';
import { withHost } from './host';
import { localPages } from './pages';
import { type FunctionWatcher, watchFunctions } from './watch';
import { RosError } from './ros/errors';

/**
 * `npm start`: the synthesized stack on this machine. Prints the client configuration, keeps
 * state under .local/, logs one line per request. Stops on SIGINT (Ctrl-C), SIGTERM and SIGHUP
 * (what IDEs, process managers and a closing terminal send), and when whatever started it is gone.
 */
const USAGE = `usage: npm start [-- options]
       ts-node --transpile-only local/main.ts [options]

Runs the synthesized stack (cdk.out) on this machine: FC, Tablestore, STS and the Alipay gateway.

options:
  --port N         the FC API port (default 9000, or PORT); the HTTP triggers' root URLs get the
                   next ports: session N+1, notify N+2. 0: any free ports
  --host H         the address to listen on (default 127.0.0.1). --host 0.0.0.0 lets a phone or
                   the mini-program IDE on your network reach it; the config then names this
                   machine's LAN address
  --state-dir DIR  keys, table data, trades and outputs.json (default .local/, or LOCAL_STATE_DIR)
  --in-memory      keep nothing on disk: fresh keys and empty tables, gone when it stops
  --reset          start with empty tables, discarding the data saved in the state dir
  --seed FILE      upsert the rows of FILE (an npm run local:export file, e.g. demo/seed.jsonl)
                   into the tables before serving
  --watch          reload a function in place when its code in lambda/ or catalog.json
                   changes (re-synthesizes; tables and sessions stay)
  --help           print this help and exit

environment:
  PORT, LOCAL_STATE_DIR   defaults for --port and --state-dir
  LOCAL_VERBOSE=1         also log the emulators' own request lines (Tablestore, STS, Alipay)

Stops, with its function instances, on SIGINT, SIGTERM or SIGHUP, and when npm (or whatever
started it) exits.
`;

/** Longest a stop may take before the process exits anyway (the whole stop must fit in 5 s). */
const STOP_DEADLINE_MS = 3000;
/** How often the process checks that whatever started it is still there. */
const PARENT_POLL_MS = 250;
/** The FC API port when neither --port nor PORT says. */
const DEFAULT_PORT = 9000;
/** Ports above the API port that the HTTP triggers take (session, notify). */
const TRIGGER_PORTS = 2;

const verbose = process.env.LOCAL_VERBOSE === '1';

interface StartOptions {
  port: number;
  host: string;
  /** undefined with --in-memory. */
  stateDir?: string;
  reset: boolean;
  seed?: string;
  watch: boolean;
}

/** Exits with status 2 and the usage after a message about the command line. */
function usageError(message: string): never {
  process.stderr.write(`npm start: ${message}\n\n${USAGE}`);
  process.exit(2);
}

/** A port from the command line or PORT: the triggers need the next ports too, so N + 2 must be a port. */
function parsePort(value: string, from: string): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (port === 0 || (port >= 1 && port + TRIGGER_PORTS <= 65535)) return port;
  usageError(
    `${from} '${value}' is not a port: give an integer from 1 to ${65535 - TRIGGER_PORTS} (the triggers take the next ${TRIGGER_PORTS}), or 0 for any free ports`,
  );
}

/** The command line, or an exit: 0 after --help, 2 for anything it does not know. */
function parseArgs(args: string[], root: string): StartOptions {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const [arg, inline] =
      args[i].startsWith('--') && args[i].includes('=')
        ? [args[i].slice(0, args[i].indexOf('=')), args[i].slice(args[i].indexOf('=') + 1)]
        : [args[i], undefined];
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else if (['--port', '--host', '--state-dir', '--seed'].includes(arg)) {
      const value = inline ?? args[++i];
      if (value === undefined || value === '') usageError(`${arg} needs a value`);
      values.set(arg, value);
    } else if (['--in-memory', '--reset', '--watch'].includes(arg) && inline === undefined) {
      flags.add(arg);
    } else {
      usageError(`unknown argument '${args[i]}'`);
    }
  }
  if (flags.has('--in-memory') && (values.has('--state-dir') || flags.has('--reset'))) {
    usageError(`--in-memory keeps no state dir, so it takes neither --state-dir nor --reset`);
  }
  const portValue = values.get('--port') ?? process.env.PORT;
  return {
    port: portValue === undefined ? DEFAULT_PORT : parsePort(portValue, values.has('--port') ? '--port' : 'PORT'),
    host: values.get('--host') ?? '127.0.0.1',
    // A relative --state-dir is the user's: npm runs scripts in the package root but keeps where it was started in INIT_CWD.
    stateDir: flags.has('--in-memory')
      ? undefined
      : path.resolve(process.env.INIT_CWD ?? process.cwd(), values.get('--state-dir') ?? process.env.LOCAL_STATE_DIR ?? path.join(root, '.local')),
    reset: flags.has('--reset'),
    watch: flags.has('--watch'),
    seed: values.has('--seed') ? path.resolve(process.env.INIT_CWD ?? process.cwd(), values.get('--seed')!) : undefined,
  };
}

/** Why listening failed, with the flag that fixes it. */
function listenFailure(e: NodeJS.ErrnoException & { port?: number; address?: string }, opts: StartOptions): string | undefined {
  if (e.code === 'EADDRINUSE') {
    const which = e.port === opts.port ? 'the FC API port' : `a trigger's port: the API port + ${(e.port ?? 0) - opts.port}`;
    return `port ${e.port} is in use (${which}), perhaps by another npm start: choose other ports with --port N (or PORT=N), e.g. npm start -- --port ${opts.port + 100}`;
  }
  if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') {
    return `cannot listen on host '${opts.host}' (${e.code}): give --host an address of this machine, such as 127.0.0.1 or 0.0.0.0`;
  }
  if (e.code === 'EACCES') return `not allowed to listen on port ${e.port}: choose a port above 1023 with --port N`;
  return undefined;
}

/**
 * What `npm start` prints of a log line: each function's own JSON request line, FC's line for
 * requests it refused before any function ran, and a function's process warning (which local FC
 * reports once per run, not per request) as one readable line. Emulator internals (Tablestore,
 * STS, Alipay) only with LOCAL_VERBOSE=1.
 */
function shownLine(line: string): string | undefined {
  let parsed: { service?: string; code?: string; kind?: string; function?: string; message?: string };
  try {
    parsed = JSON.parse(line);
  } catch {
    return line; // a function's own plain output
  }
  if (parsed.service === 'fc' && parsed.kind === 'warning') return `warning (${parsed.function}): ${parsed.code ? `${parsed.code} ` : ''}${parsed.message}`;
  if (verbose) return line;
  if (parsed.service === 'fc') return parsed.code !== undefined ? line : undefined;
  return parsed.service === undefined ? line : undefined;
}

/**
 * Calls `onGone` once whatever started this process has exited (this process is then re-parented).
 * npm forwards SIGINT and SIGTERM to the script (its `exec` makes this process the script), but
 * npm itself dies of SIGHUP or SIGKILL without passing anything on.
 */
function watchStarter(onGone: () => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onGone();
    }
  }, PARENT_POLL_MS);
  timer.unref();
}

async function main(root: string, options: StartOptions): Promise<void> {
  // A closed terminal or pipe must not turn a clean stop into a crash on the last log line.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

  const { port, host, stateDir, reset, seed } = options;
  const startedAt = Date.now();
  // The console and the demo's config route read the cloud at request time, once it has started.
  let cloud: LocalCloud | undefined;
  const starting = LocalCloud.start({
    outdir: path.join(root, 'cdk.out'),
    stateDir,
    reset,
    seed,
    port,
    host,
    // The triggers' root URLs (SessionUrl, NotifyUrl, as on fcapp.run) get the next ports: stable from run to run.
    triggerPort: port ? port + 1 : 0,
    // The reconcile timer runs every minute, as deployed.
    runTimers: true,
    log: (line) => {
      const shown = shownLine(line);
      if (shown !== undefined) process.stdout.write(`${shown}\n`);
    },
    fcExtraRoute: localPages(
      root,
      () => cloud,
      (line) => process.stdout.write(`${JSON.stringify(line)}\n`),
    ),
  });

  let watcher: FunctionWatcher | undefined;
  // Installed before the cloud is up, so a signal during start-up stops it too.
  let stopping = false;
  const stop = (reason: string): void => {
    // Signals come in pairs (Ctrl-C reaches us from the terminal and again through npm), and the
    // shell npm ran may die of the same signal: one stop, bounded by its deadline, serves them all.
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${reason}: stopping\n`);
    setTimeout(() => {
      process.stderr.write(`local cloud did not stop within ${STOP_DEADLINE_MS} ms; exiting anyway\n`);
      process.exit(1);
    }, STOP_DEADLINE_MS);
    starting
      .then(
        (c) => Promise.all([watcher?.close(), c.stop()]),
        () => undefined, // start-up failed: main() reports it
      )
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
  watchStarter(() => stop('parent process exited'));

  cloud = await starting;
  if (stopping) return;
  process.stdout.write(`${JSON.stringify(cloud.config, null, 2)}\n`);
  const where = stateDir ? `config in ${path.relative(process.cwd(), path.join(stateDir, 'outputs.json'))}` : 'in memory: nothing is kept';
  process.stdout.write(`local cloud ready in ${Date.now() - startedAt} ms: ${cloud.config.endpoint} (${where})\n`);
  process.stdout.write(`demo todo app: ${cloud.config.endpoint}/demo/\n`);
  // The console answers this machine only (local/console/access.ts), so it is named on loopback.
  process.stdout.write(`local console: ${withHost(cloud.config.endpoint, '127.0.0.1')}/_local/\n`);
  if (options.watch) {
    watcher = watchFunctions({ root, cloud, log: (line) => process.stdout.write(`${line}\n`) });
    process.stdout.write(`watching lambda/ and catalog.json: a change reloads its function in place\n`);
  }
}

const root = path.resolve(__dirname, '..');
const options = parseArgs(process.argv.slice(2), root);
main(root, options).catch((e) => {
  // A template ROS would refuse fails here with ROS's kind of message (StackValidationFailed / CREATE_FAILED).
  const message = e instanceof RosError ? e.toString() : (listenFailure(e, options) ?? (e instanceof Error ? e.message : String(e)));
  process.stderr.write(`local cloud failed to start: ${message}\n`);
  process.exit(1);
});
