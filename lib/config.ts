/**
 * Synth-time settings, read from the project's CDK context (cdk.json's "context" over
 * cdk.context.json, see lib/project-context.ts) and checked before anything is built, so a typo
 * fails synth with a message that says what to fix. The ros-cdk CLI has no -c option, so every
 * message points at cdk.json.
 */
import { ALIPAY_GATEWAYS, type AlipayGatewayName } from './alipay-gateway';

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
  /** Which Alipay gateway the functions call: "production" unless cdk.json says "sandbox". */
  readonly alipayGateway: AlipayGatewayName;
}

/**
 * What an APPID looks like with each gateway: the AppId parameter's AllowedPattern, and how the
 * messages describe it. Sandbox apps of today's sandbox (openapi-sandbox.dl.alipaydev.com) have ids
 * 9021000… in public sample configurations; those of the sandbox before it had 2016… ids, so the
 * sandbox takes both shapes.
 */
export const APP_IDS: Readonly<Record<AlipayGatewayName, { pattern: string; shape: string; example: string }>> = {
  production: { pattern: '^20\\d{14}$', shape: '16 digits starting with 20', example: '2021001234567890' },
  sandbox: { pattern: '^(?:20|90)\\d{14}$', shape: '16 digits starting with 90 (a sandbox app) or 20', example: '9021000123456789' },
};
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
export const CONTEXT_KEYS: readonly string[] = ['appId', 'stage', 'qualifier', 'alipayGateway', ...FORBIDDEN_KEYS];
/** The values "alipayGateway" may take (see lib/alipay-gateway.ts); unset means the first. */
export const ALIPAY_GATEWAY_NAMES = Object.keys(ALIPAY_GATEWAYS) as readonly AlipayGatewayName[];

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
  const alipayGateway = optionalString(context('alipayGateway'), 'alipayGateway') ?? 'production';
  if (!isAlipayGatewayName(alipayGateway)) {
    throw new ConfigError(
      `Context "alipayGateway" is "${alipayGateway}": use ${ALIPAY_GATEWAY_NAMES.map((name) => `"${name}" (${new URL(ALIPAY_GATEWAYS[name]).host})`).join(' or ')} ` +
        'under "context" in cdk.json; without it the functions call production.',
    );
  }
  const appId = optionalString(context('appId'), 'appId');
  const { pattern, shape, example } = APP_IDS[alipayGateway];
  if (appId !== undefined && !new RegExp(pattern).test(appId)) {
    // A sandbox app's id with the production gateway is a switch left out, not a typo.
    const hint = new RegExp(APP_IDS.sandbox.pattern).test(appId) ? ' (a sandbox app\'s id needs "alipayGateway": "sandbox")' : '';
    throw new ConfigError(
      `Context "appId" is "${appId}": an Alipay APPID is ${shape}${alipayGateway === 'sandbox' ? ' with the sandbox gateway' : hint}; ` +
        `set it under "context" in cdk.json, e.g. "appId": "${example}".`,
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
  return { appId, stage, namePrefix: stage ? `miniapp-${stage}` : 'miniapp', assetQualifier: qualifier, alipayGateway };
}

function isAlipayGatewayName(value: string): value is AlipayGatewayName {
  return (ALIPAY_GATEWAY_NAMES as readonly string[]).includes(value);
}

function optionalString(value: unknown, key: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new ConfigError(`Context "${key}" must be a string, got ${JSON.stringify(value)}.`);
  }
  return String(value);
}
