import type { AlipayConfig } from '../shared/alipay-sdk';
import { numberEnv, requireEnv } from '../shared/config';

export interface ReconcileConfig {
  ots: { endpoint: string; instance: string; ordersTable: string };
  alipay: AlipayConfig;
  checkAfterSeconds: number;
  closeAfterSeconds: number;
}

export function loadReconcileConfig(): ReconcileConfig {
  return {
    ots: { endpoint: requireEnv('OTS_ENDPOINT'), instance: requireEnv('OTS_INSTANCE'), ordersTable: requireEnv('ORDERS_TABLE') },
    alipay: {
      appId: requireEnv('APP_ID'),
      privateKey: requireEnv('ALIPAY_PRIVATE_KEY'),
      alipayPublicKey: process.env.ALIPAY_PUBLIC_KEY ?? '',
      gateway: requireEnv('ALIPAY_GATEWAY'),
      timeoutMs: 3000,
    },
    checkAfterSeconds: numberEnv('ORDER_CHECK_AFTER_SECONDS'),
    closeAfterSeconds: numberEnv('ORDER_CLOSE_AFTER_SECONDS'),
  };
}
