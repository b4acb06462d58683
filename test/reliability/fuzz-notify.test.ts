import { createVerify } from 'node:crypto';
import fc from 'fast-check';
import { generateKeyPair, signedNotification } from '../../local/alipay';
import { DEV_APP_ID, type LocalCloud } from '../../local/cloud';
import { login, startCloud } from '../support/local';
import { type OrderAnswer, cashier, createOrder, functionLines, orderRows } from '../support/payments';
import type { StoredRow } from '../support/tables';
import { STACK_FRAME, Secrets, fuzzRuns, report } from './support';

/**
 * Random bodies POSTed to notify's anonymous HTTP trigger (NotifyUrl), as anyone on the internet
 * can: form-encoded garbage, huge bodies, repeated fields, notifications signed by keys that are
 * not Alipay's, notifications Alipay signed with random field values, and real notifications
 * whose fields were changed after signing.
 *
 * Each body is judged independently of the function (the oracle below): it is *authentic* only
 * if it parses as a form with no repeated field, Alipay's RSA2 signature verifies over exactly the
 * fields received (all but sign and sign_type, sorted), and it is for this app, a seeded order, the
 * order's amount and its trade. Only authentic notifications may change an order, only forward,
 * and only to a status one of them stated; every answer is `success` or `fail`, never a 5xx.
 */
const RUNS = fuzzRuns(2000);
const MAX_BODY_BYTES = 16 * 1024;
const RANK = { WAIT_BUYER_PAY: 0, CLOSED: 1, PAID: 2, REFUNDED: 3 } as const;
type Status = keyof typeof RANK;
const STAMP: Record<Status, string | undefined> = { WAIT_BUYER_PAY: undefined, CLOSED: 'closedAt', PAID: 'paidAt', REFUNDED: 'refundedAt' };
const REASONS = new Set(['malformed', 'signature', 'app_id', 'unknown_order', 'amount', 'trade_no']);
/** Seeded orders: enough that valid notifications keep finding orders still able to move during a run. */
const SEEDS = Math.max(24, Math.ceil(RUNS / 20));
/**
 * Fenced orders (every fourth pending one) never get an authentic notification (one the oracle
 * finds authentic is not sent), so they wait for payment the whole run while every other kind of
 * body names them: any change to them is a forgery getting through.
 */
const isFenced = (i: number) => i >= 4 && i % 4 === 0;

/** A seeded order as notify must know it. */
interface Seed {
  orderId: string;
  tradeNo: string;
  amount: string;
  title: string;
}

// ---- the oracle ------------------------------------------------------------------------------

/** What a body is, judged from the wire format and Alipay's signing rule alone. */
type Verdict =
  | { kind: 'refused'; why: string }
  /**
   * Sent by Alipay, for this app and a seeded order at its amount and trade. `must`: every field
   * as Alipay sends it (exact amount text, RSA2 or no sign_type, a trade_status), so it must be
   * answered `success`; otherwise (amount "9.9" for "9.90", an odd sign_type) either answer is right.
   */
  | { kind: 'authentic'; orderId: string; implies: Status[]; definite?: Status; must: boolean };

/** Yuan text as whole fen (BigInt, no digit limit); undefined when it is not an amount. */
const fen = (s: string | undefined): bigint | undefined => {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(s ?? '');
  return m ? BigInt(m[1]) * 100n + BigInt((m[2] ?? '').padEnd(2, '0')) : undefined;
};

function judge(body: Buffer, seeds: Map<string, Seed>, alipayPublicKey: string): Verdict {
  if (body.length > MAX_BODY_BYTES) return { kind: 'refused', why: 'size' };
  // application/x-www-form-urlencoded as WHATWG defines it (UTF-8, `+` is a space, bad escapes kept as text).
  return judgeFields([...new URLSearchParams(body.toString('utf8'))], seeds, alipayPublicKey);
}

function judgeFields(pairs: Array<[string, string]>, seeds: Map<string, Seed>, alipayPublicKey: string): Verdict {
  const fields = new Map(pairs);
  if (fields.size !== pairs.length) return { kind: 'refused', why: 'repeated' };
  const sign = fields.get('sign');
  if (!sign) return { kind: 'refused', why: 'unsigned' };
  // A nameless field (`=x`) is no parameter at all: no signer can cover it (Alipay's rule drops empty
  // parameters, alipay-sdk nameless ones), so it is left out like sign and sign_type.
  const content = [...fields.keys()]
    .filter((k) => k !== '' && k !== 'sign' && k !== 'sign_type')
    .sort()
    .map((k) => `${k}=${fields.get(k)}`)
    .join('&');
  let verified: boolean;
  try {
    verified = createVerify('RSA-SHA256').update(content, 'utf8').verify(alipayPublicKey, sign, 'base64');
  } catch {
    verified = false;
  }
  if (!verified) return { kind: 'refused', why: 'signature' };
  if (fields.get('app_id') !== DEV_APP_ID) return { kind: 'refused', why: 'app_id' };
  const seed = seeds.get(fields.get('out_trade_no') ?? '');
  if (!seed) return { kind: 'refused', why: 'order' };
  const amount = fields.get('total_amount');
  if (amount === undefined || fen(amount) === undefined || fen(amount) !== fen(seed.amount)) return { kind: 'refused', why: 'amount' };
  if (fields.get('trade_no') !== seed.tradeNo) return { kind: 'refused', why: 'trade_no' };
  const status = fields.get('trade_status');
  const signType = fields.get('sign_type');
  // What Alipay's trade status says of the order: a close with a refund time is a refund, one with
  // neither refund time nor fee an unpaid close; a fee alone may be read either way.
  let implies: Status[] = [];
  let definite: Status | undefined;
  if (status === 'TRADE_SUCCESS' || status === 'TRADE_FINISHED') implies = [(definite = 'PAID')];
  else if (status === 'TRADE_CLOSED') {
    const refundTime = fields.has('gmt_refund');
    const refundFee = fields.has('refund_fee');
    if (refundTime) implies = [(definite = 'REFUNDED')];
    else if (!refundFee) implies = [(definite = 'CLOSED')];
    else implies = ['CLOSED', 'REFUNDED'];
  }
  const must = amount === seed.amount && Boolean(status) && (signType === undefined || signType === 'RSA2');
  return { kind: 'authentic', orderId: seed.orderId, implies, definite: must ? definite : undefined, must };
}

// ---- bodies ----------------------------------------------------------------------------------

/** A body and how it was made (for the failure message). */
interface Post {
  body: Buffer;
  contentType?: string;
  label: string;
}

/** Alipay's notification fields for a trade_status_sync, before signing. */
function alipayFields(seed: Seed, status: string, notifyId: string): Record<string, string> {
  const f: Record<string, string> = {
    notify_time: '2026-12-01 10:00:05',
    notify_type: 'trade_status_sync',
    notify_id: notifyId,
    app_id: DEV_APP_ID,
    charset: 'utf-8',
    version: '1.0',
    sign_type: 'RSA2',
    trade_no: seed.tradeNo,
    out_trade_no: seed.orderId,
    buyer_id: '2088102177846880',
    seller_id: '2088000000000009',
    trade_status: status === 'TRADE_REFUND' ? 'TRADE_CLOSED' : status,
    total_amount: seed.amount,
    subject: seed.title,
    gmt_create: '2026-12-01 10:00:00',
  };
  if (status === 'TRADE_SUCCESS' || status === 'TRADE_FINISHED' || status === 'TRADE_REFUND') {
    f.receipt_amount = seed.amount;
    f.buyer_pay_amount = seed.amount;
    f.gmt_payment = '2026-12-01 10:00:04';
  }
  if (status === 'TRADE_REFUND') {
    f.refund_fee = seed.amount;
    f.gmt_refund = '2026-12-01 10:05:00.123';
  }
  if (status === 'TRADE_CLOSED' || status === 'TRADE_REFUND') f.gmt_close = '2026-12-01 10:15:00';
  return f;
}

const tradeStatus = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'TRADE_SUCCESS',
      'TRADE_SUCCESS',
      'TRADE_FINISHED',
      'TRADE_CLOSED',
      'TRADE_CLOSED',
      'TRADE_REFUND',
      'WAIT_BUYER_PAY',
      'WAIT_BUYER_PAY',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('trade_success', 'TRADE_SUCCESS ', 'TRADE_PAID', '', 'constructor', '__proto__') },
);
/** Odd text for field values: what `+`, `%`, `&`, `=` and non-ASCII do to a form. */
const oddValue = fc.oneof(
  fc.constantFrom('', ' ', '+', '%', '%25', '%2B', 'a+b', 'a b', '100%', 'a&b=c', '=', '&', '中文', '😀', '\u0000', '\n', '\u202e', 'x'.repeat(300)),
  fc.string({ maxLength: 20 }),
  fc.string({ maxLength: 10, unit: 'grapheme' }),
);

describe('fuzzing notify through its HTTP trigger', () => {
  let cloud: LocalCloud;
  let gatewayKey: string;
  let gatewayPublicKey: string;
  const otherKeys = [generateKeyPair().privateKeyPem, generateKeyPair().privateKeyPem];
  const seeds: Seed[] = [];
  const byId = new Map<string, Seed>();
  const secrets = new Secrets();
  const answers: Record<string, number> = {};
  const verdicts: Record<string, number> = {};
  /** Per order: the statuses authentic notifications that were answered `success` stated, and the definite ones. */
  const stated = new Map<string, Set<Status>>();
  const definite = new Map<string, Set<Status>>();
  let posts = 0;
  let counter = 0;
  /** Authentic bodies for fenced orders, not sent. */
  let fencedOff = 0;
  const fenced = new Set<string>();

  beforeAll(async () => {
    cloud = await startCloud();
    gatewayKey = cloud.keys.gateway.privateKeyPem;
    gatewayPublicKey = cloud.keys.gateway.publicKeyPem;
    secrets.addKey('gateway private key', gatewayKey);
    secrets.addKey('app private key', cloud.keys.app.privateKeyPem);
    const people = [await login(cloud), await login(cloud)];
    for (const p of people) secrets.addSession(p);
    const orders: OrderAnswer[] = [];
    for (let i = 0; i < SEEDS; i++) orders.push(await createOrder(cloud, people[i % 2]));
    for (const o of orders) {
      const seed = { orderId: o.orderId, tradeNo: o.tradeNo!, amount: o.amount, title: o.title };
      if (isFenced(seeds.length)) fenced.add(seed.orderId);
      seeds.push(seed);
      byId.set(seed.orderId, seed);
    }
    // Every status to start from: PAID and REFUNDED through Alipay's side, CLOSED by Alipay's close notification.
    expect(await cashier(cloud, orders[0].tradeNo!, 'paid')).toBe('9000');
    expect(await cashier(cloud, orders[1].tradeNo!, 'paid')).toBe('9000');
    await cloud.alipay.whenNotificationsIdle();
    const refund = await fetch(cloud.alipay.refundUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tradeNo: orders[1].tradeNo }),
    });
    expect(refund.status).toBe(200);
    await cloud.alipay.whenNotificationsIdle();
    const closed = await fetch(cloud.config.NotifyUrl, {
      method: 'POST',
      body: signedNotification(alipayFields(seeds[2], 'TRADE_CLOSED', 'seed-close'), gatewayKey),
    });
    expect(await closed.text()).toBe('success');
  });
  afterAll(async () => {
    report('fuzz notify', { posts, seeds: SEEDS, fencedOff, verdicts, answers });
    await cloud?.stop();
  });

  const statusOf = (r: StoredRow) => r.columns.status as Status;

  /** POSTs one body; checks the answer against the oracle's verdict. */
  async function post(p: Post): Promise<void> {
    const verdict = judge(p.body, byId, gatewayPublicKey);
    if (verdict.kind === 'authentic' && fenced.has(verdict.orderId)) {
      fencedOff++;
      return;
    }
    posts++;
    const res = await fetch(cloud.config.NotifyUrl, { method: 'POST', body: p.body, headers: p.contentType ? { 'content-type': p.contentType } : {} });
    const text = await res.text();
    const where = `${p.label}: ${JSON.stringify(p.body.subarray(0, 600).toString('latin1'))} (${p.body.length} bytes, ${verdict.kind === 'refused' ? `refused: ${verdict.why}` : `authentic${verdict.must ? '' : ', either answer'}`}) → ${res.status} ${JSON.stringify(text.slice(0, 200))}`;
    if (res.status >= 500) throw new Error(`5xx from the trigger: ${where}`);
    if (text !== 'success' && text !== 'fail') throw new Error(`answer neither "success" nor "fail": ${where}`);
    if ((res.status === 200) !== (text === 'success') || ![200, 400, 413].includes(res.status))
      throw new Error(`status ${res.status} with "${text}": ${where}`);
    if (p.body.length > MAX_BODY_BYTES && res.status !== 413) throw new Error(`over ${MAX_BODY_BYTES} bytes and not 413: ${where}`);
    const key = verdict.kind === 'refused' ? `refused:${verdict.why}` : verdict.must ? 'authentic' : 'authentic:either';
    verdicts[key] = (verdicts[key] ?? 0) + 1;
    answers[text] = (answers[text] ?? 0) + 1;
    if (verdict.kind === 'refused') {
      if (text === 'success') throw new Error(`a notification that is not Alipay's, or not for this order, was accepted: ${where}`);
      return;
    }
    if (verdict.must && text !== 'success') throw new Error(`an authentic notification was refused (Alipay would resend it for 25 hours): ${where}`);
    if (text === 'success') {
      const s = stated.get(verdict.orderId) ?? new Set<Status>();
      for (const st of verdict.implies) s.add(st);
      stated.set(verdict.orderId, s);
      if (verdict.definite) definite.set(verdict.orderId, (definite.get(verdict.orderId) ?? new Set<Status>()).add(verdict.definite));
    }
  }

  // Bodies are built inside the property from a recipe (signing needs the keys, known once the cloud runs).

  type Mutation =
    | { kind: 'set'; field: string; value: string }
    | { kind: 'setAmount'; pick: number }
    | { kind: 'setOrder'; pick: number }
    | { kind: 'remove'; field: string }
    | { kind: 'add'; field: string; value: string }
    | { kind: 'duplicate'; field: string; same: boolean }
    | { kind: 'reencode'; field: string; how: 'plus' | 'percent-all' | 'lower-hex' }
    | { kind: 'reverse' }
    | { kind: 'signature'; how: 'flip' | 'truncate' | 'append' | 'transplant' | 'other-key' | 'empty' | 'garbage' | 'spaces' | 'std-plus' }
    | { kind: 'rename'; field: string }
    | { kind: 'bytes'; field: string; raw: number[] }
    | { kind: 'ampersands'; where: 'start' | 'end' | 'middle' };

  const FIELD = fc.constantFrom(
    'notify_time',
    'notify_id',
    'app_id',
    'trade_no',
    'out_trade_no',
    'trade_status',
    'total_amount',
    'subject',
    'gmt_payment',
    'sign_type',
    'charset',
    'seller_id',
    'buyer_id',
    'sign',
    'refund_fee',
    'gmt_refund',
  );
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({
      kind: fc.constant('set' as const),
      field: FIELD,
      value: fc.oneof(
        oddValue,
        fc.constantFrom('RSA', 'rsa2', 'RSA2 ', 'TRADE_SUCCESS', 'TRADE_CLOSED', '2021000000009999', '2021000000000001 ', '2026120122001400000000000001'),
      ),
    }),
    fc.record({ kind: fc.constant('setAmount' as const), pick: fc.nat(100) }),
    fc.record({ kind: fc.constant('setOrder' as const), pick: fc.nat(1000) }),
    fc.record({ kind: fc.constant('remove' as const), field: FIELD }),
    fc.record({
      kind: fc.constant('add' as const),
      field: fc.constantFrom(
        'refund_fee',
        'gmt_refund',
        'gmt_close',
        'body',
        'passback_params',
        'fund_bill_list',
        'Sign',
        'sign ',
        'sign[]',
        'out_trade_no[]',
        '__proto__',
        'constructor',
        'toString',
        'hasOwnProperty',
        '',
      ),
      value: oddValue,
    }),
    fc.record({ kind: fc.constant('duplicate' as const), field: FIELD, same: fc.boolean() }),
    fc.record({
      kind: fc.constant('reencode' as const),
      field: FIELD,
      how: fc.constantFrom<'plus' | 'percent-all' | 'lower-hex'>('plus', 'percent-all', 'lower-hex'),
    }),
    fc.constant({ kind: 'reverse' as const }),
    fc.record({
      kind: fc.constant('signature' as const),
      how: fc.constantFrom<'flip' | 'truncate' | 'append' | 'transplant' | 'other-key' | 'empty' | 'garbage' | 'spaces' | 'std-plus'>(
        'flip',
        'truncate',
        'append',
        'transplant',
        'other-key',
        'empty',
        'garbage',
        'spaces',
        'std-plus',
      ),
    }),
    fc.record({ kind: fc.constant('rename' as const), field: FIELD }),
    fc.record({ kind: fc.constant('bytes' as const), field: FIELD, raw: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }) }),
    fc.record({ kind: fc.constant('ampersands' as const), where: fc.constantFrom<'start' | 'end' | 'middle'>('start', 'end', 'middle') }),
  );

  /** The body as its encoded `name=value` pieces (Buffers, so raw bytes can go in). */
  type Pieces = Array<[Buffer, Buffer]>;
  const enc = (s: string) => Buffer.from(encodeURIComponent(s));
  const toPieces = (body: string): Pieces =>
    body.split('&').map((kv) => {
      const i = kv.indexOf('=');
      return [Buffer.from(kv.slice(0, i)), Buffer.from(kv.slice(i + 1))];
    });
  /** `name=value` joined by `&`; a piece with neither name nor value is an empty one (`&&`). */
  const join = (pieces: Pieces): Buffer =>
    Buffer.concat(pieces.flatMap(([k, v], i) => [...(i ? [Buffer.from('&')] : []), ...(k.length || v.length ? [k, Buffer.from('='), v] : [])]));
  const decoded = (b: Buffer) => new URLSearchParams(`x=${b.toString('utf8')}`).get('x') ?? '';
  const sigOf = (fields: Record<string, string>, key: string) => new URLSearchParams(signedNotification(fields, key)).get('sign')!;

  function mutate(pieces: Pieces, m: Mutation, seed: Seed, fields: Record<string, string>): Pieces {
    const at = (field: string) => pieces.findIndex(([k]) => k.toString() === encodeURIComponent(field));
    const i = 'field' in m ? at(m.field) : -1;
    const set = (idx: number, v: Buffer) => (idx >= 0 ? pieces.map((p, j) => (j === idx ? ([p[0], v] as [Buffer, Buffer]) : p)) : pieces);
    switch (m.kind) {
      case 'set':
        return set(i, enc(m.value));
      case 'setAmount': {
        const amounts = ['9.9', '09.90', '9.900', '9.91', '9.89', '0.01', '0', '990', ' 9.90', '+9.90', '9,90', '1e1', '', '-9.90', '９.９０', seed.amount];
        return set(at('total_amount'), enc(amounts[m.pick % amounts.length]));
      }
      case 'setOrder': {
        const other = seeds[m.pick % seeds.length];
        const choices = [
          other.orderId,
          `${seed.orderId.slice(0, -1)}0`,
          seed.orderId.toUpperCase(),
          `${seed.orderId} `,
          `${seed.orderId}\u0000`,
          `pending_${seed.orderId}`,
        ];
        return set(at('out_trade_no'), enc(choices[m.pick % choices.length]));
      }
      case 'remove':
        return i >= 0 ? pieces.filter((_, j) => j !== i) : pieces;
      case 'add':
        return [...pieces, [enc(m.field), enc(m.value)]];
      case 'duplicate':
        return i >= 0 ? [...pieces, [pieces[i][0], m.same ? pieces[i][1] : enc(`${decoded(pieces[i][1])}x`)]] : pieces;
      case 'reencode': {
        if (i < 0) return pieces;
        const v = decoded(pieces[i][1]);
        const again =
          m.how === 'plus'
            ? encodeURIComponent(v).replace(/%20/g, '+')
            : m.how === 'lower-hex'
              ? encodeURIComponent(v).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())
              : [...Buffer.from(v)].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
        return set(i, Buffer.from(again));
      }
      case 'reverse':
        return [...pieces].reverse();
      case 'signature': {
        const s = at('sign');
        if (s < 0) return pieces;
        const sign = decoded(pieces[s][1]);
        const other = seeds[(seeds.indexOf(seed) + 1) % seeds.length];
        const replacement: Record<typeof m.how, () => string> = {
          flip: () => sign.slice(0, 10) + (sign[10] === 'A' ? 'B' : 'A') + sign.slice(11),
          truncate: () => sign.slice(0, -4),
          append: () => `${sign}AAAA`,
          // A real signature, of Alipay's, for another notification.
          transplant: () => sigOf(alipayFields(other, fields.trade_status, fields.notify_id), gatewayKey),
          'other-key': () => sigOf(fields, otherKeys[0]),
          empty: () => '',
          garbage: () => '%%%not base64!!!',
          spaces: () => sign.replace(/(.{64})/g, '$1 '),
          'std-plus': () => sign,
        };
        // Sent unescaped, base64's `+` reads as a space (and `/`, `=` as themselves): usually no longer Alipay's.
        if (m.how === 'std-plus') return set(s, Buffer.from(sign));
        return set(s, enc(replacement[m.how]()));
      }
      case 'rename': {
        if (i < 0) return pieces;
        const name = pieces[i][0].toString();
        return pieces.map((p, j) =>
          j === i ? ([Buffer.from(name.toUpperCase() === name ? name.toLowerCase() : name.toUpperCase()), p[1]] as [Buffer, Buffer]) : p,
        );
      }
      case 'bytes':
        return i >= 0 ? set(i, Buffer.concat([pieces[i][1], Buffer.from(m.raw)])) : pieces;
      case 'ampersands':
        return m.where === 'start'
          ? [[Buffer.alloc(0), Buffer.alloc(0)], ...pieces]
          : m.where === 'end'
            ? [...pieces, [Buffer.from(''), Buffer.from('')]]
            : [pieces[0], [Buffer.alloc(0), Buffer.alloc(0)], ...pieces.slice(1)];
    }
  }

  type Recipe =
    | { kind: 'garbage'; body: string | Uint8Array; form: Array<[string, string]>; asForm: boolean }
    | { kind: 'huge'; target: number; order: number; signed: boolean }
    | { kind: 'repeated'; order: number; status: string; field: string; same: boolean }
    | { kind: 'forged'; order: number; status: string; key: number; over: Record<string, string> }
    | { kind: 'alipay-random'; order: number; status: string; over: Record<string, string>; amount: number }
    | { kind: 'real'; order: number; status: string; mutations: Mutation[] };

  const order = fc.nat(10_000);
  const overrides = fc.dictionary(
    fc.constantFrom(
      'app_id',
      'trade_no',
      'out_trade_no',
      'total_amount',
      'trade_status',
      'subject',
      'refund_fee',
      'gmt_refund',
      'gmt_payment',
      'notify_type',
      'charset',
      'seller_id',
      'body',
    ),
    fc.oneof(oddValue, fc.constantFrom('2021000000009999', '2026120122001400000000000001', '9.90', '0.01', 'TRADE_SUCCESS')),
    { maxKeys: 3 },
  );
  const recipe: fc.Arbitrary<Recipe> = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('garbage' as const),
        body: fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.string({ maxLength: 300, unit: 'binary' }),
          fc.uint8Array({ maxLength: 300 }),
          fc.json(),
          fc.constantFrom(
            '',
            '=',
            '&',
            '&&=&',
            'sign=',
            'sign=%ZZ',
            '%',
            'a=%E4%B8',
            '__proto__=1&__proto__=2',
            'sign=a&sign=b',
            'success',
            'out_trade_no=&trade_status=TRADE_SUCCESS',
            '\ufeffsign=x',
          ),
        ),
        form: fc.array(fc.tuple(fc.oneof(FIELD, fc.string({ maxLength: 8 })), oddValue), { maxLength: 12 }),
        asForm: fc.boolean(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('huge' as const),
        target: fc.constantFrom(MAX_BODY_BYTES - 1, MAX_BODY_BYTES, MAX_BODY_BYTES + 1, 20_000, 200_000, 1_000_000),
        order,
        signed: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('repeated' as const), order, status: tradeStatus, field: FIELD, same: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('forged' as const), order, status: tradeStatus, key: fc.nat(1), over: overrides }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('alipay-random' as const), order, status: tradeStatus, over: overrides, amount: fc.nat(100) }) },
    {
      weight: 6,
      arbitrary: fc.record({ kind: fc.constant('real' as const), order, status: tradeStatus, mutations: fc.array(mutation, { minLength: 0, maxLength: 3 }) }),
    },
  );
  const contentType = fc.constantFrom(
    'application/x-www-form-urlencoded; charset=utf-8',
    'application/x-www-form-urlencoded; charset=utf-8',
    'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded; charset=GBK',
    'application/json',
    'text/plain',
    'multipart/form-data; boundary=x',
    undefined,
  );

  /** The body a recipe stands for. */
  function build(r: Recipe): Post {
    const notifyId = `fz${++counter}`;
    switch (r.kind) {
      case 'garbage':
        return {
          label: 'garbage',
          body: r.asForm
            ? Buffer.from(r.form.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'))
            : Buffer.from(typeof r.body === 'string' ? r.body : r.body),
        };
      case 'huge': {
        // A field Alipay signs (`body`, the trade's description) sized so the whole body is `target` bytes.
        const seed = seeds[r.order % seeds.length];
        let size = r.target - 1500;
        for (let i = 0; i < 4; i++) {
          const fields = { ...alipayFields(seed, 'TRADE_SUCCESS', notifyId), body: 'b'.repeat(Math.max(0, size)) };
          const body = r.signed
            ? signedNotification(fields, gatewayKey)
            : `${signedNotification(alipayFields(seed, 'TRADE_SUCCESS', notifyId), gatewayKey)}&pad=${'p'.repeat(Math.max(0, size))}`;
          if (body.length === r.target || i === 3) return { label: `huge (${r.signed ? 'signed' : 'unsigned'} padding)`, body: Buffer.from(body) };
          size += r.target - body.length;
        }
        throw new Error('unreachable');
      }
      case 'repeated': {
        const seed = seeds[r.order % seeds.length];
        const body = signedNotification(alipayFields(seed, r.status, notifyId), gatewayKey);
        const pieces = toPieces(body);
        return { label: `repeated ${r.field}`, body: join(mutate(pieces, { kind: 'duplicate', field: r.field, same: r.same }, seed, {})) };
      }
      case 'forged': {
        const seed = seeds[r.order % seeds.length];
        return {
          label: 'signed by another key',
          body: Buffer.from(signedNotification({ ...alipayFields(seed, r.status, notifyId), ...r.over }, otherKeys[r.key])),
        };
      }
      case 'alipay-random': {
        const seed = seeds[r.order % seeds.length];
        const amounts = [seed.amount, seed.amount, '9.9', '09.90', '9.91', '0.01', '990', '', 'x'];
        const fields = { ...alipayFields(seed, r.status, notifyId), total_amount: amounts[r.amount % amounts.length], ...r.over };
        return { label: `signed by Alipay with ${JSON.stringify(r.over)}`, body: Buffer.from(signedNotification(fields, gatewayKey)) };
      }
      case 'real': {
        const seed = seeds[r.order % seeds.length];
        const fields = alipayFields(seed, r.status, notifyId);
        let pieces = toPieces(signedNotification(fields, gatewayKey));
        for (const m of r.mutations) pieces = mutate(pieces, m, seed, fields);
        return { label: `Alipay's, then ${JSON.stringify(r.mutations)}`, body: join(pieces) };
      }
    }
  }

  it('the oracle: real is authentic; forged, altered, repeated, foreign or mismatched is refused', () => {
    const seed = seeds[5];
    const real = signedNotification(alipayFields(seed, 'TRADE_SUCCESS', 'o1'), gatewayKey);
    const verdict = (body: string) => {
      const v = judge(Buffer.from(body), byId, gatewayPublicKey);
      return v.kind === 'refused' ? v.why : v.must ? 'authentic' : 'either';
    };
    expect(verdict(real)).toBe('authentic');
    expect(verdict(real.split('&').reverse().join('&'))).toBe('authentic');
    expect(verdict(`${real}&=nameless`)).toBe('authentic');
    expect(verdict(real.replace('subject=Todo%20Pro', 'subject=Todo+Pro'))).toBe('authentic');
    expect(verdict(signedNotification(alipayFields(seed, 'TRADE_SUCCESS', 'o1'), otherKeys[0]))).toBe('signature');
    expect(verdict(real.replace('total_amount=9.90', 'total_amount=0.01'))).toBe('signature');
    expect(verdict(`${real}&refund_fee=9.90`)).toBe('signature');
    expect(verdict(`${real}&trade_status=TRADE_SUCCESS`)).toBe('repeated');
    expect(verdict(real.replace(/&sign=[^&]*/, ''))).toBe('unsigned');
    expect(verdict(signedNotification({ ...alipayFields(seed, 'TRADE_SUCCESS', 'o1'), total_amount: '0.01' }, gatewayKey))).toBe('amount');
    expect(verdict(signedNotification({ ...alipayFields(seed, 'TRADE_SUCCESS', 'o1'), total_amount: '9.9' }, gatewayKey))).toBe('either');
    expect(verdict(signedNotification({ ...alipayFields(seed, 'TRADE_SUCCESS', 'o1'), app_id: '2021000000009999' }, gatewayKey))).toBe('app_id');
    expect(verdict(signedNotification({ ...alipayFields(seed, 'TRADE_SUCCESS', 'o1'), trade_no: '2026120122001400000000000001' }, gatewayKey))).toBe(
      'trade_no',
    );
    expect(verdict(signedNotification({ ...alipayFields(seed, 'TRADE_SUCCESS', 'o1'), out_trade_no: `${seed.orderId.slice(0, -1)}x` }, gatewayKey))).toBe(
      'order',
    );
    expect(verdict(`${real}&pad=${'p'.repeat(MAX_BODY_BYTES)}`)).toBe('size');
  });

  it(
    `answers ${RUNS} groups of random notifications with "success" or "fail", and only authentic ones move an order, forward`,
    async () => {
      await cloud.alipay.whenNotificationsIdle();
      const before = new Map((await orderRows(cloud)).map((r) => [String(r.key.orderId), r]));
      expect([...before.keys()].filter((k) => !k.startsWith('pending_'))).toHaveLength(SEEDS);
      const initial = new Map(seeds.map((s) => [s.orderId, statusOf(before.get(s.orderId)!)]));
      expect([...initial.values()].slice(0, 4)).toEqual(['PAID', 'REFUNDED', 'CLOSED', 'WAIT_BUYER_PAY']);

      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(recipe, contentType), { minLength: 1, maxLength: 3 }), async (group) => {
          // A few at once, as Alipay's retries and duplicates arrive: the oracle does not depend on their order.
          await Promise.all(group.map(([r, ct]) => post({ ...build(r), contentType: ct })));
        }),
        {
          numRuns: RUNS,
          endOnFailure: true,
          reporter: (run) => {
            if (run.failed)
              throw new Error(
                `${String((run.errorInstance as Error)?.message ?? run.errorInstance).slice(0, 3_000)}\n(replay: seed ${run.seed}, path ${run.counterexamplePath})`,
              );
          },
        },
      );

      const after = new Map((await orderRows(cloud)).map((r) => [String(r.key.orderId), r]));
      expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
      const problems: string[] = [];
      let moved = 0;
      for (const [id, was] of before) {
        const now = after.get(id)!;
        if (JSON.stringify(now) === JSON.stringify(was)) {
          // Unchanged is wrong only if an authentic notification said it had moved on.
          for (const st of definite.get(id) ?? []) if (RANK[st] > RANK[statusOf(was)]) problems.push(`${id} stayed ${statusOf(was)} after an accepted ${st}`);
          continue;
        }
        moved++;
        if (id.startsWith('pending_')) {
          problems.push(`${id}: a pending row changed`);
          continue;
        }
        const from = statusOf(was);
        const to = statusOf(now);
        if (!stated.get(id)?.has(to)) problems.push(`${id}: ${from} → ${to} without an authentic notification saying ${to}`);
        if (RANK[to] <= RANK[from]) problems.push(`${id}: moved backward or sideways, ${from} → ${to}`);
        for (const st of definite.get(id) ?? []) if (RANK[st] > RANK[to]) problems.push(`${id} is ${to} after an accepted ${st}`);
        // Nothing but the status and the times of the statuses it passed through (each one an accepted
        // notification stated): amount, trade, owner, sku, creation and earlier stamps as they were.
        const changedColumns = Object.keys({ ...was.columns, ...now.columns }).filter((c) => JSON.stringify(was.columns[c]) !== JSON.stringify(now.columns[c]));
        const passed = (Object.keys(RANK) as Status[]).filter((st) => RANK[st] > RANK[from] && RANK[st] <= RANK[to] && stated.get(id)?.has(st));
        const allowed = ['status', ...passed.map((st) => STAMP[st])];
        if (changedColumns.some((c) => !allowed.includes(c))) problems.push(`${id}: columns ${changedColumns.join(', ')} changed (${from} → ${to})`);
        if (typeof now.columns[STAMP[to]!] !== 'number') problems.push(`${id}: ${to} without ${STAMP[to]}`);
      }
      expect(problems).toEqual([]);
      // The fenced orders were named by every other kind of body and are still waiting, untouched.
      for (const id of fenced) expect(JSON.stringify(after.get(id))).toBe(JSON.stringify(before.get(id)));
      expect(fenced.size).toBeGreaterThan(0);
      report('fuzz notify orders', {
        moved,
        final: Object.fromEntries(
          Object.keys(RANK).map((st) => [st, [...after.values()].filter((r) => !String(r.key.orderId).startsWith('pending_') && statusOf(r) === st).length]),
        ),
      });
      // The run exercised every kind of verdict and moved orders, not just refused garbage.
      expect(moved).toBeGreaterThan(0);
      expect(verdicts.authentic).toBeGreaterThan(RUNS / 50);
      for (const why of ['signature', 'repeated', 'amount', 'trade_no', 'order', 'app_id', 'size']) expect(verdicts[`refused:${why}`] ?? 0).toBeGreaterThan(0);
    },
    Math.max(60_000, RUNS * 60),
  );

  /**
   * A `__proto__` field is a field like any other (notify collects the form into a null-prototype
   * object): an unsigned one breaks Alipay's signature, and one given twice is a repeated field.
   */
  it('a real notification with an unsigned `__proto__` field added is refused, and changes nothing', async () => {
    const me = await login(cloud);
    const o = await createOrder(cloud, me);
    const seed = { orderId: o.orderId, tradeNo: o.tradeNo!, amount: o.amount, title: o.title };
    const body = `${signedNotification(alipayFields(seed, 'TRADE_SUCCESS', 'proto-1'), gatewayKey)}&__proto__=unsigned&__proto__=twice`;
    const res = await fetch(cloud.config.NotifyUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const row = (await orderRows(cloud)).find((r) => r.key.orderId === o.orderId)!;
    expect([res.status, await res.text(), row.columns.status]).toEqual([400, 'fail', 'WAIT_BUYER_PAY']);
  });

  it('wrote one notify line per POST, each with a reason when refused, and no secret or stack trace', () => {
    const lines = functionLines(cloud, 'notify');
    expect(lines.length).toBeGreaterThanOrEqual(posts);
    for (const l of lines) {
      expect(l).toEqual(
        expect.objectContaining({
          requestId: expect.any(String),
          op: 'notify',
          outcome: expect.stringMatching(/^(ok|error)$/),
          ms: expect.any(Number),
          status: expect.any(Number),
        }),
      );
      if (l.outcome === 'error' && l.status === 400) expect(REASONS.has(l.reason)).toBe(true);
    }
    expect(cloud.functionLogs.filter((l) => secrets.foundIn(l).length > 0 || STACK_FRAME.test(l))).toEqual([]);
  });
});
