import { numberEnv, requireEnv } from '../shared/config';
import type { AlipayConfig } from './alipay';
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
    alipay: {
      appId: requireEnv('APP_ID'),
      privateKey: requireEnv('ALIPAY_PRIVATE_KEY'),
      alipayPublicKey: process.env.ALIPAY_PUBLIC_KEY ?? '',
      aesKey: process.env.ALIPAY_AES_KEY ?? '',
      gateway: requireEnv('ALIPAY_GATEWAY'),
      timeoutMs: 3000,
    },
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
