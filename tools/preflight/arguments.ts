/**
 * Preflight's command line. Parameter values come the way `ros-cdk deploy` takes them
 * (`--parameters Key=Value`, repeatable) and/or from a JSON file, either `{"Key": "value"}` or the
 * ROS API's `[{"ParameterKey", "ParameterValue"}]`; flags win over the file.
 */
import * as fs from 'node:fs';

export interface PreflightArguments {
  parameters: Record<string, string>;
  region: string;
  accountId: string;
  help: boolean;
}

export class UsageError extends Error {}

/** The CLI's default region (ros-cdk config-set --region). */
const DEFAULT_REGION = 'cn-hangzhou';
/** A 16-digit stand-in: account ids are 16 digits, so ARNs and environments are as long as the real ones. */
const PLACEHOLDER_ACCOUNT_ID = '1000000000000000';

export function parseArguments(argv: readonly string[]): PreflightArguments {
  const out: PreflightArguments = { parameters: {}, region: DEFAULT_REGION, accountId: PLACEHOLDER_ACCOUNT_ID, help: false };
  const fromFlags: Record<string, string> = {};
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--help':
      case '-h':
        out.help = true;
        break;
      case '--parameters-file':
        file = value();
        break;
      case '--parameters': {
        const assignment = value();
        const eq = assignment.indexOf('=');
        // Never echo the assignment: it may carry the private key.
        if (eq <= 0) throw new UsageError('--parameters takes Key=Value');
        fromFlags[assignment.slice(0, eq)] = assignment.slice(eq + 1);
        break;
      }
      case '--region':
        out.region = value();
        if (!/^[a-z]{2,}(-[a-z0-9]+)+$/.test(out.region)) throw new UsageError(`--region "${out.region}" is not a region id (e.g. cn-hangzhou)`);
        break;
      case '--account-id':
        out.accountId = value();
        if (!/^\d{16}$/.test(out.accountId)) throw new UsageError('--account-id is the 16-digit Alibaba Cloud account id');
        break;
      case '-c':
      case '--context':
        throw new UsageError('ros-cdk has no -c/--context option, so neither has preflight: set context under "context" in cdk.json');
      default:
        throw new UsageError(`unknown argument ${arg.startsWith('-') ? arg : '(a value without a flag)'}`);
    }
  }
  out.parameters = { ...(file ? readParameterFile(file) : {}), ...fromFlags };
  return out;
}

function readParameterFile(file: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    // JSON.parse quotes the text around an error, which may be the key: say where, not what.
    throw new UsageError(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not valid JSON'}`);
  }
  let entries: [unknown, unknown][];
  if (Array.isArray(parsed)) entries = parsed.map((p: { ParameterKey?: unknown; ParameterValue?: unknown } | null) => [p?.ParameterKey, p?.ParameterValue]);
  else if (parsed !== null && typeof parsed === 'object') entries = Object.entries(parsed);
  else throw new UsageError(`${file}: expected {"Key": "value"} or [{"ParameterKey", "ParameterValue"}]`);
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (typeof k !== 'string' || (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')) {
      throw new UsageError(`${file}: every parameter needs a name and a string value${typeof k === 'string' ? ` (${k})` : ''}`);
    }
    out[k] = String(v);
  }
  return out;
}

export const USAGE = `Usage: npm run preflight -- [--parameters-file FILE] [--parameters Key=Value ...] [--region R] [--account-id ID]

The deployer's check before ros-cdk deploy. It synthesizes the stack exactly as ros-cdk does
(context from cdk.json only), then deploys it into the local ROS with your real parameter values:
every parameter constraint, every documented limit of every resource, the creation order. It
names the OSS bucket ros-cdk deploy will create for the function code, and prints no NoEcho value.

  --parameters-file FILE   JSON: {"AppId": "...", "PrivateKey": "...", ...} or
                           [{"ParameterKey": "AppId", "ParameterValue": "..."}, ...]
  --parameters Key=Value   as ros-cdk deploy takes them; repeatable; wins over the file
  --region R               the region you deploy to (default ${DEFAULT_REGION})
  --account-id ID          your account id, for exact ARN lengths (default a 16-digit stand-in)

Exit status: 0 when everything passes, 1 when anything fails, 2 for a usage error.`;
