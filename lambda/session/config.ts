import { numberEnv, requireEnv } from '../shared/config';
import { type AlipayConfig, alipayConfigFromEnv } from '../shared/alipay-sdk';
import type { StsConfig } from './sts';

export interface SessionConfig {
  alipay: AlipayConfig;
  sts: StsConfig;
  ots: { endpoint: string; instance: string; sessionsTable: string; accountsTable: string; objectsTable: string };
  sessionTtlSeconds: number;
}

/** Everything comes from the environment the template sets; nothing is configured twice. */
export function loadSessionConfig(): SessionConfig {
  return {
    alipay: alipayConfigFromEnv(),
    sts: {
      endpoint: requireEnv('STS_ENDPOINT'),
      clientRoleArn: requireEnv('CLIENT_ROLE_ARN'),
      clientFunctionArns: requireEnv('CLIENT_FUNCTION_ARNS').split(','),
      durationSeconds: numberEnv('CLIENT_CREDENTIALS_SECONDS'),
    },
    ots: {
      endpoint: requireEnv('OTS_ENDPOINT'),
      instance: requireEnv('OTS_INSTANCE'),
      sessionsTable: requireEnv('SESSIONS_TABLE'),
      accountsTable: requireEnv('ACCOUNTS_TABLE'),
      objectsTable: requireEnv('OBJECTS_TABLE'),
    },
    sessionTtlSeconds: numberEnv('SESSION_TTL_SECONDS'),
  };
}
