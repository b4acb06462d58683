import type { FcCredentials } from '../shared/fc';
import { coldTrace } from '../shared/cold-trace';
import { AppError } from '../shared/errors';
import { isNetworkError, withRetry } from '../shared/retry';

/** The `sts` object of the session answer, in the shape the original client reads. */
export interface ClientCredentials {
  AccessKeyId: string;
  AccessKeySecret: string;
  SecurityToken: string;
  Expiration: string;
}

export interface StsConfig {
  endpoint: string;
  clientRoleArn: string;
  /** The functions the client may invoke (db, pay). */
  clientFunctionArns: string[];
  durationSeconds: number;
}

type RpcClient = { request<T>(action: string, params: object, opts?: object): Promise<T> };
let cached: { key: string; client: RpcClient } | undefined;

// pop-core's RPC client (3 MB installed, 23 ms to load) rather than the generated sts20150401 SDK
// (21 MB, 73 ms): AssumeRole is its only call. Its lib/rpc entry skips the ROA client.
function client(credentials: FcCredentials, endpoint: string): RpcClient {
  const key = `${credentials.accessKeyId}\n${credentials.securityToken}`;
  if (cached?.key !== key) {
    const built = coldTrace.client(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const RPCClient = require('@alicloud/pop-core/lib/rpc') as new (c: object) => RpcClient;
      return new RPCClient({
        endpoint,
        apiVersion: '2015-04-01',
        accessKeyId: credentials.accessKeyId,
        accessKeySecret: credentials.accessKeySecret,
        securityToken: credentials.securityToken,
      });
    });
    cached = { key, client: built };
  }
  return cached.client;
}

/** STS codes worth another attempt; anything else is a deployment fault and retrying won't help. */
const TRANSIENT = /^(Throttling|ServiceUnavailable|InternalError|Unknown)/;
const isTransient = (e: unknown): boolean =>
  isNetworkError(e) ||
  TRANSIENT.test(String((e as { code?: unknown })?.code ?? '')) ||
  /^5\d\d$/.test(String((e as { statusCode?: unknown })?.statusCode ?? ''));

/**
 * Credentials for one user that can do exactly one thing: invoke the client-facing functions. The session
 * policy repeats the client role's grant, so even a widened role could not widen these.
 */
export async function assumeClientRole(config: StsConfig, credentials: FcCredentials, requestId: string, deadline: number): Promise<ClientCredentials> {
  const policy = {
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: ['fc:InvokeFunction'], Resource: config.clientFunctionArns }],
  };
  const params = {
    RoleArn: config.clientRoleArn,
    // Shows in ActionTrail which request the credentials were issued for: its log line (requestId)
    // names the session by fingerprint. [\w.@-]{2,64}; FC's request ids are UUIDs.
    RoleSessionName: `r-${requestId.replace(/[^\w.@-]/g, '_')}`.slice(0, 64),
    DurationSeconds: config.durationSeconds,
    Policy: JSON.stringify(policy),
  };
  try {
    const answer = await withRetry(
      () => {
        const sts = client(credentials, config.endpoint);
        return coldTrace.call('sts.AssumeRole', () =>
          sts.request<{ Credentials: ClientCredentials }>('AssumeRole', params, {
            method: 'POST',
            timeout: Math.max(500, Math.min(3000, deadline - Date.now())),
          }),
        );
      },
      { deadline, isTransient },
    );
    const c = answer.Credentials;
    return { AccessKeyId: c.AccessKeyId, AccessKeySecret: c.AccessKeySecret, SecurityToken: c.SecurityToken, Expiration: c.Expiration };
  } catch (e) {
    if (isTransient(e)) throw new AppError('Unavailable', 'Credentials could not be issued; retry shortly.');
    throw new AppError('Internal', 'Credentials could not be issued.');
  }
}
