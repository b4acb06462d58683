/**
 * Alipay's OpenAPI v2 gateways, by the name cdk.json's "alipayGateway" context gives them. The
 * functions that call Alipay (session, pay, reconcile) get the chosen one as ALIPAY_GATEWAY.
 * This module imports nothing, so the local cloud and tools can name these hosts without loading
 * the CDK.
 */
export const ALIPAY_GATEWAYS = {
  /** The live gateway (the default). */
  production: 'https://openapi.alipay.com/gateway.do',
  /**
   * The sandbox (open.alipay.com, 沙箱环境): a sandbox app id, keys and buyer accounts, used with
   * the sandbox Alipay app; no real money moves. Only sandbox apps and accounts work here.
   */
  sandbox: 'https://openapi-sandbox.dl.alipaydev.com/gateway.do',
} as const;

export type AlipayGatewayName = keyof typeof ALIPAY_GATEWAYS;

/** Alipay's live OpenAPI v2 gateway. */
export const ALIPAY_GATEWAY = ALIPAY_GATEWAYS.production;
/** Alipay's sandbox OpenAPI v2 gateway. */
export const ALIPAY_SANDBOX_GATEWAY = ALIPAY_GATEWAYS.sandbox;
