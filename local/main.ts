import * as path from 'node:path';
import { LocalCloud } from './cloud';
import { demoRoute } from './demo';
import { RosError } from './ros/errors';

/**
 * `npm start`: the synthesized stack on this machine. Prints the client configuration, keeps
 * state under .local/, logs one line per request, stops on Ctrl-C or SIGTERM.
 */
const verbose = process.env.LOCAL_VERBOSE === '1';

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

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const startedAt = Date.now();
  const port = Number(process.env.PORT ?? 9000);
  // The demo's config route reads the outputs at request time, once the cloud has started.
  let cloud: LocalCloud | undefined;
  cloud = await LocalCloud.start({
    outdir: path.join(root, 'cdk.out'),
    stateDir: path.join(root, '.local'),
    port,
    // The session trigger's root URL (SessionUrl, as on fcapp.run) gets the next port: stable from run to run.
    triggerPort: port ? port + 1 : 0,
    log: (line) => {
      if (verbose || isRequestLine(line)) process.stdout.write(`${line}\n`);
    },
    fcExtraRoute: demoRoute(root, () => cloud?.config),
  });
  process.stdout.write(`${JSON.stringify(cloud.config, null, 2)}\n`);
  process.stdout.write(`local cloud ready in ${Date.now() - startedAt} ms: ${cloud.config.endpoint} (config in .local/outputs.json)\n`);
  process.stdout.write(`demo todo app: ${cloud.config.endpoint}/demo/\n`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping\n`);
    await cloud.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e) => {
  // A template ROS would refuse fails here with ROS's kind of message (StackValidationFailed / CREATE_FAILED).
  const message = e instanceof RosError ? e.toString() : e instanceof Error ? e.message : String(e);
  process.stderr.write(`local cloud failed to start: ${message}\n`);
  process.exit(1);
});
