import * as path from 'node:path';
import { LocalCloud } from './cloud';
import { demoRoute } from './demo';
import { RosError } from './ros/errors';

/**
 * `npm start`: the synthesized stack on this machine. Prints the client configuration, keeps
 * state under .local/, logs one line per request. Stops on SIGINT (Ctrl-C), SIGTERM and SIGHUP
 * (what IDEs, process managers and a closing terminal send), and when whatever started it is gone.
 */
const USAGE = `usage: npm start [-- --reset]
       ts-node --transpile-only local/main.ts [--reset] [--help]

Runs the synthesized stack (cdk.out) on 127.0.0.1: FC, Tablestore, STS and the Alipay gateway.

options:
  --reset   start with empty tables, discarding the data saved in the state dir
  --help    print this help and exit

environment:
  PORT=9000         the FC API port; the HTTP triggers' root URLs get the next ports: session
                    PORT+1, notify PORT+2 (0: any free ports)
  LOCAL_STATE_DIR   keys, table data and outputs.json (default .local/)
  LOCAL_VERBOSE=1   also log the emulators' own request lines (Tablestore, STS, Alipay)

Stops, with its function instances, on SIGINT, SIGTERM or SIGHUP, and when npm (or whatever
started it) exits.
`;

/** Longest a stop may take before the process exits anyway (the whole stop must fit in 5 s). */
const STOP_DEADLINE_MS = 3000;
/** How often the process checks that whatever started it is still there. */
const PARENT_POLL_MS = 250;

const verbose = process.env.LOCAL_VERBOSE === '1';

/** The command line, or an exit: 0 after --help, 2 for anything it does not know. */
function parseArgs(args: string[]): { reset: boolean } {
  let reset = false;
  for (const arg of args) {
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else if (arg === '--reset') {
      reset = true;
    } else {
      process.stderr.write(`local/main.ts: unknown argument '${arg}'\n\n${USAGE}`);
      process.exit(2);
    }
  }
  return { reset };
}

/**
 * One line per request: each function's own JSON request line, plus FC's line for requests it
 * refused before any function ran. Emulator internals (Tablestore, STS, Alipay) only with LOCAL_VERBOSE=1.
 */
function isRequestLine(line: string): boolean {
  let parsed: { service?: string; code?: string };
  try {
    parsed = JSON.parse(line);
  } catch {
    return true; // a function's own plain output
  }
  if (parsed.service === 'fc') return parsed.code !== undefined;
  return parsed.service === undefined;
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

async function main(): Promise<void> {
  const { reset } = parseArgs(process.argv.slice(2));
  // A closed terminal or pipe must not turn a clean stop into a crash on the last log line.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

  const root = path.resolve(__dirname, '..');
  const stateDir = path.resolve(root, process.env.LOCAL_STATE_DIR ?? '.local');
  const startedAt = Date.now();
  const port = Number(process.env.PORT ?? 9000);
  // The demo's config route reads the outputs at request time, once the cloud has started.
  let cloud: LocalCloud | undefined;
  const starting = LocalCloud.start({
    outdir: path.join(root, 'cdk.out'),
    stateDir,
    reset,
    port,
    // The triggers' root URLs (SessionUrl, NotifyUrl, as on fcapp.run) get the next ports: stable from run to run.
    triggerPort: port ? port + 1 : 0,
    // The reconcile timer runs every minute, as deployed.
    runTimers: true,
    log: (line) => {
      if (verbose || isRequestLine(line)) process.stdout.write(`${line}\n`);
    },
    fcExtraRoute: demoRoute(root, () => cloud?.config),
  });

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
    starting.then(
      (c) => c.stop(),
      () => undefined, // start-up failed: main() reports it
    ).then(() => process.exit(0), () => process.exit(1));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
  watchStarter(() => stop('parent process exited'));

  cloud = await starting;
  if (stopping) return;
  process.stdout.write(`${JSON.stringify(cloud.config, null, 2)}\n`);
  process.stdout.write(
    `local cloud ready in ${Date.now() - startedAt} ms: ${cloud.config.endpoint} (config in ${path.relative(process.cwd(), path.join(stateDir, 'outputs.json'))})\n`,
  );
  process.stdout.write(`demo todo app: ${cloud.config.endpoint}/demo/\n`);
}

main().catch((e) => {
  // A template ROS would refuse fails here with ROS's kind of message (StackValidationFailed / CREATE_FAILED).
  const message = e instanceof RosError ? e.toString() : e instanceof Error ? e.message : String(e);
  process.stderr.write(`local cloud failed to start: ${message}\n`);
  process.exit(1);
});
