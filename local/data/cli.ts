/** What local/export.ts and local/import.ts share: where the repo, the stack and the state dir are. */
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
/** The synthesized stack the tables are read from, as npm start uses it. */
export const CDK_OUT = path.join(ROOT, 'cdk.out');

/** `--state-dir DIR` (relative to the working directory), else LOCAL_STATE_DIR or .local/ under the repo, as npm start resolves it. */
export const stateDirOf = (flag: string | undefined): string =>
  flag !== undefined ? path.resolve(flag) : path.resolve(ROOT, process.env.LOCAL_STATE_DIR ?? '.local');

/** A path as messages show it: relative to the working directory when under it. */
export function shown(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

/** Bad arguments: the message, the usage, exit 2. */
export function usageError(command: string, message: string, usage: string): never {
  process.stderr.write(`${command}: ${message}\n\n${usage}`);
  process.exit(2);
}

/**
 * Reads `--name VALUE` / `--name=VALUE` options and positional arguments. Flags are options
 * without a value. Unknown options are bad arguments.
 */
export function parseArgs(
  args: string[],
  spec: { flags: string[]; values: string[] },
  fail: (message: string) => never,
): { flags: Set<string>; values: Map<string, string[]>; positional: string[] } {
  const flags = new Set<string>();
  const values = new Map<string, string[]>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '-' || !arg.startsWith('-')) {
      positional.push(arg);
      continue;
    }
    if (arg === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (spec.flags.includes(name)) {
      if (eq !== -1) fail(`${name} takes no value`);
      flags.add(name);
    } else if (spec.values.includes(name)) {
      const value = eq !== -1 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined || value === '') fail(`${name} needs a value`);
      values.set(name, [...(values.get(name) ?? []), value]);
    } else {
      fail(`unknown option '${arg}'`);
    }
  }
  return { flags, values, positional };
}
