import * as fs from 'node:fs';
import { CDK_OUT, parseArgs, shown, stateDirOf, usageError } from './data/cli';
import { StateDirInUseError, describeCounts, importTables, stackTables } from './data';

/**
 * `npm run local:import -- FILE`: rows from an export (local/data/format.ts) into the state dir's
 * tables, through the Tablestore emulator's own journal. All or nothing.
 */
const USAGE = `usage: npm run local:import -- FILE [options]
       ts-node --transpile-only local/import.ts FILE [options]

Writes the rows of FILE (an export, see npm run local:export; - for standard input) into the
state dir's tables. A row with the key of a stored row replaces it; other stored rows stay.
The whole file is checked against the stack's tables (cdk.out) first: on any problem, each is
listed with its line and nothing is written. Refused while npm start runs on the state dir
(both would write its journal): stop it first, or seed at start with npm start -- --seed FILE.

options:
  --replace        first empty the tables the file covers (its header's "tables")
  --state-dir DIR  the state dir (default: $LOCAL_STATE_DIR, else .local/)
  --help           print this help and exit

exit status: 0 imported; 1 not imported (a problem in the file, or another failure);
             2 bad arguments; 3 the state dir is in use (npm start is running on it)
`;

const COMMAND = 'local:import';
const EXIT_IN_USE = 3;

function main(): number {
  const fail = (message: string): never => usageError(COMMAND, message, USAGE);
  const args = parseArgs(process.argv.slice(2), { flags: ['--help', '-h', '--replace'], values: ['--state-dir'] }, fail);
  if (args.flags.has('--help') || args.flags.has('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.positional.length !== 1) fail(args.positional.length === 0 ? 'which FILE?' : `one FILE; got ${args.positional.join(' ')}`);
  if ((args.values.get('--state-dir') ?? []).length > 1) fail('--state-dir given twice');
  const [file] = args.positional;
  const stateDir = stateDirOf(args.values.get('--state-dir')?.[0]);
  const source = file === '-' ? 'standard input' : shown(file);

  try {
    const text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
    const result = importTables(stateDir, text, stackTables(CDK_OUT), { replace: args.flags.has('--replace'), source });
    const rows = result.tables.reduce((n, t) => n + t.rows, 0);
    const replaced = result.replaced.length > 0 ? `; emptied ${result.replaced.join(', ')} first` : '';
    process.stderr.write(
      `${COMMAND}: imported ${rows} row${rows === 1 ? '' : 's'} (${describeCounts(result.tables)}) from ${source} into ${shown(stateDir)}${replaced}\n`,
    );
    return 0;
  } catch (e) {
    // A DataFileError lists the file's problems by line; StateDirInUseError names the process to stop.
    process.stderr.write(`${COMMAND}: ${e instanceof Error ? e.message : String(e)}\n`);
    return e instanceof StateDirInUseError ? EXIT_IN_USE : 1;
  }
}

process.exitCode = main();
