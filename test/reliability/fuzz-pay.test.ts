import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import type { LocalCloud } from '../../local/cloud';
import { type LoginAnswer, type StsCredentials, fcClient, login, startCloud } from '../support/local';
import { type OrderAnswer, ageOrder, cashier, createOrder, orderRows } from '../support/payments';
import type { StoredRow } from '../support/tables';
import { STACK_FRAME, Secrets, fuzzRuns, isErrorBody, report } from './support';

/**
 * Random events against the pay function, through FC with a valid session's STS credentials
 * (fc2, events as raw strings or bytes, so malformed JSON, invalid UTF-8 and literal `__proto__`
 * keys arrive as written).
 *
 * Two accounts: `fuzzer` gets every kind of event, valid creates, gets and lists included, and
 * events naming the other account's orders and cursors; `victim` is seeded with one paid and one
 * pending order and never receives anything. After the run the victim's rows are byte-for-byte
 * the same, no answer ever held one of its orders, and every order in the table is at the
 * catalog's price.
 */
const RUNS = fuzzRuns(2000);
/** Codes pay may answer without any fault injected (no Alipay or Tablestore failure is possible here). */
const ALLOWED_ERRORS = new Set(['BadRequest', 'PayloadTooLarge', 'SessionInvalid', 'NotFound']);
const MAX_EVENT_BYTES = 4 * 1024;
const ORDER_ID = /^[0-9a-f]{32}_[0-9a-z]{9}_[0-9a-f]{10}$/;
const STATUSES = new Set(['WAIT_BUYER_PAY', 'PAID', 'CLOSED', 'REFUNDED']);
const ORDER_KEYS = new Set(['orderId', 'sku', 'title', 'amount', 'status', 'tradeNo', 'createdAt', 'paidAt', 'closedAt', 'refundedAt']);
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const catalog = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'catalog.json'), 'utf8')) as Record<string, { title: string; amount: string }>;
const SKUS = Object.keys(catalog);
const MINUTE = 60_000;

// ---- arbitraries -----------------------------------------------------------------------------

/**
 * Placeholders for values known only once the accounts exist (`@@NAME@@`, filled into the event
 * text just before it is sent): the victim's orders, their variations and cursors, the fuzzer's
 * own prefix, orders and cursors. All are JSON-safe ([A-Za-z0-9_+/= -]).
 */
const victimOrderRef = fc.constantFrom(
  '@@V0@@', // the victim's paid order
  '@@V1@@', // its pending order
  '@@V0U@@', // upper case (another key, and not the victim's prefix)
  '@@V1X@@', // its last character changed: a neighbour of a real order
  '@@V0S@@', // with a trailing space
  '@@V1P@@', // one character short
  '@@V1L@@', // one character long
  '@@VPEND@@', // the victim's pending row: `pending_<orderId>`
  '@@VP@@', // the victim's prefix alone
  '@@VPMAX@@', // the victim's prefix and the largest suffix
  '@@FV0@@', // the fuzzer's prefix with the victim's suffix (a key that does not exist)
  '@@VT0@@', // the victim's trade number
);
const ownOrderRef = fc.constantFrom('@@F@@', '@@F@@', '@@F@@', '@@FP@@', '@@FPMAX@@', '@@FPMIN@@', '@@FPEND@@');
const victimCursor = fc.constantFrom('@@CV0@@', '@@CV1@@', '@@CV0STD@@', '@@CVPMAX@@', '@@CVP@@', '@@CVPEND@@', '@@CV1UP@@');
const ownCursor = fc.constantFrom('@@CF@@', '@@CF@@', '@@CFPMAX@@', '@@CFPMIN@@', '@@CFV0@@', '@@CFSTD@@');

/** Strings that stress validators: lone surrogates, RTL and zero-width marks, emoji, controls, NUL. */
const oddChar = fc.constantFrom(
  '\ud800',
  '\udfff',
  '\u202e',
  '\u200b',
  '\ufeff',
  '😀',
  '👩‍👩‍👧',
  '\u0000',
  '\u001f',
  '\u007f',
  '\n',
  '"',
  '\\',
  '/',
  '%',
  'é',
  '中',
  '\u2028',
  '_',
  '~',
);
const oddString = fc
  .array(fc.oneof(oddChar, fc.string({ maxLength: 4, unit: 'grapheme' }), fc.string({ maxLength: 4, unit: 'binary' })), { maxLength: 12 })
  .map((parts) => parts.join(''));
const anyScalar = fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}));
const leaf = fc.oneof(fc.string({ maxLength: 20 }), oddString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('v'), { maxKeys: 3 }),
  ),
})).v;

const op = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('catalog', 'create', 'get', 'list') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'CREATE',
      'Create',
      'pay',
      'refund',
      'close',
      'query',
      'notify',
      'delete',
      'put',
      '',
      'toString',
      '__proto__',
      'constructor',
      'hasOwnProperty',
      'create ',
      ' get',
    ),
  },
  { weight: 1, arbitrary: fc.oneof(oddString, anyScalar) },
);
const sku = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SKUS) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'free',
      'PRO',
      'pro ',
      ' pro',
      'pro\u0000',
      'pr',
      'prо' /* Cyrillic o */,
      'a'.repeat(32),
      'a'.repeat(33),
      '-pro',
      '_pro',
      'pro-',
      'toString',
      '__proto__',
      'constructor',
      'hasOwnProperty',
      'valueOf',
      '0',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.oneof(oddString, anyScalar, fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,31}$/)) },
);
const orderId = fc.oneof(
  { weight: 4, arbitrary: victimOrderRef },
  { weight: 4, arbitrary: ownOrderRef },
  // Keys under the fuzzer's own prefix reach Tablestore: odd characters there must still be a clean NotFound.
  { weight: 1, arbitrary: oddString.map((t) => `@@FP@@${t}`.slice(0, 70)) },
  { weight: 1, arbitrary: fc.constantFrom('', '../x', 'x'.repeat(64), 'x'.repeat(65), '0'.repeat(53), 'pending_', 'pending_~', '~', '\u0000', 'a\ud800') },
  { weight: 1, arbitrary: fc.oneof(oddString, anyScalar, fc.stringMatching(/^[0-9a-f]{32}_[0-9a-z]{9}_[0-9a-f]{10}$/)) },
);
const check = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(true, false, undefined) },
  { weight: 1, arbitrary: fc.constantFrom('true', 1, 0, null, [], {}) },
);
const limit = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(0, 1, 2, 99, 100, 101, undefined, null) },
  { weight: 2, arbitrary: fc.constantFrom(-1, 1.5, '10', '1', true, 2 ** 53, 1e308, -0, [], {}) },
  { weight: 2, arbitrary: fc.integer({ min: -5, max: 110 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double()) },
);
const cursor = fc.oneof(
  { weight: 3, arbitrary: victimCursor },
  { weight: 3, arbitrary: ownCursor },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, '', 'x', '====', 'c'.repeat(128), 'c'.repeat(129), 'c'.repeat(3000), '%', '\u0000') },
  { weight: 1, arbitrary: fc.oneof(fc.base64String({ maxLength: 100 }), fc.string({ maxLength: 40 }), anyScalar) },
);
/** Fields a create must never take (the price comes from the catalog), and other keys no op takes. */
const extraKey = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('amount', 'price', 'title', 'total_amount', 'totalAmount', 'currency', 'discount', 'quantity', 'subject') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'accountId',
      'uid',
      'userId',
      'buyer_id',
      'status',
      'tradeNo',
      'notify_url',
      'createdAt',
      'orderId',
      'sku',
      'cursor',
      'limit',
      'check',
      'constructor',
      'prototype',
      'toString',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 10 }), oddString) },
);
const extraValue = fc.oneof(fc.constantFrom('0.01', 0.01, '0', 0, -1, '9.90', '1e-9', 'NaN', '@@V0@@', '@@VT0@@', '99999999999.99'), value);

type SidRef = '@@SIDF@@' | '@@SIDV@@' | '@@SIDV2@@' | string | unknown;
const sid: fc.Arbitrary<SidRef> = fc.oneof(
  { weight: 12, arbitrary: fc.constant('@@SIDF@@') },
  { weight: 1, arbitrary: fc.constantFrom('@@SIDV@@', '@@SIDV2@@', 'A'.repeat(43), 'A'.repeat(128), 'A'.repeat(129), '', ' ') },
  { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 130 }), oddString, anyScalar, fc.constant(undefined)) },
);

/** An event as an object (its text made by JSON.stringify); `splice` is raw JSON inserted at its start. */
interface EventSpec {
  kind: 'event';
  event: Record<string, unknown>;
  splice?: string;
  /** Pad the text with trailing whitespace (still valid JSON) to exactly this many bytes. */
  padTo?: number;
  /** A valid event under a session that does not exist: must answer SessionInvalid. */
  session?: 'bad';
}
interface RawSpec {
  kind: 'raw';
  raw: string | Uint8Array;
}
type Spec = EventSpec | RawSpec;

const anyEvent: fc.Arbitrary<Spec> = fc
  .record({ sid, op, sku, orderId, check, limit, cursor, extra: fc.dictionary(extraKey, extraValue, { maxKeys: 3 }) }, { requiredKeys: ['sid', 'op'] })
  .map(({ extra, ...e }) => ({ kind: 'event', event: { ...e, ...(extra ?? {}) } }));

/** Events that are valid in every part except, sometimes, the order named: the fuzzer's own orders, lists and cursors. */
const validEvent: fc.Arbitrary<Spec> = fc
  .oneof(
    { weight: 3, arbitrary: fc.record({ op: fc.constant('create'), sku: fc.constantFrom(...SKUS) }) },
    {
      weight: 3,
      arbitrary: fc.record({ op: fc.constant('get'), orderId: fc.oneof(ownOrderRef, victimOrderRef), check: fc.constantFrom(undefined, true, false) }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant('list'),
        limit: fc.constantFrom(undefined, 1, 2, 5, 100),
        cursor: fc.oneof(fc.constant(undefined), ownCursor, victimCursor),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ op: 'catalog' }) },
  )
  .map((e) => ({ kind: 'event', event: { sid: '@@SIDF@@', ...e } }));

/** A valid event under a session that is not one (the victim's altered, random, another's cut short): SessionInvalid. */
const wellFormed = fc.oneof(
  fc.record({ op: fc.constant('create'), sku: fc.constantFrom(...SKUS) }),
  fc.record({ op: fc.constant('get'), orderId: fc.constantFrom('@@F@@', '@@V0@@', '@@FPMAX@@') }),
  fc.record({ op: fc.constant('list'), limit: fc.constantFrom(1, 100), cursor: fc.constantFrom(undefined, '@@CF@@') }),
  fc.constant({ op: 'catalog' }),
);
const badSession: fc.Arbitrary<Spec> = fc
  .tuple(
    wellFormed.map((event) => ({ kind: 'event' as const, event })),
    fc.oneof(
      fc.constantFrom('@@SIDV@@', '@@SIDV2@@', '@@SIDF@@x', 'A'.repeat(43), 'A'.repeat(128)),
      fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      fc.string({ minLength: 1, maxLength: 40 }),
    ),
  )
  .map(([s, sid]) => ({ ...(s as EventSpec), event: { ...(s as EventSpec).event, sid }, session: 'bad' as const }));

/** A valid create with one field too many, one of the price's or the order's: must be refused. */
const pricedCreate: fc.Arbitrary<Spec> = fc
  .tuple(fc.constantFrom('amount', 'price', 'title', 'total_amount', 'accountId', 'status', 'orderId', 'tradeNo', 'notify_url', 'buyer_id'), extraValue)
  .map(([k, v]) => ({ kind: 'event', event: { sid: '@@SIDF@@', op: 'create', sku: 'pro', [k]: v } }));

/** Raw JSON inserted at the start of an otherwise valid event: prototype keys, duplicate keys (the last wins). */
const spliced: fc.Arbitrary<Spec> = fc
  .tuple(
    validEvent,
    fc.constantFrom(
      '"__proto__": {"amount": "0.01"}',
      '"__proto__": {"accountId": "@@VACC@@"}',
      '"__proto__": {"sku": "pro", "op": "create"}',
      '"constructor": {"prototype": {"amount": "0.01"}}',
      '"amount": "0.01", "amount": "0.02"',
      '"sid": "@@SIDV2@@"',
      '"op": "create", "sku": "pro", "price": 0',
      '"op": "list"',
      '"limit": 101',
      '"orderId": "@@V0@@"',
      '"cursor": "@@CV0@@"',
    ),
  )
  .map(([s, splice]) => ({ ...(s as EventSpec), splice }));

const rawText: fc.Arbitrary<Spec> = fc
  .oneof(
    fc.string({ maxLength: 200 }),
    fc.string({ maxLength: 200, unit: 'binary' }),
    fc.json(),
    fc.uint8Array({ maxLength: 200 }),
    fc.constantFrom(
      '',
      'null',
      '[]',
      '{}',
      '"str"',
      '1',
      'true',
      '{"sid":',
      '{"sid":"@@SIDF@@","op":"create","sku":"pro",}',
      '{"sid":"@@SIDF@@","op":"create","sku":"pro"}{"b":2}',
      '{"sid":"@@SIDF@@","op":"list","limit":1e999}',
      '{"sid":"@@SIDF@@","op":"list","limit":-0}',
      '{"sid":"@@SIDF@@","op":"list","limit":1.0}',
      '{"sid":"@@SIDF@@","op":"list","limit":1e2}',
      '{"sid":"@@SIDF@@","op":"create","sku":"pro","sku":"free"}',
      '{"sid":"@@SIDF@@","op":"create","sku":"free","sku":"pro"}',
      '{"sid":"@@SIDF@@","op":"get","orderId":"@@V1@@","orderId":"@@F@@"}',
      '{"sid":"@@SIDF@@","op":"get","orderId":"@@F@@","orderId":"@@V1@@"}',
      '\ufeff{"sid":"@@SIDF@@","op":"catalog"}',
      '[{"sid":"@@SIDF@@","op":"catalog"}]',
      '{"sid":"@@SIDF@@","op":"catalog"',
      '{"sid":"@@SIDF@@","op":"c\\u0061talog"}',
      '{"sid":"@@SIDF@@","op":"create","sku":"pr\\u006f"}',
      '{"sid":"@@SIDF@@","op":"create","sku":"pro\\u0000"}',
      '{"sid":"@@SIDF@@","op":"get","orderId":"\\ud800"}',
      '['.repeat(3000) + ']'.repeat(3000),
      '{"a":'.repeat(800) + '1' + '}'.repeat(800),
    ),
    // Invalid UTF-8 inside an otherwise valid event: refused, never read as U+FFFD.
    fc.constantFrom(
      Buffer.concat([Buffer.from('{"sid":"@@SIDF@@","op":"create","sku":"pro'), Buffer.from([0xff]), Buffer.from('"}')]),
      Buffer.concat([Buffer.from('{"sid":"@@SIDF@@","op":"get","orderId":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
      Buffer.concat([Buffer.from('{"sid":"@@SIDF@@","op":"catalog","x":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
    ),
  )
  .map((raw) => ({ kind: 'raw', raw }));

/** Events at and around the 4 KB limit (whitespace padding keeps them valid JSON), and far over it. */
const huge: fc.Arbitrary<Spec> = fc.oneof(
  fc
    .tuple(validEvent, fc.constantFrom(MAX_EVENT_BYTES - 1, MAX_EVENT_BYTES, MAX_EVENT_BYTES + 1, 5_000, 100_000, 200_000))
    .map(([s, padTo]) => ({ ...(s as EventSpec), padTo })),
  fc.integer({ min: 3_900, max: 300_000 }).map((n) => ({ kind: 'event' as const, event: { sid: '@@SIDF@@', op: 'create', sku: 'p'.repeat(n) } })),
  fc
    .integer({ min: 3_900, max: 300_000 })
    .map((n) => ({ kind: 'event' as const, event: { sid: '@@SIDF@@', op: 'get', orderId: '@@V0@@'.repeat(Math.ceil(n / 53)) } })),
  fc
    .integer({ min: 3_900, max: 300_000 })
    .map((n) => ({ kind: 'event' as const, event: { sid: '@@SIDF@@', op: 'create', sku: 'pro', amount: '0.01', pad: ' '.repeat(n) } })),
);

// ---- the run ---------------------------------------------------------------------------------

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: any;
  text: string;
}

describe('fuzzing pay through FC', () => {
  let cloud: LocalCloud;
  let fuzzer: LoginAnswer & { userId: string };
  let victim: LoginAnswer & { userId: string };
  let victimOrders: OrderAnswer[];
  let fuzzerPrefix: string;
  let victimPrefix: string;
  /** Placeholder → value (the dynamic ones, F and CF, are filled per case). */
  const refs: Record<string, string> = {};
  /** The fuzzer's orders and cursors, as its answers gave them. */
  const ownOrders: string[] = [];
  const ownCursors: string[] = [];
  const secrets = new Secrets();
  const outcomes: Record<string, number> = {};
  let cases = 0;
  let created = 0;

  const b64 = (s: string) => Buffer.from(s).toString('base64url');
  const victimRows = async (): Promise<string> => {
    const mine = (r: StoredRow) => String(r.key.orderId).startsWith(victimPrefix) || String(r.key.orderId).startsWith(`pending_${victimPrefix}`);
    return JSON.stringify((await orderRows(cloud)).filter(mine));
  };

  beforeAll(async () => {
    cloud = await startCloud();
    fuzzer = await login(cloud);
    victim = await login(cloud);
    for (const s of [fuzzer, victim]) secrets.addSession(s);
    secrets.addKey('app private key', cloud.keys.app.privateKeyPem);
    secrets.addKey('gateway private key', cloud.keys.gateway.privateKeyPem);

    // The victim: one order paid (through the cashier and Alipay's notification), one pending.
    const paid = await createOrder(cloud, victim);
    expect(await cashier(cloud, paid.tradeNo!, 'paid')).toBe('9000');
    await cloud.alipay.whenNotificationsIdle();
    const pending = await createOrder(cloud, victim);
    victimOrders = [paid, pending];
    // The fuzzer starts with an order of its own, so its gets and cursors have something to name.
    const first = await createOrder(cloud, fuzzer);
    ownOrders.push(first.orderId);
    created++;
    // And two it has had a while, so reads query Alipay about them (one past the close age).
    for (const age of [2 * MINUTE, 16 * MINUTE]) {
      const old = await createOrder(cloud, fuzzer);
      await ageOrder(cloud, old.orderId, age);
      ownOrders.push(old.orderId);
      created++;
    }

    fuzzerPrefix = first.orderId.slice(0, 33);
    victimPrefix = paid.orderId.slice(0, 33);
    const [v0, v1] = victimOrders.map((o) => o.orderId);
    const flip = (s: string) => s.slice(0, -1) + (s.endsWith('0') ? '1' : '0');
    const maxSuffix = 'zzzzzzzzz_ffffffffff';
    const minSuffix = '000000000_0000000000';
    Object.assign(refs, {
      V0: v0,
      V1: v1,
      V0U: v0.toUpperCase(),
      V1X: flip(v1),
      V0S: `${v0} `,
      V1P: v1.slice(0, -1),
      V1L: `${v1}0`,
      VPEND: `pending_${v1}`,
      VP: victimPrefix,
      VPMAX: victimPrefix + maxSuffix,
      FV0: fuzzerPrefix + v0.slice(33),
      VT0: paid.tradeNo!,
      VACC: victim.accountId,
      FP: fuzzerPrefix,
      FPMAX: fuzzerPrefix + maxSuffix,
      FPMIN: fuzzerPrefix + minSuffix,
      FPEND: `pending_${first.orderId}`,
      CV0: b64(v0),
      CV1: b64(v1),
      CV0STD: Buffer.from(v0).toString('base64'),
      CVPMAX: b64(victimPrefix + maxSuffix),
      CVP: b64(victimPrefix),
      CVPEND: b64(`pending_${v1}`),
      CV1UP: b64(v1.toUpperCase()),
      CFPMAX: b64(fuzzerPrefix + maxSuffix),
      CFPMIN: b64(fuzzerPrefix + minSuffix),
      CFV0: b64(fuzzerPrefix + v0.slice(33)),
      CFSTD: Buffer.from(first.orderId).toString('base64'),
      SIDF: fuzzer.sessionId,
      // The victim's session id, never as it is: one character changed, or cut short.
      SIDV: flip(victim.sessionId),
      SIDV2: victim.sessionId.slice(0, 42),
    });
    expect(refs.SIDV).not.toBe(victim.sessionId);
  });
  afterAll(async () => {
    report('fuzz pay', { cases, created, outcomes });
    await cloud?.stop();
  });

  /** The event's bytes, placeholders filled in. */
  function bytesOf(spec: Spec): Buffer {
    let text: string | Buffer;
    if (spec.kind === 'raw') text = typeof spec.raw === 'string' ? spec.raw : Buffer.from(spec.raw);
    else {
      text = JSON.stringify(spec.event);
      if (spec.splice) text = text.replace(/^\{/, `{${spec.splice}${text === '{}' ? '' : ','}`);
    }
    const fill = (s: string) =>
      s.replace(/@@([A-Z0-9]+)@@/g, (m, k: string) => {
        if (k === 'F') return ownOrders[cases % ownOrders.length];
        if (k === 'CF') return ownCursors.length ? ownCursors[cases % ownCursors.length] : refs.CFPMAX;
        return refs[k] ?? m;
      });
    const buf = Buffer.isBuffer(text) ? Buffer.from(fill(text.toString('latin1')), 'latin1') : Buffer.from(fill(text));
    if (spec.kind === 'event' && spec.padTo !== undefined && buf.length < spec.padTo) return Buffer.concat([buf, Buffer.alloc(spec.padTo - buf.length, ' ')]);
    return buf;
  }

  /** Invokes pay with any bytes, as fc2 sends them; FC-level refusals come back too. */
  async function rawPay(sts: StsCredentials, event: Buffer): Promise<Answer> {
    try {
      const res = await fcClient(cloud, sts).invokeFunction(cloud.config.PayServiceName, cloud.config.PayFunctionName, event);
      const text = typeof res.data === 'string' ? res.data : Buffer.isBuffer(res.data) ? res.data.toString('utf8') : JSON.stringify(res.data);
      let body = res.data;
      if (typeof body === 'string') {
        try {
          body = JSON.parse(body);
        } catch {
          // not JSON: kept as text, and refused below
        }
      }
      return { status: 200, headers: res.headers, body, text };
    } catch (e) {
      const err = e as { code?: string; message?: string };
      const status = /failed with (\d{3})\./.exec(String(err.message ?? ''))?.[1];
      if (!status) throw e;
      return { status: Number(status), headers: {}, body: { fcError: err.code }, text: String(err.message ?? '') };
    }
  }

  /** An order as a client may see it: the fuzzer's own, at the catalog's price, well formed. */
  function checkOrder(o: unknown, where: string): OrderAnswer {
    const order = o as OrderAnswer;
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error(`order is not an object: ${where}`);
    const extra = Object.keys(o).filter((k) => !ORDER_KEYS.has(k));
    if (extra.length) throw new Error(`order has fields ${extra.join(', ')}: ${where}`);
    if (!ORDER_ID.test(order.orderId) || !order.orderId.startsWith(fuzzerPrefix)) throw new Error(`an order not the fuzzer's: ${where}`);
    const item = catalog[order.sku];
    if (!item || order.amount !== item.amount || order.title !== item.title) throw new Error(`order not at the catalog's price and title: ${where}`);
    if (!STATUSES.has(order.status) || !ISO.test(order.createdAt)) throw new Error(`malformed order: ${where}`);
    for (const k of ['paidAt', 'closedAt', 'refundedAt'] as const)
      if (order[k] !== undefined && !ISO.test(order[k]!)) throw new Error(`malformed ${k}: ${where}`);
    if (order.tradeNo !== undefined && !/^\d{28}$/.test(order.tradeNo)) throw new Error(`malformed tradeNo: ${where}`);
    return order;
  }

  /** The properties every answer holds to; returns the outcome name. */
  async function send(spec: Spec): Promise<string> {
    cases++;
    const bytes = bytesOf(spec);
    const a = await rawPay(fuzzer.sts, bytes);
    const where = `event ${JSON.stringify(bytes.subarray(0, 300).toString('latin1'))} (${bytes.length} bytes) → ${a.status} ${a.text.slice(0, 300)}`;
    if (a.status !== 200 || a.headers['x-fc-error-type']) throw new Error(`FC-level failure or function crash: ${where}`);
    if (STACK_FRAME.test(a.text)) throw new Error(`stack trace in answer: ${where}`);
    const leaked = secrets.foundIn(a.text);
    if (leaked.length) throw new Error(`secret in answer (${leaked.join(', ')}): ${where}`);
    for (const o of victimOrders) {
      if (a.text.includes(o.orderId) || a.text.includes(o.tradeNo!)) throw new Error(`the victim's order in an answer: ${where}`);
    }
    const b = a.body;
    let outcome: string;
    if (isErrorBody(b)) {
      if (!ALLOWED_ERRORS.has(b.error.code)) throw new Error(`unexpected error code: ${where}`);
      outcome = b.error.code;
    } else if (typeof b === 'object' && b !== null && !Array.isArray(b) && 'data' in b) {
      outcome = 'ok';
      if (a.text.includes(victimPrefix)) throw new Error(`the victim's key prefix in a success: ${where}`);
      const extraKeys = Object.keys(b).filter((k) => k !== 'data' && k !== 'cursor');
      if (extraKeys.length) throw new Error(`answer has ${extraKeys.join(', ')}: ${where}`);
      // What the function read: JSON.parse of the event (duplicate keys: the last wins, as for the function).
      const sent = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
      if (bytes.length > MAX_EVENT_BYTES) throw new Error(`an event over ${MAX_EVENT_BYTES} bytes was served: ${where}`);
      if (sent.sid !== fuzzer.sessionId) throw new Error(`served without the fuzzer's session: ${where}`);
      switch (sent.op) {
        case 'catalog':
          expect(b).toEqual({ data: Object.entries(catalog).map(([s, p]) => ({ sku: s, title: p.title, amount: p.amount })) });
          break;
        case 'create': {
          // The price comes from the catalog: a create that carried anything but sid, op and sku must not have been served.
          if (Object.keys(sent).some((k) => !['sid', 'op', 'sku'].includes(k))) throw new Error(`a create with extra fields was served: ${where}`);
          const order = checkOrder(b.data, where);
          if (order.sku !== sent.sku || order.status !== 'WAIT_BUYER_PAY' || !order.tradeNo || 'cursor' in b)
            throw new Error(`malformed create answer: ${where}`);
          ownOrders.push(order.orderId);
          created++;
          break;
        }
        case 'get': {
          const order = checkOrder(b.data, where);
          if (order.orderId !== sent.orderId || 'cursor' in b) throw new Error(`get answered another order: ${where}`);
          break;
        }
        case 'list': {
          if (!Array.isArray(b.data)) throw new Error(`list without an array: ${where}`);
          const ids = b.data.map((o: unknown) => checkOrder(o, where).orderId);
          const max = typeof sent.limit === 'number' ? sent.limit : 20;
          if (ids.length > max) throw new Error(`list answered more than its limit: ${where}`);
          if (ids.some((id: string, i: number) => i > 0 && id >= ids[i - 1])) throw new Error(`list not newest first: ${where}`);
          if (b.cursor !== undefined) {
            if (typeof b.cursor !== 'string') throw new Error(`list cursor not a string: ${where}`);
            const next = Buffer.from(b.cursor, 'base64url').toString('latin1');
            if (!next.startsWith(fuzzerPrefix)) throw new Error(`a cursor into another account: ${where}`);
            if (ownCursors.length < 50) ownCursors.push(b.cursor);
          }
          break;
        }
        default:
          throw new Error(`an unknown op was served: ${where}`);
      }
    } else {
      throw new Error(`answer is neither data nor a structured error: ${where}`);
    }
    // Around the size limit the outcome is decided by size alone for an otherwise valid event.
    if (spec.kind === 'event' && spec.padTo !== undefined) {
      if (bytes.length > MAX_EVENT_BYTES && outcome !== 'PayloadTooLarge') throw new Error(`over the limit and not PayloadTooLarge: ${where}`);
      if (bytes.length <= MAX_EVENT_BYTES && outcome === 'PayloadTooLarge') throw new Error(`within the limit and PayloadTooLarge: ${where}`);
    }
    if (spec.kind === 'event' && spec.session === 'bad' && outcome !== 'SessionInvalid')
      throw new Error(`a valid event under no session answered ${outcome}: ${where}`);
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    return outcome;
  }

  it(
    `answers ${RUNS} random events with a structured error or the fuzzer's own data, never touching the victim's orders or the catalog's prices`,
    async () => {
      const before = await victimRows();
      // Both orders and their pending rows (only the reconcile timer drops a settled order's pending row).
      expect(
        JSON.parse(before)
          .map((r: StoredRow) => r.key.orderId)
          .sort(),
      ).toEqual([...victimOrders.map((o) => o.orderId), ...victimOrders.map((o) => `pending_${o.orderId}`)].sort());
      const anySpec = fc.oneof(
        { weight: 5, arbitrary: anyEvent },
        { weight: 4, arbitrary: validEvent },
        { weight: 1, arbitrary: pricedCreate },
        { weight: 2, arbitrary: spliced },
        { weight: 2, arbitrary: rawText },
        { weight: 1, arbitrary: huge },
        { weight: 1, arbitrary: badSession },
      );
      await fc.assert(
        fc.asyncProperty(anySpec, async (spec) => {
          const outcome = await send(spec);
          // A create with any field beyond sid, op and sku is refused (send checks what was parsed; this, what was meant).
          const fields = spec.kind === 'event' ? Object.keys(spec.event).filter((k) => spec.event[k] !== undefined) : [];
          if (spec.kind === 'event' && spec.event.op === 'create' && fields.some((k) => !['sid', 'op', 'sku'].includes(k)) && outcome === 'ok') {
            throw new Error(`create with ${fields.join(', ')} was served`);
          }
        }),
        {
          numRuns: RUNS,
          endOnFailure: true,
          reporter: (run) => {
            if (run.failed)
              throw new Error(
                `${String((run.errorInstance as Error)?.message ?? run.errorInstance).slice(0, 2_000)}\n(replay: seed ${run.seed}, path ${run.counterexamplePath})`,
              );
          },
        },
      );

      // The victim's orders and pending row, byte for byte.
      expect(await victimRows()).toBe(before);

      // Every order in the table: at the catalog's price and title, one of the two accounts', and
      // the fuzzer has exactly the orders its served creates made (a refused create wrote nothing).
      const rows = (await orderRows(cloud)).filter((r) => !String(r.key.orderId).startsWith('pending_'));
      const wrong = rows.filter((r) => {
        const item = catalog[String(r.columns.sku)];
        return !item || r.columns.amount !== item.amount || r.columns.title !== item.title;
      });
      expect(wrong).toEqual([]);
      expect(rows.filter((r) => r.columns.accountId !== fuzzer.accountId && r.columns.accountId !== victim.accountId)).toEqual([]);
      const fuzzerRows = rows.filter((r) => r.columns.accountId === fuzzer.accountId);
      expect(fuzzerRows.map((r) => r.key.orderId).sort()).toEqual([...ownOrders].sort());
      expect(fuzzerRows.every((r) => String(r.key.orderId).startsWith(fuzzerPrefix))).toBe(true);

      expect(cases).toBeGreaterThanOrEqual(RUNS);
      // Refusals and successes of every kind were exercised, not just one.
      expect(outcomes.ok).toBeGreaterThan(RUNS / 10);
      expect(outcomes.BadRequest).toBeGreaterThan(RUNS / 5);
      expect(outcomes.NotFound).toBeGreaterThan(RUNS / 50);
      expect(outcomes.PayloadTooLarge).toBeGreaterThan(0);
      expect(outcomes.SessionInvalid).toBeGreaterThan(0);
      expect(created).toBeGreaterThan(RUNS / 50);
    },
    Math.max(60_000, RUNS * 40),
  );

  it('the victim still reads exactly its two orders, unchanged', async () => {
    const res = await rawPay(victim.sts, Buffer.from(JSON.stringify({ sid: victim.sessionId, op: 'list' })));
    expect(res.body.data.map((o: OrderAnswer) => [o.orderId, o.status])).toEqual([
      [victimOrders[1].orderId, 'WAIT_BUYER_PAY'],
      [victimOrders[0].orderId, 'PAID'],
    ]);
  });

  it('no function log line carries a secret or a stack trace, and pay wrote one line per event', () => {
    const bad = cloud.functionLogs.filter((l) => secrets.foundIn(l).length > 0 || STACK_FRAME.test(l));
    expect(bad).toEqual([]);
    const payLines = cloud.functionLogs.flatMap((l) => {
      try {
        const j = JSON.parse(l);
        return j.function === cloud.config.PayFunctionName ? [j] : [];
      } catch {
        return [];
      }
    });
    expect(payLines.length).toBeGreaterThanOrEqual(cases);
    for (const l of payLines)
      expect(l).toEqual(
        expect.objectContaining({
          requestId: expect.any(String),
          op: expect.any(String),
          outcome: expect.stringMatching(/^(ok|error)$/),
          ms: expect.any(Number),
        }),
      );
    // A line names the session by fingerprint only, and never holds a victim's order id.
    const victimIds = victimOrders.map((o) => o.orderId);
    expect(payLines.filter((l) => victimIds.includes(l.order))).toEqual([]);
  });
});
