import { readAnswer } from './answers';
import { ClientError } from './errors';
import { SessionKeeper, type SessionOptions } from './session';
import { signInvoke } from './signing';
import type { Transport } from './transport';
import { isAccount, readPhoneNumberResult } from './identity';
import { readOrder, readOrderPage, readProducts } from './orders';
import type {
  Account,
  ClientConfig,
  CollectionOption,
  ListOptions,
  Order,
  OrderOptions,
  OrderPage,
  OrdersOptions,
  Page,
  PhoneNumberResult,
  Product,
  Session,
  Stored,
  TradePay,
  WriteOptions,
} from './types';

export interface ClientOptions extends SessionOptions {
  /** Renew STS credentials when fewer than this many ms remain (default 60 s). */
  refreshMarginMs?: number;
  /** Clock for credential-expiry decisions (tests); request `Date` headers always use the real time. */
  now?: () => number;
}

/** FC codes that mean "these credentials are no good": renew once and retry. */
const STALE_CREDENTIALS = new Set(['InvalidSecurityToken', 'SecurityTokenExpired', 'InvalidAccessKeyID', 'InvalidAccessKeyId']);

/**
 * my.tradePay result codes after which the cashier may have taken the money: `9000` paid, `8000`
 * processing, `6004` result unknown. The server then asks Alipay instead of waiting for its
 * notification; any other code (`6001` cancelled, `4000` failed...) means nothing was paid.
 */
const MAYBE_PAID = ['9000', '8000', '6004'];

type Event = Record<string, unknown>;
/** Which function an invocation goes to. */
type Target = readonly [service: string, fn: string];

/** Drops undefined options so the event carries only what the caller chose (the server refuses unknown shapes). */
const pick = (o: object): Event => {
  const out: Event = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
};

export class MiniAppClient {
  private readonly keeper: SessionKeeper;
  private readonly endpoint: string;
  private readonly now: () => number;

  constructor(
    private readonly config: ClientConfig,
    private readonly transport: Transport,
    private readonly opts: ClientOptions = {},
  ) {
    for (const k of ['AccountId', 'Region', 'ServiceName', 'DBFunctionName', 'SessionUrl'] as const) {
      if (!config?.[k]) throw new ClientError('BadConfig', `config.${k} is missing (pass the stack Outputs)`);
    }
    this.endpoint = (config.endpoint ?? `https://${config.AccountId}.${config.Region}.fc.aliyuncs.com`).replace(/\/+$/, '');
    this.now = opts.now ?? Date.now;
    this.keeper = new SessionKeeper(config.SessionUrl, transport, opts);
  }

  /** The current session (id, expiry, STS credentials), or null when logged out. */
  get session(): Session | null {
    return this.keeper.session;
  }

  /** Exchanges an authCode from `my.getAuthCode` for a session (with its `accountId` from servers that have accounts). */
  login(authCode: string): Promise<Session> {
    return this.keeper.login(authCode);
  }

  logout(): Promise<void> {
    return this.keeper.logout();
  }

  /** Renews the STS credentials now (the client also does this by itself before they expire). */
  refresh(): Promise<Session> {
    return this.keeper.refresh();
  }

  /** The account behind the session: its id, the Alipay ids its logins have shown, and the mobile once shared. */
  async me(): Promise<Account> {
    const account: unknown = await this.keeper.call('me');
    if (!isAccount(account)) throw new ClientError('BadResponse', 'me answer lacks accountId or createdAt');
    return account;
  }

  /**
   * Gives the server the user's mobile number from `my.getPhoneNumber`; the server checks Alipay's
   * signature, decrypts it and keeps it on the account. Pass the success result as it came, its
   * `response` text, or that text parsed. Resolves with the mobile number itself (a string).
   *
   * Without a request: `BadRequest` when `result` holds no `response` and `sign` (checked first,
   * as the server does), then `NotLoggedIn`. From the server: `SignatureInvalid` (not signed by
   * Alipay), `BadRequest` (cannot be decrypted), `NotConfigured` (the deployment has no AES key),
   * and `SessionInvalid`, which clears the session.
   */
  async phoneNumber(result: PhoneNumberResult): Promise<string> {
    const { response, sign } = readPhoneNumberResult(result);
    const answer = await this.keeper.call('phoneNumber', { response, sign });
    if (typeof answer?.mobile !== 'string' || !answer.mobile) throw new ClientError('BadResponse', 'phoneNumber answer lacks mobile');
    return answer.mobile;
  }

  async put<T extends object>(obj: T & { id: string }, opts: WriteOptions = {}): Promise<Stored<T>> {
    return (await this.db({ op: 'put', obj, ...pick(opts) })).data;
  }

  /** The object, or null when there is none with this id. */
  async get<T extends object = Record<string, unknown>>(id: string, opts: CollectionOption = {}): Promise<Stored<T> | null> {
    return (await this.db({ op: 'get', id, ...pick(opts) })).data;
  }

  /** One page in id order; pass `cursor` back for the next. */
  async list<T extends object = Record<string, unknown>>(opts: ListOptions = {}): Promise<Page<T>> {
    const answer = await this.db({ op: 'list', ...pick(opts) });
    return { data: answer.data, cursor: answer.cursor ?? null };
  }

  /** Every page, fetched as the caller iterates. */
  async *pages<T extends object = Record<string, unknown>>(opts: Omit<ListOptions, 'cursor'> = {}): AsyncGenerator<Page<T>> {
    let cursor: string | undefined;
    do {
      const page = await this.list<T>({ ...opts, cursor });
      yield page;
      cursor = page.cursor ?? undefined;
    } while (cursor);
  }

  /** Every object of the collection, page by page: `for await (const todo of client.all())`. */
  async *all<T extends object = Record<string, unknown>>(opts: Omit<ListOptions, 'cursor'> = {}): AsyncGenerator<Stored<T>> {
    for await (const page of this.pages<T>(opts)) yield* page.data;
  }

  /** Changes only the fields given; `NotFound` when the object does not exist. */
  async update<T extends object = Record<string, unknown>>(obj: Partial<T> & { id: string }, opts: WriteOptions = {}): Promise<Stored<T>> {
    return (await this.db({ op: 'update', obj, ...pick(opts) })).data;
  }

  async remove(id: string, opts: WriteOptions = {}): Promise<void> {
    await this.db({ op: 'remove', id, ...pick(opts) });
  }

  /** The products on sale, with their prices. */
  async catalog(): Promise<Product[]> {
    return readProducts((await this.payFunction({ op: 'catalog' })).data);
  }

  /**
   * One of the caller's orders; `NotFound` for an unknown one (or another account's). `check: true`
   * asks the server to query Alipay now if the order is still pending.
   */
  async order(orderId: string, opts: OrderOptions = {}): Promise<Order> {
    // `check` only when asked: the server takes `check: true` or nothing.
    return readOrder((await this.payFunction({ op: 'get', orderId, ...(opts.check ? { check: true } : {}) })).data);
  }

  /** One page of the caller's orders, newest first; pass `cursor` back for the next. */
  async orders(opts: OrdersOptions = {}): Promise<OrderPage> {
    return readOrderPage(await this.payFunction({ op: 'list', ...pick(opts) }));
  }

  /**
   * Buys `sku`: creates the order, opens the cashier with `tradePay` (`tradePayFromMy(my)` in a
   * mini-program), then reads the order back, asking the server to check with Alipay when the
   * cashier says it may have been paid. Resolves with the order as the server then sees it:
   * `PAID`, or still `WAIT_BUYER_PAY` when the buyer cancelled or the result is not known yet
   * (Alipay's notification settles it later). A `tradePay` rejection is passed on as it came; the
   * order stays, and `orders()` lists it.
   */
  async pay(sku: string, tradePay: TradePay): Promise<Order> {
    // Checked before an order exists: without a cashier it could never be paid.
    if (typeof tradePay !== 'function') throw new ClientError('BadRequest', 'pay takes a tradePay function (tradePayFromMy(my))');
    const created = readOrder((await this.payFunction({ op: 'create', sku })).data, 'create');
    if (!created.tradeNo) throw new ClientError('BadResponse', 'create answer lacks tradeNo');
    const result = await tradePay({ tradeNO: created.tradeNo });
    const order = await this.order(created.orderId, { check: MAYBE_PAID.includes(String(result?.resultCode)) });
    if (order.orderId !== created.orderId) throw new ClientError('BadResponse', 'get answered another order');
    return order;
  }

  private db(event: Event): Promise<any> {
    return this.call([this.config.ServiceName, this.config.DBFunctionName], event);
  }

  /** The pay function, once the config names it (stacks without payments do not). */
  private payFunction(event: Event): Promise<any> {
    for (const k of ['PayServiceName', 'PayFunctionName'] as const) {
      if (!this.config[k]) return Promise.reject(new ClientError('BadConfig', `config.${k} is missing (pass the Outputs of a stack with payments)`));
    }
    return this.call([this.config.PayServiceName!, this.config.PayFunctionName!], event);
  }

  /**
   * One invocation of db or pay: renew credentials first if they are about to expire, renew once
   * more and retry if FC still calls them stale (clock skew, a restarted local cloud), and clear the
   * session when the function says it is gone.
   */
  private async call(target: Target, event: Event): Promise<any> {
    let session = this.keeper.session;
    if (!session) throw new ClientError('NotLoggedIn', 'log in first');
    if (Date.parse(session.sts.Expiration) - this.now() < (this.opts.refreshMarginMs ?? 60_000)) session = await this.keeper.refresh();
    try {
      return await this.invoke(session, target, event);
    } catch (e) {
      if (!(e instanceof ClientError && STALE_CREDENTIALS.has(e.code))) throw this.seen(e);
    }
    try {
      return await this.invoke(await this.keeper.refresh(), target, event);
    } catch (e) {
      throw this.seen(e);
    }
  }

  /** A `SessionInvalid` from db or pay means the session is gone for good: forget it so the app logs in again. */
  private seen(e: unknown): unknown {
    if (e instanceof ClientError && e.code === 'SessionInvalid') this.keeper.clear();
    return e;
  }

  private async invoke(session: Session, [service, fn]: Target, event: Event): Promise<any> {
    const { sts } = session;
    const body = JSON.stringify({ sid: session.sessionId, ...event });
    const { path, headers } = signInvoke(
      { accessKeyId: sts.AccessKeyId, accessKeySecret: sts.AccessKeySecret, securityToken: sts.SecurityToken },
      this.config.AccountId,
      service,
      fn,
      body,
    );
    return readAnswer(await this.transport({ url: `${this.endpoint}${path}`, method: 'POST', headers, body }));
  }
}

export function createClient(config: ClientConfig, transport: Transport, opts?: ClientOptions): MiniAppClient {
  return new MiniAppClient(config, transport, opts);
}
