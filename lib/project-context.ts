import { randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONTEXT_KEYS, ConfigError, FORBIDDEN_KEYS } from './config';

/**
 * The app's CDK context, built exactly as the ros-cdk CLI builds it (packages/ros-cdk-cli
 * lib/settings.ts): cdk.json's "context" deep-merged over cdk.context.json, both read from the
 * directory the CLI runs in. The CLI has no -c option, so these two files are the only source:
 * the app reads them itself, and `ros-cdk synth`, `npx ts-node bin/app.ts` and `npm run synth`
 * all synthesize the same template.
 */
export const PROJECT_CONFIG = 'cdk.json';
export const PROJECT_CONTEXT = 'cdk.context.json';
/** Where the CLI hands the merged context to the app (cxapi.CONTEXT_ENV). */
export const CONTEXT_ENV = 'CDK_CONTEXT_JSON';

export type Context = Record<string, unknown>;

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const LETTERS_AND_DIGITS = `${LETTERS}0123456789`;
export const GENERATED_QUALIFIER_LENGTH = 10;

/** cdk.json's "context" over cdk.context.json's content: what the CLI puts in CDK_CONTEXT_JSON. */
export function readProjectContext(projectDir: string): Context {
  const config = readJsonObject(path.join(projectDir, PROJECT_CONFIG)) ?? {};
  const configContext = config.context ?? {};
  if (!isPlainObject(configContext)) throw new ConfigError(`"context" in ${PROJECT_CONFIG} must be an object, got ${JSON.stringify(configContext)}.`);
  return deepMerge(readJsonObject(path.join(projectDir, PROJECT_CONTEXT)) ?? {}, configContext);
}

/** cdk.json's "app": the command the CLI runs (with a shell, in its own cwd) to synthesize. */
export function readAppCommand(projectDir: string): string {
  const config = readJsonObject(path.join(projectDir, PROJECT_CONFIG));
  if (!config) throw new ConfigError(`No ${PROJECT_CONFIG} in ${projectDir}: run synth in the project root.`);
  const app = config.app;
  // The CLI accepts a string or an argv array, and hands either to a shell joined by spaces.
  if (typeof app === 'string' && app.trim() !== '') return app;
  if (Array.isArray(app) && app.length > 0 && app.every((a) => typeof a === 'string')) return app.join(' ');
  throw new ConfigError(`${path.join(projectDir, PROJECT_CONFIG)} has no "app" command.`);
}

export interface LoadOptions {
  /** Where CDK_CONTEXT_JSON is read (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Gets the one-line notice about a generated qualifier (default: stderr). */
  readonly notify?: (line: string) => void;
  /** Checks the complete context before a generated qualifier is saved (throws to stop). */
  readonly validate?: (context: Context) => void;
}

/**
 * The context bin/app.ts synthesizes with: the project's context, checked against what a caller
 * may have put in CDK_CONTEXT_JSON, and with an asset qualifier generated on first use.
 */
export function loadAppContext(projectDir: string, options: LoadOptions = {}): Context {
  const { env = process.env, notify = printNotice, validate = () => undefined } = options;
  if (!fs.existsSync(path.join(projectDir, PROJECT_CONFIG))) {
    // Generating a qualifier here would scatter cdk.context.json files wherever synth was started.
    throw new ConfigError(`No ${PROJECT_CONFIG} in ${projectDir}: synthesize from the project root (npm run synth).`);
  }
  const context = readProjectContext(projectDir);
  refuseForeignContext(context, env[CONTEXT_ENV]);
  // Only an absent key is filled in: an empty "qualifier" in cdk.json would win over the one
  // written here every time, so readConfig reports it instead.
  if (context.qualifier !== undefined) {
    validate(context);
    return context;
  }
  const qualifier = generateQualifier();
  // A synth that fails anyway (a bad appId, a private key) leaves the project as it was.
  validate({ ...context, qualifier });
  saveToContextFile(projectDir, { qualifier });
  notify(
    `Asset qualifier: generated "${qualifier}" and saved it in ${PROJECT_CONTEXT}; ros-cdk deploy uploads code to the OSS bucket cdk-${qualifier}-assets-<region>. ` +
      `Teams and CI: commit ${PROJECT_CONTEXT} (drop its line from .gitignore) or set "qualifier" under "context" in ${PROJECT_CONFIG}, so every clone deploys to the same bucket.`,
  );
  return { ...context, qualifier };
}

/**
 * Random, so that no two deployers share `cdk-<qualifier>-assets-<region>`: OSS bucket names are
 * global, and the CLI creates that bucket itself (a bucket owned by anyone else answers 409 and
 * the deploy stops). 26 * 36^9 ≈ 2.6e15 values; a letter first keeps it a readable name part.
 */
export function generateQualifier(): string {
  let qualifier = LETTERS[randomInt(LETTERS.length)];
  while (qualifier.length < GENERATED_QUALIFIER_LENGTH) qualifier += LETTERS_AND_DIGITS[randomInt(LETTERS_AND_DIGITS.length)];
  return qualifier;
}

/**
 * The CLI fills CDK_CONTEXT_JSON from the same two files, so under the CLI it always agrees with
 * them. A value there that the files do not hold came from somewhere else (a hand-set variable,
 * a wrapper imitating `-c`): it would shape this synth but never `ros-cdk deploy`, so it is refused.
 */
function refuseForeignContext(fileContext: Context, envJson: string | undefined): void {
  if (envJson === undefined || envJson === '') return;
  let envContext: unknown;
  try {
    envContext = JSON.parse(envJson);
  } catch {
    throw new ConfigError(`${CONTEXT_ENV} is not valid JSON.`);
  }
  if (!isPlainObject(envContext)) throw new ConfigError(`${CONTEXT_ENV} must be a JSON object.`);
  const foreign = CONTEXT_KEYS.filter((key) => key in envContext && JSON.stringify(envContext[key]) !== JSON.stringify(fileContext[key]));
  if (foreign.length === 0) return;
  const described = foreign.map((key) =>
    // A private key is never echoed, whatever its source.
    FORBIDDEN_KEYS.includes(key) ? `"${key}" (value not shown)` : `"${key}": ${show(envContext[key])} (the files: ${show(fileContext[key])})`,
  );
  throw new ConfigError(
    `${CONTEXT_ENV} sets ${described.join(', ')}, unlike ${PROJECT_CONFIG} and ${PROJECT_CONTEXT}. ` +
      `The ros-cdk CLI has no -c option: it builds ${CONTEXT_ENV} from those two files only, so ros-cdk deploy would never see this value. ` +
      `Put it under "context" in ${PROJECT_CONFIG}.`,
  );
}

/** One line on stderr: stdout may be parsed by whoever runs synth. */
function printNotice(line: string): void {
  process.stderr.write(`${line}\n`);
}

function show(value: unknown): string {
  return value === undefined ? 'not set' : JSON.stringify(value);
}

/** Adds `values` to cdk.context.json, keeping whatever else it holds (the CLI's own format: 2-space JSON). */
function saveToContextFile(projectDir: string, values: Context): void {
  const file = path.join(projectDir, PROJECT_CONTEXT);
  const content = { ...(readJsonObject(file) ?? {}), ...values };
  // Written aside and renamed, so a concurrent reader never sees half a file.
  const partial = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(partial, `${JSON.stringify(content, null, 2)}\n`);
  fs.renameSync(partial, file);
}

function readJsonObject(file: string): Context | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (!isPlainObject(value)) throw new ConfigError(`${file} must hold a JSON object.`);
  return value;
}

function isPlainObject(value: unknown): value is Context {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The CLI's merge (util/objects deepMerge, inherited from AWS CDK v1): objects merge key by key,
 * anything else (strings, numbers, arrays) from `over` replaces what `under` holds.
 */
function deepMerge(under: Context, over: Context): Context {
  const merged: Context = { ...under };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    merged[key] = isPlainObject(value) ? deepMerge(isPlainObject(merged[key]) ? merged[key] : {}, value) : value;
  }
  return merged;
}
