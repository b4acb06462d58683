import * as fs from 'node:fs';
import { CDK_OUT, parseArgs, shown, stateDirOf, usageError } from './data/cli';
import { describeCounts, exportTables, stackTables, type TableExport } from './data';

/**
 * `npm run local:export -- [FILE]`: the local cloud's tables as JSON Lines (local/data/format.ts),
 * to FILE or standard output. Only reads the state dir, so it works while npm start runs.
 */
const USAGE = `usage: npm run local:export -- [FILE] [options]
       ts-node --transpile-only local/export.ts [FILE] [options]

Writes the local cloud's tables (the state dir's tablestore.jsonl) as JSON Lines: a header, then
one row per line, sorted by table and primary key (the format: local/data/format.ts). FILE - or
none: standard output. It only reads the state dir, so it works while npm start runs.

options:
  --state-dir DIR     the state dir (default: $LOCAL_STATE_DIR, else .local/)
  --include-sessions  also export the sessions table: live sessions, which expire within days and,
                      imported elsewhere, let the clients holding their ids in there too. Keep
                      such a file to yourself; never commit or share it
  --table NAME        only this table (repeatable; naming sessions exports it too)
  --help              print this help and exit

exit status: 0 written, 1 not (the message says why), 2 bad arguments
`;

const COMMAND = 'local:export';
const CHUNK_CHARS = 1 << 20;

/** The lines in chunks of about a megabyte: never the whole file as one string. */
function* chunks(lines: Iterable<string>): Generator<string> {
  let pending: string[] = [];
  let size = 0;
  for (const line of lines) {
    pending.push(line);
    size += line.length;
    if (size >= CHUNK_CHARS) {
      yield pending.join('');
      pending = [];
      size = 0;
    }
  }
  if (pending.length > 0) yield pending.join('');
}

/** Written beside the target, fsynced and renamed over it: a failed export never leaves half a file. */
function writeFile(file: string, data: TableExport): void {
  const temp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(temp, 'w');
  try {
    for (const chunk of chunks(data.lines())) fs.writeSync(fd, chunk);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(temp, file);
}

async function writeStdout(data: TableExport): Promise<void> {
  for (const chunk of chunks(data.lines())) {
    if (!process.stdout.write(chunk)) await new Promise((resolve) => process.stdout.once('drain', resolve));
  }
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
}

async function main(): Promise<void> {
  const fail = (message: string): never => usageError(COMMAND, message, USAGE);
  const args = parseArgs(process.argv.slice(2), { flags: ['--help', '-h', '--include-sessions'], values: ['--state-dir', '--table'] }, fail);
  if (args.flags.has('--help') || args.flags.has('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  if (args.positional.length > 1) fail(`one FILE at most; got ${args.positional.join(' ')}`);
  if ((args.values.get('--state-dir') ?? []).length > 1) fail('--state-dir given twice');
  const file = args.positional[0] ?? '-';
  const stateDir = stateDirOf(args.values.get('--state-dir')?.[0]);

  const data = exportTables(stateDir, {
    stack: stackTables(CDK_OUT),
    includeSessions: args.flags.has('--include-sessions'),
    only: args.values.get('--table'),
  });
  if (file === '-') await writeStdout(data);
  else writeFile(file, data);

  const rows = data.tables.reduce((n, t) => n + t.rows, 0);
  const leftOut = data.leftOut.map((l) => `${l.table} (${l.reason})`).join('; ');
  process.stderr.write(
    `${COMMAND}: exported ${rows} row${rows === 1 ? '' : 's'} (${describeCounts(data.tables)}) from ${shown(stateDir)} to ${file === '-' ? 'standard output' : shown(file)}` +
      `${leftOut ? `; left out: ${leftOut}` : ''}\n`,
  );
}

// A reader that stops early (| head) closes the pipe: that ends the export, without a stack trace.
process.stdout.on('error', () => process.exit(1));
main().catch((e) => {
  process.stderr.write(`${COMMAND}: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
