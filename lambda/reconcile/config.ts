import { type AlipayConfig, alipayConfigFromEnv } from '../shared/alipay-sdk';
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
    alipay: alipayConfigFromEnv(),
    checkAfterSeconds: numberEnv('ORDER_CHECK_AFTER_SECONDS'),
    closeAfterSeconds: numberEnv('ORDER_CLOSE_AFTER_SECONDS'),
  };
}
