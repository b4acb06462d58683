import * as path from 'node:path';
import { LocalCloud } from './cloud';

/**
 * `npm start`: the synthesized stack on this machine. Prints the client configuration, keeps
 * state under .local/, logs one line per request, stops on Ctrl-C or SIGTERM.
 */
async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const startedAt = Date.now();
  const cloud = await LocalCloud.start({
    outdir: path.join(root, 'cdk.out'),
    stateDir: path.join(root, '.local'),
    port: Number(process.env.PORT ?? 9000),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(cloud.config, null, 2)}\n`);
  process.stdout.write(`local cloud ready in ${Date.now() - startedAt} ms: ${cloud.config.endpoint} (config in .local/outputs.json)\n`);
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
  process.stderr.write(`local cloud failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
