/**
 * Synth-time settings, read from the project's CDK context (cdk.json's "context" over
 * cdk.context.json, see lib/project-context.ts) and checked before anything is built, so a typo
 * fails synth with a message that says what to fix. The ros-cdk CLI has no -c option, so every
 * message points at cdk.json.
 */
export interface StackConfig {
  /** Default of the AppId parameter; deployers can still override it with --parameters. */
  readonly appId?: string;
  /** Environment name; becomes part of every account-wide resource name. */
  readonly stage?: string;
  /** Prefix of the account-wide names (FC service, RAM roles and policies). */
  readonly namePrefix: string;
  /**
   * Synthesizer qualifier: fixed, so synth is deterministic, and it names the OSS bucket
   * `ros-cdk deploy` uploads code to (`cdk-<qualifier>-assets-<region>`). OSS bucket names are
   * global, so it must be unique to each deployer: lib/project-context.ts generates a random one
   * per clone when the project does not set it.
   */
  readonly assetQualifier: string;
}

export const APP_ID_PATTERN = '^20\\d{14}$';
const STAGE_PATTERN = /^[a-z][a-z0-9]{0,9}$/;
const QUALIFIER_PATTERN = /^[a-z0-9]{1,10}$/;
/**
 * Context keys that would put a secret into cdk.out (the key is a NoEcho deploy-time parameter
 * only), in every spelling a deployer is likely to try: camelCase, PascalCase, kebab and snake.
 */
export const FORBIDDEN_KEYS: readonly string[] = ['privateKey', 'appPrivateKey', 'alipayPrivateKey'].flatMap((name) => {
  const words = name.split(/(?=[A-Z])/).map((w) => w.toLowerCase());
  const pascal = words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  return [name, pascal, words.join('-'), words.join('_'), words.join('_').toUpperCase()];
});
/** Every context key readConfig reads: a value for one of them must come from the project's files. */
export const CONTEXT_KEYS: readonly string[] = ['appId', 'stage', 'qualifier', ...FORBIDDEN_KEYS];

export class ConfigError extends Error {}

export function readConfig(context: (key: string) => unknown): StackConfig {
  for (const key of FORBIDDEN_KEYS) {
    if (context(key) !== undefined) {
      throw new ConfigError(
        `Context "${key}" is refused: the app private key must never be written to cdk.out. ` +
          'Remove it from cdk.json and cdk.context.json and pass it at deploy time instead: ros-cdk deploy --parameters PrivateKey=...',
      );
    }
  }
  const appId = optionalString(context('appId'), 'appId');
  if (appId !== undefined && !new RegExp(APP_ID_PATTERN).test(appId)) {
    throw new ConfigError(
      `Context "appId" is "${appId}": an Alipay APPID is 16 digits starting with 20; set it under "context" in cdk.json, e.g. "appId": "2021001234567890".`,
    );
  }
  const stage = optionalString(context('stage'), 'stage');
  if (stage !== undefined && !STAGE_PATTERN.test(stage)) {
    throw new ConfigError(
      `Context "stage" is "${stage}": use 1-10 lower-case letters or digits starting with a letter (under "context" in cdk.json, e.g. "stage": "prod"); it becomes part of RAM and FC names.`,
    );
  }
  const qualifier = optionalString(context('qualifier'), 'qualifier');
  if (qualifier === undefined) {
    throw new ConfigError(
      'Context "qualifier" is not set: set "qualifier" under "context" in cdk.json (1-10 lower-case letters or digits, unique to you); ' +
        'it names the OSS bucket ros-cdk deploy uploads the function code to, cdk-<qualifier>-assets-<region>.',
    );
  }
  if (!QUALIFIER_PATTERN.test(qualifier)) {
    throw new ConfigError(
      `Context "qualifier" is "${qualifier}": use 1-10 lower-case letters or digits (under "context" in cdk.json); it becomes part of the asset bucket name.`,
    );
  }
  return { appId, stage, namePrefix: stage ? `miniapp-${stage}` : 'miniapp', assetQualifier: qualifier };
}

function optionalString(value: unknown, key: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new ConfigError(`Context "${key}" must be a string, got ${JSON.stringify(value)}.`);
  }
  return String(value);
}
