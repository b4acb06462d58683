import { type AlipayConfig, alipayConfigFromEnv } from '../shared/alipay-sdk';
import { numberEnv, requireEnv } from '../shared/config';

export interface PayConfig {
  ots: { endpoint: string; instance: string; sessionsTable: string; accountsTable: string; ordersTable: string };
  alipay: AlipayConfig;
  notifyUrl: string;
  sessionCacheSeconds: number;
  checkAfterSeconds: number;
  closeAfterSeconds: number;
}

export function loadPayConfig(): PayConfig {
  return {
    ots: {
      endpoint: requireEnv('OTS_ENDPOINT'),
      instance: requireEnv('OTS_INSTANCE'),
      sessionsTable: requireEnv('SESSIONS_TABLE'),
      accountsTable: requireEnv('ACCOUNTS_TABLE'),
      ordersTable: requireEnv('ORDERS_TABLE'),
    },
    alipay: alipayConfigFromEnv(),
    notifyUrl: requireEnv('NOTIFY_URL'),
    sessionCacheSeconds: numberEnv('SESSION_CACHE_SECONDS'),
    checkAfterSeconds: numberEnv('ORDER_CHECK_AFTER_SECONDS'),
    closeAfterSeconds: numberEnv('ORDER_CLOSE_AFTER_SECONDS'),
  };
}
