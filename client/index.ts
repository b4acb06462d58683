/**
 * Client for the mini-program backend: login with Alipay, then the db and pay functions over FC's
 * InvokeFunction API signed with the session's STS credentials. No Node built-ins: it runs in the
 * Alipay mini-program runtime, browsers and Node 20 (the build fails if one slips in).
 */
export { createClient, MiniAppClient, type ClientOptions } from './client';
export { ClientError, isClientError } from './errors';
export { fetchTransport, type HttpRequest, type HttpResponse, type Transport } from './transport';
export { myRequestTransport, type MyLike } from './my-request';
export { tradePayFromMy, type MyTradePayLike } from './trade-pay';
export { signInvoke, stringToSign, contentMd5 } from './signing';
export type {
  Account,
  ClientConfig,
  CollectionOption,
  ListOptions,
  Order,
  OrderOptions,
  OrderPage,
  OrdersOptions,
  OrderStatus,
  Page,
  PhoneNumberPayload,
  PhoneNumberResult,
  Product,
  Session,
  SessionStorage,
  StsCredentials,
  Stored,
  TradePay,
  WriteOptions,
} from './types';
