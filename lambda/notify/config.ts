import { requireEnv } from '../shared/config';

export interface NotifyConfig {
  ots: { endpoint: string; instance: string; ordersTable: string };
  appId: string;
  /** Empty: no notification can be verified, so every one is refused (the deployment has no AlipayPublicKey). */
  alipayPublicKey: string;
}

export function loadNotifyConfig(): NotifyConfig {
  return {
    ots: { endpoint: requireEnv('OTS_ENDPOINT'), instance: requireEnv('OTS_INSTANCE'), ordersTable: requireEnv('ORDERS_TABLE') },
    appId: requireEnv('APP_ID'),
    alipayPublicKey: process.env.ALIPAY_PUBLIC_KEY ?? '',
  };
}
