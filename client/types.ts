/** The stack Outputs (deployed) or `.local/outputs.json` (local mode); extra keys are ignored. */
export interface ClientConfig {
  AccountId: string;
  Region: string;
  ServiceName: string;
  SessionFunctionName: string;
  DBFunctionName: string;
  SessionUrl: string;
  /** The pay function's service and name (`pay`, `orders`, `order`, `catalog` need both); absent from stacks without payments. */
  PayServiceName?: string;
  PayFunctionName?: string;
  /** Where Alipay posts payment notifications (the notify function's trigger); the client does not use it. */
  NotifyUrl?: string;
  /** FC base URL; default `https://<AccountId>.<Region>.fc.aliyuncs.com`. */
  endpoint?: string;
}

export interface StsCredentials {
  AccessKeyId: string;
  AccessKeySecret: string;
  SecurityToken: string;
  /** ISO 8601, as STS writes it. */
  Expiration: string;
}

/** What `login` and `refresh` answer (README, "session"). */
export interface Session {
  sessionId: string;
  expiresAt: string;
  sts: StsCredentials;
  /** The account the session belongs to (as `me()` answers it); absent from servers that predate accounts. */
  accountId?: string;
}

/**
 * The account behind a session, as `me()` answers it. Which Alipay ids it has depends on the app:
 * `userId` (2088…, one per person) for older appIds, `openId` (one per person per app) for newer
 * ones, both during a migration; `unionId` is shared across one developer's apps.
 */
export interface Account {
  accountId: string;
  userId?: string;
  openId?: string;
  unionId?: string;
  /** Once the user has shared it (`phoneNumber`). */
  mobile?: string;
  /** ISO 8601. */
  createdAt: string;
}

/**
 * `my.getPhoneNumber`'s answer once parsed: Alipay's AES-encrypted answer and its RSA2 signature.
 * Only `response` and `sign` go to the server; the rest says how they were made.
 */
export interface PhoneNumberPayload {
  response: string;
  sign: string;
  sign_type?: string;
  encrypt_type?: string;
  charset?: string;
}

/**
 * What `phoneNumber` takes: the payload, `my.getPhoneNumber`'s success result (whose `response`
 * is the payload as JSON text), or that JSON text.
 */
export type PhoneNumberResult = PhoneNumberPayload | { response: string } | string;

/** A stored object: the caller's fields plus the ones the server keeps; `uid` is the owner's `accountId` (an Alipay user id from servers that predate accounts). */
export type Stored<T> = T & { id: string; uid: string; createdAt: string; updatedAt: string; version: number };

export interface CollectionOption {
  /** Named collection (1–64 of `A-Z a-z 0-9 _ -`); absent = `default`. */
  collection?: string;
}
export interface WriteOptions extends CollectionOption {
  /** Only if the object is at this version (`0` on put: only if it does not exist); else `Conflict`. */
  ifVersion?: number;
}
export interface ListOptions extends CollectionOption {
  /** 1–100; the server's default is 100. */
  limit?: number;
  /** From the previous page; absent = first page. */
  cursor?: string;
}
export interface Page<T> {
  data: Stored<T>[];
  /** Pass to the next `list`; `null` on the last page. */
  cursor: string | null;
}

/** Where a session survives a restart of the app: `localStorage`, or a wrapper over `my.getStorageSync`. */
export interface SessionStorage {
  getItem(key: string): string | null | undefined;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** What the app sells, as `catalog()` answers it; `amount` is yuan with 2 decimals (`"9.90"`), as Alipay takes it. */
export interface Product {
  sku: string;
  title: string;
  amount: string;
}

/**
 * An order's life: `WAIT_BUYER_PAY` from creation until Alipay reports it paid (`PAID`) or the
 * unpaid trade is closed (`CLOSED`); a paid order refunded in full becomes `REFUNDED`.
 */
export type OrderStatus = 'WAIT_BUYER_PAY' | 'PAID' | 'CLOSED' | 'REFUNDED';

/** One purchase, as the pay function answers it. `orderId` is Alipay's out_trade_no; times are ISO 8601. */
export interface Order {
  orderId: string;
  sku: string;
  title: string;
  amount: string;
  status: OrderStatus;
  /** Alipay's trade number, what `my.tradePay` takes as `tradeNO`. */
  tradeNo?: string;
  createdAt: string;
  paidAt?: string;
  closedAt?: string;
  refundedAt?: string;
}

export interface OrderOptions {
  /** Ask the server to query Alipay now if the order is still pending, instead of waiting for the notification. */
  check?: boolean;
}
export interface OrdersOptions {
  /** 1–100. */
  limit?: number;
  /** From the previous page; absent = first page. */
  cursor?: string;
}
/** One page of orders, newest first: `Page`'s shape, with orders as they are (not `Stored`). */
export interface OrderPage {
  data: Order[];
  /** Pass to the next `orders`; `null` on the last page. */
  cursor: string | null;
}

/**
 * `my.tradePay` as a promise: opens Alipay's cashier for the trade and resolves with the cashier's
 * `resultCode` (`9000` paid, `8000` / `6004` result unknown, `6001` cancelled, `4000` failed...).
 * `tradePayFromMy(my)` makes one from the mini-program's `my`.
 */
export type TradePay = (args: { tradeNO: string }) => Promise<{ resultCode: string }>;
