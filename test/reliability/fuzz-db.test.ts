import fc from 'fast-check';
import type { LocalCloud } from '../../local/cloud';
import { type LoginAnswer, login, startCloud } from '../support/local';
import { STACK_FRAME, Secrets, dbCall, fuzzRuns, isErrorBody, rawInvoke, report, userRows } from './support';

/**
 * Random events against the db function, through FC with a valid session's STS credentials
 * (fc2, events as raw strings so malformed JSON and literal `__proto__` keys arrive as written).
 *
 * Two users: `fuzzer` gets every kind of event, valid writes included (its data is not checked);
 * `checked` is seeded with objects and only ever receives events that must be refused, or reads;
 * its rows in the raw table must be byte-for-byte the same after the run.
 */
const RUNS = fuzzRuns(2000);
/** Codes db may answer without any fault injected. */
const ALLOWED_ERRORS = new Set(['BadRequest', 'PayloadTooLarge', 'SessionInvalid', 'NotFound', 'Conflict']);

// ---- arbitraries -----------------------------------------------------------------------------

/** Strings that stress validators: lone surrogates, RTL and zero-width marks, emoji, controls, NUL. */
const oddChar = fc.constantFrom(
  '\ud800',
  '\udfff',
  '\u202e',
  '\u200f',
  '\u200b',
  '\u200d',
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
);
const oddString = fc
  .array(fc.oneof(oddChar, fc.string({ maxLength: 4, unit: 'grapheme' }), fc.string({ maxLength: 4, unit: 'binary' })), { maxLength: 12 })
  .map((parts) => parts.join(''));
const idLike = fc.oneof(
  fc.constantFrom('a', 'b', 'todo 1', 'x/y', '中文', '😀', '\u202eevil', 'z'.repeat(256), 'z'.repeat(257), '', ' ', '\u0000'),
  fc.string({ minLength: 1, maxLength: 20 }),
  oddString,
);
const fieldName = fc.oneof(
  fc.constantFrom('text', 'done', 'n', '$x', '_y', 'a-b', 'uid', 'collection', 'version', 'createdAt', 'updatedAt', 'id', 'writeId', 'doc'),
  fc.constantFrom('1bad', '-bad', 'a b', '', 'x'.repeat(65), 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'ünï'),
  fc.string({ maxLength: 10 }),
);
const leaf = fc.oneof(
  fc.string({ maxLength: 30 }),
  oddString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt().map((b) => Number(b)),
);
/** JSON values up to a small depth; deep ones come from `deepValue`. */
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fieldName, tie('v'), { maxKeys: 4 })),
})).v;
const deepValue = fc.integer({ min: 6, max: 40 }).map((d) => {
  let v: unknown = 1;
  for (let i = 0; i < d; i++) v = i % 2 ? [v] : { k: v };
  return v;
});
const fields = fc.dictionary(fieldName, fc.oneof(value, deepValue), { maxKeys: 8 });
const op = fc.oneof(
  fc.constantFrom('put', 'get', 'list', 'update', 'remove'),
  fc.constantFrom('PUT', 'delete', 'query', '', 'toString', '__proto__'),
  fc.string({ maxLength: 8 }),
);
const anyScalar = fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}));
const collection = fc.oneof(
  fc.constantFrom(undefined, 'default', 'notes', 'a_b-C9', 'c'.repeat(64), 'c'.repeat(65), '', 'a/b', '../x', 'notes\u0000'),
  anyScalar,
);
const ifVersion = fc.oneof(fc.constantFrom(undefined, 0, 1, 2, 3, -1, 1.5, '1', 2 ** 53, null, true), fc.integer());
const limit = fc.oneof(fc.constantFrom(undefined, 1, 100, 0, 101, -1, 1.5, '10'), fc.integer());
const cursor = fc.oneof(
  fc.constantFrom(
    undefined,
    '',
    'x',
    Buffer.from('["default","a"]').toString('base64url'),
    Buffer.from('["other","a"]').toString('base64url'),
    'c'.repeat(3000),
  ),
  fc.string(),
  anyScalar,
);

type Sid = 'fuzzer' | 'checked' | 'garbage';
/**
 * Placeholders for the checked user's ids, filled in once it has logged in: CHECKED_UID is its
 * account id (what its objects' `uid` holds), CHECKED_USER its raw Alipay user id.
 */
const CHECKED_PLACEHOLDER = /CHECKED_UID|CHECKED_USER/g;
interface Spec {
  sid: Sid | string;
  event: Record<string, unknown>;
  /** Literal JSON text spliced into the event or its obj (prototype pollution, duplicate keys). */
  splice?: { where: 'event' | 'obj'; text: string };
  /** Kind of text to send instead of a JSON event. */
  raw?: string;
  pad?: number;
}

const sidChoice: fc.Arbitrary<Sid | string> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Sid>('fuzzer') },
  { weight: 1, arbitrary: fc.constant<Sid>('garbage') },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.string({ maxLength: 130 }),
      anyScalar.map((v) => v as unknown as string),
    ),
  },
);

/** Valid-looking events with random parts. */
const eventSpec: fc.Arbitrary<Spec> = fc.record({
  sid: sidChoice,
  event: fc.record(
    {
      op,
      id: idLike,
      obj: fc.oneof(
        fc.tuple(idLike, fields).map(([id, f]) => ({ ...f, id })),
        fields,
        anyScalar,
      ),
      collection,
      ifVersion,
      limit,
      cursor,
      uid: fc.constantFrom(undefined, 'CHECKED_UID', 'CHECKED_USER', '2088000000000000'),
      extra: fc.option(value),
    },
    { requiredKeys: ['op'] },
  ),
});
/** Events that are valid in every part, so writes land and reads find them (the fuzzer's own data). */
const goodName = fc.stringMatching(/^[A-Za-z_$][A-Za-z0-9_$-]{0,12}$/).filter((n) => !['__proto__', 'constructor', 'prototype'].includes(n));
const goodValue = fc.oneof(
  fc.string({ maxLength: 40, unit: 'grapheme' }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 5 }),
  fc.dictionary(goodName, fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);
/** The id rule of request.ts, restated: 1-256 characters, no control characters (Cc), no lone surrogates (Cs), at most 1 KB of UTF-8. */
const isValidId = (s: unknown): boolean => typeof s === 'string' && /^[^\p{Cc}\p{Cs}]{1,256}$/u.test(s) && Buffer.byteLength(s) <= 1024;
const goodId = fc.oneof(
  fc.constantFrom('a', 'b', 'c', 'd', 'todo 1', '中文', '😀'),
  fc.string({ minLength: 1, maxLength: 30, unit: 'grapheme' }).filter(isValidId),
);
const validSpec: fc.Arbitrary<Spec> = fc.record({
  sid: fc.constant<Sid>('fuzzer'),
  event: fc.oneof(
    fc.record({
      op: fc.constantFrom('put', 'update'),
      obj: fc.tuple(goodId, fc.dictionary(goodName, goodValue, { maxKeys: 6 })).map(([id, f]) => ({ ...f, id })),
      collection: fc.constantFrom(undefined, 'notes'),
      ifVersion: fc.constantFrom(undefined, 0, 1, 2),
    }),
    fc.record({ op: fc.constantFrom('get', 'remove'), id: goodId, collection: fc.constantFrom(undefined, 'notes'), ifVersion: fc.constantFrom(undefined, 1) }),
    fc.record({ op: fc.constant('list'), collection: fc.constantFrom(undefined, 'notes'), limit: fc.integer({ min: 1, max: 100 }) }),
  ),
});
const spliceText = fc.constantFrom(
  '"__proto__": {"polluted": true}',
  '"__proto__": {"isAdmin": true, "uid": "CHECKED_UID"}',
  '"__proto__": {"isAdmin": true, "uid": "CHECKED_USER"}',
  '"uid": "CHECKED_UID", "uid": "CHECKED_UID"',
  '"uid": "CHECKED_USER"',
  '"constructor": {"prototype": {"polluted": true}}',
  '"nested": {"__proto__": {"polluted": true}}',
  '"list": [{"a": {"__proto__": []}}]',
  '"prototype": 1',
  '"id": "dup-id-1", "id": "dup-id-2"',
  '"op": "get", "op": "put"',
  '"sid": "x"',
);
const splicedSpec: fc.Arbitrary<Spec> = fc.record({
  sid: sidChoice,
  event: fc.record({
    op: fc.constantFrom('put', 'update', 'get', 'list', 'remove'),
    obj: fc.tuple(idLike, fields).map(([id, f]) => ({ ...f, id })),
    id: idLike,
  }),
  splice: fc.record({ where: fc.constantFrom<'event' | 'obj'>('event', 'obj'), text: spliceText }),
});
const rawSpec: fc.Arbitrary<Spec> = fc.record({
  sid: fc.constant<Sid>('fuzzer'),
  event: fc.constant({}),
  raw: fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.string({ maxLength: 200, unit: 'binary' }),
    fc.json(),
    fc.constantFrom(
      '',
      'null',
      '[]',
      '{}',
      '"str"',
      '1',
      'true',
      '{"sid":',
      '{"sid":"a","op":"get",}',
      '\ufeff{}',
      '{"a":1}{"b":2}',
      '['.repeat(5000) + ']'.repeat(5000),
      '{"a":'.repeat(3000) + '1' + '}'.repeat(3000),
      '['.repeat(200000),
    ),
  ),
});
/** Huge events: padding to around and over 128 KB, objects around and over 64 KB, many fields. */
const hugeSpec: fc.Arbitrary<Spec> = fc.record({
  sid: fc.constantFrom<Sid>('fuzzer', 'checked'),
  event: fc.oneof(
    fc.integer({ min: 60_000, max: 70_000 }).map((n) => ({ op: 'put', obj: { id: 'huge', blob: 'x'.repeat(n) } })),
    fc
      .integer({ min: 120, max: 140 })
      .map((n) => ({ op: 'put', obj: Object.fromEntries([['id', 'wide'], ...Array.from({ length: n }, (_, i) => [`f${i}`, i])]) })),
    fc.constant({ op: 'get', id: 'a' }),
  ),
  pad: fc.integer({ min: 100_000, max: 200_000 }),
});

/**
 * Events the checked user receives: each one is refused, or only reads. A spoiler makes a valid
 * write invalid in one way; `obj` spoilers only spoil put and update (remove reads no obj).
 */
type Spoiler = { objOnly: boolean; spoil: (e: Record<string, unknown>) => Record<string, unknown> | string };
const withId = (e: Record<string, unknown>, id: unknown) => ({ ...e, id, obj: { ...(e.obj as object), id } });
const spoilers: Spoiler[] = [
  { objOnly: false, spoil: (e) => withId(e, '') },
  { objOnly: false, spoil: (e) => withId(e, 'z'.repeat(257)) },
  { objOnly: false, spoil: (e) => withId(e, 'ctl\u0001') },
  { objOnly: false, spoil: (e) => withId(e, 'c1\u0085') },
  { objOnly: false, spoil: (e) => withId(e, '\u009f') },
  // Lone surrogates: UTF-8 would make each U+FFFD, the key of another object.
  { objOnly: false, spoil: (e) => withId(e, 'a\ud800') },
  { objOnly: false, spoil: (e) => withId(e, '\udfff') },
  { objOnly: false, spoil: (e) => withId(e, 42) },
  { objOnly: false, spoil: (e) => withId(e, null) },
  { objOnly: false, spoil: (e) => ({ ...e, collection: 'bad/collection' }) },
  { objOnly: false, spoil: (e) => ({ ...e, collection: 7 }) },
  { objOnly: false, spoil: (e) => ({ ...e, ifVersion: -1 }) },
  { objOnly: false, spoil: (e) => ({ ...e, ifVersion: '1' }) },
  { objOnly: false, spoil: (e) => ({ ...e, ifVersion: 1.5 }) },
  { objOnly: false, spoil: (e) => ({ ...e, op: String(e.op).toUpperCase() }) },
  { objOnly: false, spoil: (e) => ({ ...e, pad: 'p'.repeat(132_000) }) },
  { objOnly: false, spoil: (e) => JSON.stringify(e).slice(0, -1) },
  { objOnly: true, spoil: (e) => ({ ...e, obj: [e.obj] }) },
  { objOnly: true, spoil: (e) => ({ ...e, obj: null }) },
  { objOnly: true, spoil: (e) => ({ ...e, obj: { ...(e.obj as object), '1bad': 1 } }) },
  { objOnly: true, spoil: (e) => ({ ...e, obj: { ...(e.obj as object), deep: [[[[[[[[[1]]]]]]]]] } }) },
  { objOnly: true, spoil: (e) => ({ ...e, obj: { ...(e.obj as object), big: 'x'.repeat(66_000) } }) },
  // JSON.parse reads these as ±Infinity (JSON.stringify can't write them: spliced into the text).
  { objOnly: true, spoil: (e) => JSON.stringify(e).replace(/"obj":\{/, '"obj":{"n":1e999,') },
  { objOnly: true, spoil: (e) => JSON.stringify(e).replace(/"obj":\{/, '"obj":{"a":[1,{"b":-1e999}],') },
  { objOnly: true, spoil: (e) => JSON.stringify(e).replace(/"obj":\{/, '"obj":{"__proto__":{"polluted":true},') },
  { objOnly: true, spoil: (e) => JSON.stringify(e).replace(/"obj":\{/, '"obj":{"a":{"b":{"constructor":{"prototype":{}}}},') },
  { objOnly: true, spoil: (e) => JSON.stringify(e).replace(/"obj":\{/, '"obj":{"list":[{"prototype":1}],') },
];
const checkedSpec = fc.record({
  write: fc.record({
    op: fc.constantFrom('put', 'update', 'remove'),
    obj: fc.tuple(fc.constantFrom('a', 'b', 'c', 'new'), fields).map(([id, f]) => ({ ...f, id })),
    id: fc.constantFrom('a', 'b', 'new'),
  }),
  spoiler: fc.nat(spoilers.length - 1),
  read: fc.record({ op: fc.constantFrom('get', 'list'), id: idLike, collection, limit, cursor }, { requiredKeys: ['op'] }),
  isRead: fc.boolean(),
});

// ---- the run ---------------------------------------------------------------------------------

describe('fuzzing db through FC', () => {
  let cloud: LocalCloud;
  let fuzzer: LoginAnswer & { userId: string };
  let checked: LoginAnswer & { userId: string };
  const secrets = new Secrets();
  const outcomes: Record<string, number> = {};
  let cases = 0;

  beforeAll(async () => {
    cloud = await startCloud();
    fuzzer = await login(cloud);
    checked = await login(cloud);
    for (const s of [fuzzer, checked]) secrets.addSession(s);
    secrets.addKey('app private key', cloud.keys.app.privateKeyPem);
    for (const id of ['a', 'b', 'c']) {
      const put = await dbCall(cloud, checked, { op: 'put', obj: { id, text: `seed ${id}`, n: 1 } });
      expect(put.body.data.version).toBe(1);
    }
    await dbCall(cloud, checked, { op: 'put', collection: 'notes', obj: { id: 'a', text: 'note' } });
  });
  afterAll(async () => {
    report('fuzz db', { cases, outcomes });
    await cloud?.stop();
  });

  const fillChecked = (t: string): string => t.replace(CHECKED_PLACEHOLDER, (p) => (p === 'CHECKED_UID' ? checked.accountId : checked.userId));
  const sidOf = (s: Spec['sid']): unknown => (s === 'fuzzer' ? fuzzer.sessionId : s === 'checked' ? checked.sessionId : s === 'garbage' ? 'A'.repeat(43) : s);
  const textOf = (spec: Spec): string => {
    if (spec.raw !== undefined) return spec.raw;
    const event: Record<string, unknown> = { sid: sidOf(spec.sid), ...spec.event };
    if (typeof event.uid === 'string') event.uid = fillChecked(event.uid);
    // The checked user's huge events must be refused by size: over 128 KB whatever the rest is.
    if (spec.pad) event.pad = 'p'.repeat(spec.sid === 'checked' ? Math.max(spec.pad, 132_000) : spec.pad);
    let text = JSON.stringify(event);
    if (spec.splice) {
      const t = fillChecked(spec.splice.text);
      text = spec.splice.where === 'event' ? text.replace(/^\{/, `{${t},`) : text.replace(/"obj":\{/, `"obj":{${t},`);
    }
    return text;
  };

  /** The properties every answer holds to; returns the outcome name. */
  async function send(text: string, forChecked: boolean, readOnly: boolean): Promise<string> {
    cases++;
    const a = await rawInvoke(cloud, fuzzer.sts, text);
    const where = `event ${JSON.stringify(text.slice(0, 300))} → ${a.status} ${a.text.slice(0, 300)}`;
    if (a.status !== 200 || a.headers['x-fc-error-type']) throw new Error(`FC-level failure: ${where}`);
    // A success echoes the client's own fields (random text); an error answer is the server's words only.
    if (STACK_FRAME.test(isErrorBody(a.body) ? a.text : a.text.replace(/"data":.*$/s, ''))) throw new Error(`stack trace in answer: ${where}`);
    const leaked = secrets.foundIn(a.text);
    if (leaked.length) throw new Error(`secret in answer (${leaked.join(', ')}): ${where}`);
    if (a.text.includes(checked.accountId) && !forChecked) throw new Error(`checked user's uid (account id) in an answer: ${where}`);
    if (a.text.includes(checked.userId)) throw new Error(`checked user's Alipay user id in an answer: ${where}`);
    const b = a.body;
    let outcome: string;
    if (isErrorBody(b)) {
      if (!ALLOWED_ERRORS.has(b.error.code)) throw new Error(`unexpected error code: ${where}`);
      outcome = b.error.code;
    } else if (typeof b === 'object' && b !== null && 'data' in b) {
      outcome = 'ok';
      const d = b.data;
      const ownUid = forChecked ? checked.accountId : fuzzer.accountId;
      const objs = Array.isArray(d) ? d : d === null ? [] : [d];
      if (Array.isArray(d) && !(b.cursor === null || typeof b.cursor === 'string')) throw new Error(`list without cursor: ${where}`);
      for (const o of objs) {
        if (typeof o !== 'object' || o === null || o.uid !== ownUid || typeof o.id !== 'string' || !Number.isInteger(o.version) || o.version < 1) {
          throw new Error(`malformed success: ${where}`);
        }
        if (Object.prototype.hasOwnProperty.call(o, '__proto__') || 'polluted' in o) throw new Error(`prototype key stored: ${where}`);
      }
      if (forChecked && !readOnly) throw new Error(`a spoiled write to the checked user succeeded: ${where}`);
    } else {
      throw new Error(`answer is neither data nor a structured error: ${where}`);
    }
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    return outcome;
  }

  it(
    `answers ${RUNS} random events with a structured error or a valid success, and never changes the checked user's data`,
    async () => {
      const before = await userRows(cloud, checked.accountId);
      const fuzzerSpec = fc.oneof(
        { weight: 4, arbitrary: eventSpec },
        { weight: 3, arbitrary: validSpec },
        { weight: 2, arbitrary: splicedSpec },
        { weight: 2, arbitrary: rawSpec },
        { weight: 1, arbitrary: hugeSpec },
      );
      const anyCase = fc.oneof(
        { weight: 3, arbitrary: fuzzerSpec.map((spec) => ({ kind: 'fuzzer' as const, spec })) },
        { weight: 1, arbitrary: checkedSpec.map((c) => ({ kind: 'checked' as const, c })) },
      );
      await fc.assert(
        fc.asyncProperty(anyCase, async (x) => {
          if (x.kind === 'fuzzer') {
            const spec = x.spec;
            // Only events whose sid is the checked user's (huge ones: refused by size) may reach its data.
            const forChecked = spec.sid === 'checked';
            await send(textOf(spec), forChecked, !forChecked);
            return;
          }
          const { write, spoiler, read, isRead } = x.c;
          if (isRead) {
            await send(JSON.stringify({ sid: checked.sessionId, ...read }), true, true);
          } else {
            const usable = write.op === 'remove' ? spoilers.filter((sp) => !sp.objOnly) : spoilers;
            const spoiled = usable[spoiler % usable.length].spoil({ sid: checked.sessionId, ...write });
            const outcome = await send(typeof spoiled === 'string' ? spoiled : JSON.stringify(spoiled), true, false);
            if (outcome !== 'BadRequest' && outcome !== 'PayloadTooLarge') throw new Error(`spoiled write answered ${outcome}`);
          }
        }),
        { numRuns: RUNS, endOnFailure: true },
      );
      const after = await userRows(cloud, checked.accountId);
      expect(after).toBe(before);
      expect(JSON.parse(after)).toHaveLength(4);
      // The function still works normally for both users and no prototype was polluted.
      const listed = await dbCall(cloud, checked, { op: 'list' });
      expect(listed.body.data.map((o: { id: string }) => o.id)).toEqual(['a', 'b', 'c']);
      expect((await dbCall(cloud, fuzzer, { op: 'put', obj: { id: 'after-fuzz' } })).body.data).toEqual(
        expect.objectContaining({ id: 'after-fuzz', uid: fuzzer.accountId, version: expect.any(Number) }),
      );
      expect(Object.keys(listed.body.data[0]).sort()).toEqual(['createdAt', 'id', 'n', 'text', 'uid', 'updatedAt', 'version']);
      expect(cases).toBeGreaterThanOrEqual(RUNS);
      // Both refusals and successes were exercised, not just one kind.
      expect(outcomes.ok).toBeGreaterThan(RUNS / 20);
      expect(outcomes.BadRequest).toBeGreaterThan(RUNS / 5);
      expect(outcomes.PayloadTooLarge).toBeGreaterThan(0);
      expect(outcomes.SessionInvalid).toBeGreaterThan(0);
    },
    Math.max(30_000, RUNS * 20),
  );

  /** What the event carries of a client's fields (JSON.stringify drops undefined, NaN → null, -0 → 0). */
  const asSent = (v: unknown) => JSON.parse(JSON.stringify(v));
  const SERVER = ['id', 'uid', 'collection', 'createdAt', 'updatedAt', 'version'];
  const ownFields = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([k]) => !SERVER.includes(k)));
  /** Ids that break the rule, and U+FFFD, which UTF-8 makes of every lone surrogate. */
  const roundTripId = fc.oneof(
    idLike,
    fc.constantFrom('\ufffd', '\ud800', '\udbff', 'a\ufffd', 'a\ud800', '\u0085', 'x\u009fy', '\u00a0'),
    fc.string({ maxLength: 8, unit: 'binary' }),
  );
  /** Any JSON, lone surrogates included in values and nested keys (they are kept, not refused). */
  const keptValue = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.oneof(goodName, oddString), tie('v'), { maxKeys: 3 })),
  })).v;

  it(
    `answers and stores whatever it accepts exactly as written; ids that differ never share an object`,
    async () => {
      const writer = await login(cloud);
      secrets.addSession(writer);
      const written = new Map<string, Record<string, unknown>>();
      const refused: Record<string, number> = {};
      await fc.assert(
        fc.asyncProperty(roundTripId, fc.dictionary(goodName, keptValue, { maxKeys: 5 }), async (id, fields) => {
          const sent = asSent({ ...fields, id });
          const put = (await dbCall(cloud, writer, { op: 'put', obj: sent })).body;
          if (isErrorBody(put)) {
            // Refused only for a rule it breaks: an id outside the rule, or a field (prototype key, depth, size).
            if (isValidId(id) && put.error.code === 'BadRequest' && !/Field|Key/.test(put.error.message))
              throw new Error(`valid id ${JSON.stringify(id)} refused: ${put.error.message}`);
            expect(['BadRequest', 'PayloadTooLarge']).toContain(put.error.code);
            refused[put.error.code] = (refused[put.error.code] ?? 0) + 1;
            return;
          }
          if (!isValidId(id)) throw new Error(`id ${JSON.stringify(id)} accepted against the rule`);
          expect(put.data.id).toBe(id);
          expect(ownFields(put.data)).toEqual(ownFields(sent));
          expect((await dbCall(cloud, writer, { op: 'get', id })).body).toEqual({ data: put.data });
          written.set(id, ownFields(sent));
        }),
        { numRuns: Math.ceil(RUNS / 5), endOnFailure: true },
      );
      // Every accepted id is an object of its own, with its last fields.
      const listed = new Map<string, Record<string, unknown>>();
      let cursor: string | null | undefined;
      do {
        const page = (await dbCall(cloud, writer, { op: 'list', limit: 100, ...(cursor ? { cursor } : {}) })).body;
        for (const o of page.data) {
          expect(listed.has(o.id)).toBe(false);
          listed.set(o.id, ownFields(o));
        }
        cursor = page.cursor;
      } while (cursor);
      expect(listed).toEqual(written);
      expect(written.size).toBeGreaterThan(RUNS / 50);
      expect(refused.BadRequest).toBeGreaterThan(0);
      report('fuzz db round trip', { accepted: written.size, refused });
    },
    Math.max(30_000, RUNS * 20),
  );

  it('no function log line carries a secret or a stack trace', () => {
    const bad = cloud.functionLogs.filter((l) => secrets.foundIn(l).length > 0 || STACK_FRAME.test(l));
    expect(bad).toEqual([]);
    expect(cloud.functionLogs.length).toBeGreaterThanOrEqual(cases);
  });
});
