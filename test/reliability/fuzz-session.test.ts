import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { LocalCloud } from '../../local/cloud';
import { type LoginAnswer, authCode, login, newUserId, startCloud } from '../support/local';
import { tableRows } from '../functions/helpers';
import { STACK_FRAME, Secrets, dbCall, fuzzRuns, isErrorBody, report } from './support';
import { claimedAccountOf } from '../../lambda/shared/sessions';

/**
 * Random requests against the session function's HTTP trigger: bodies (JSON, form, text, binary,
 * over and under 8 KB), content types, methods, actions, session ids and auth codes. A `checked`
 * session is never logged out by the fuzzer and must survive; sessions the fuzzer creates with
 * genuine auth codes are tracked, so the sessions table must hold exactly the known sessions after.
 */
const RUNS = fuzzRuns(2000);
const STATUS: Record<string, number> = { BadRequest: 400, AuthCodeInvalid: 401, SessionInvalid: 401, MethodNotAllowed: 405, PayloadTooLarge: 413 };
const sessionKey = (id: string) => createHash('sha256').update(id).digest('base64url');

type SidPick = 'checked' | 'own' | 'random43' | 'flipped' | 'truncated' | 'extended' | 'other';
type CodePick = 'genuine' | 'used' | 'random' | 'other';
interface Recipe {
  method: string;
  contentType: string | undefined;
  encoding: 'json' | 'form' | 'raw';
  fields: { action?: unknown; authCode?: CodePick; sessionId?: SidPick; extra?: Record<string, unknown> };
  randomCode: string;
  randomSid: string;
  other: unknown;
  raw: string;
  pad: number;
}

const b64url = fc.stringMatching(/^[A-Za-z0-9_-]{43}$/);
const anyJson = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.constant({ __proto__: 1 }),
);
const recipe: fc.Arbitrary<Recipe> = fc.record({
  method: fc.oneof({ weight: 12, arbitrary: fc.constant('POST') }, { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS') }),
  contentType: fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded;charset=UTF-8',
    'text/plain',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    'APPLICATION/JSON',
    undefined,
    'x/y; a=\u00e9',
  ),
  encoding: fc.constantFrom<'json' | 'form' | 'raw'>('json', 'json', 'form', 'raw'),
  fields: fc.record(
    {
      action: fc.oneof(fc.constantFrom('login', 'refresh', 'logout', 'refresh', 'logout', 'LOGIN', '', 'delete', '__proto__', 'constructor'), anyJson),
      authCode: fc.constantFrom<CodePick>('genuine', 'used', 'random', 'random', 'other'),
      sessionId: fc.constantFrom<SidPick>('checked', 'own', 'random43', 'flipped', 'truncated', 'extended', 'other'),
      extra: fc.dictionary(fc.string({ maxLength: 8 }), anyJson, { maxKeys: 3 }),
    },
    { requiredKeys: [] },
  ),
  randomCode: fc.oneof(
    fc.stringMatching(/^[\x21-\x7e]{1,128}$/),
    fc.string({ maxLength: 200 }),
    fc.constantFrom('', ' ', 'a'.repeat(129), '\u00e9t\u00e9', '\ud800', '😀'),
  ),
  randomSid: fc.oneof(b64url, fc.string({ maxLength: 130 }), fc.constantFrom('', 'A'.repeat(43), 'A'.repeat(128), 'A'.repeat(129), '\u202e'.repeat(43))),
  other: anyJson,
  raw: fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.string({ maxLength: 300, unit: 'binary' }),
    fc.json(),
    fc.constantFrom('', '{', 'null', '[]', '"x"', 'authCode=', 'authCode=%ZZ', '{"authCode":1}', '\ufeff{"authCode":"x"}', '['.repeat(100000).slice(0, 8000)),
  ),
  pad: fc.oneof(
    { weight: 8, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.integer({ min: 7000, max: 9000 }) },
    { weight: 1, arbitrary: fc.integer({ min: 8193, max: 60_000 }) },
  ),
});

describe('fuzzing the session function through its HTTP trigger', () => {
  let cloud: LocalCloud;
  let checked: LoginAnswer & { userId: string };
  const fuzzUser = newUserId();
  const secrets = new Secrets();
  /** Sessions the fuzzer holds (logged in with a genuine code, not logged out since). */
  const live = new Set<string>();
  let usedCode = '';
  const outcomes: Record<string, number> = {};
  let cases = 0;

  beforeAll(async () => {
    cloud = await startCloud();
    checked = await login(cloud);
    const own = await login(cloud, fuzzUser);
    live.add(own.sessionId);
    for (const s of [checked, own]) secrets.addSession(s);
    secrets.addKey('app private key', cloud.keys.app.privateKeyPem);
    usedCode = await authCode(cloud, fuzzUser);
    const spent = await fetch(cloud.config.SessionUrl, { method: 'POST', body: JSON.stringify({ authCode: usedCode }) });
    expect(spent.status).toBe(200);
    const spentSession = (await spent.json()) as LoginAnswer;
    live.add(spentSession.sessionId);
    secrets.addSession(spentSession);
  });
  afterAll(async () => {
    report('fuzz session', { cases, outcomes, liveFuzzSessions: live.size });
    await cloud?.stop();
  });

  const flip = (s: string) => `${s.slice(0, 20)}${s[20] === 'A' ? 'B' : 'A'}${s.slice(21)}`;

  async function build(r: Recipe): Promise<{ body: string | undefined; genuine: boolean; sessionId?: string; action: unknown }> {
    const f = r.fields;
    const values: Record<string, unknown> = { ...f.extra };
    let genuine = false;
    if ('action' in f) values.action = f.action;
    if (f.authCode !== undefined) {
      if (f.authCode === 'genuine') {
        values.authCode = await authCode(cloud, fuzzUser);
        genuine = true;
      } else values.authCode = f.authCode === 'used' ? usedCode : f.authCode === 'random' ? r.randomCode : r.other;
    }
    if (f.sessionId !== undefined) {
      const own = [...live][0] ?? checked.sessionId;
      let sid = {
        checked: checked.sessionId,
        own,
        random43: r.randomSid,
        flipped: flip(checked.sessionId),
        truncated: checked.sessionId.slice(0, 42),
        extended: `${checked.sessionId}A`,
        other: r.other,
      }[f.sessionId];
      // The fuzzer never logs the checked session out, so that it can be checked afterwards.
      if (values.action === 'logout' && sid === checked.sessionId) sid = flip(checked.sessionId);
      values.sessionId = sid;
    }
    if (r.pad) values.pad = 'p'.repeat(r.pad);
    let body: string;
    if (r.encoding === 'json') body = JSON.stringify(values);
    else if (r.encoding === 'form')
      body = new URLSearchParams(
        Object.entries(values).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')]),
      ).toString();
    else body = r.raw + (r.pad ? 'p'.repeat(r.pad) : '');
    return {
      body: r.method === 'GET' || r.method === 'OPTIONS' ? undefined : body,
      genuine,
      sessionId: typeof values.sessionId === 'string' ? values.sessionId : undefined,
      action: values.action,
    };
  }

  it(
    `answers ${RUNS} random requests with a structured 4xx or a valid success; sessions stay exactly the known ones`,
    async () => {
      await fc.assert(
        fc.asyncProperty(recipe, async (r) => {
          cases++;
          const { body, sessionId } = await build(r);
          const headers: Record<string, string> = {};
          if (r.contentType) headers['content-type'] = r.contentType;
          const res = await fetch(cloud.config.SessionUrl, { method: r.method, headers, body });
          const text = await res.text();
          const where = `${r.method} ${r.contentType} ${JSON.stringify((body ?? '').slice(0, 200))} → ${res.status} ${text.slice(0, 300)}`;
          if (res.headers.get('x-fc-error-type') || res.status >= 500) throw new Error(`crash or 5xx: ${where}`);
          if (STACK_FRAME.test(text)) throw new Error(`stack trace: ${where}`);
          let answer: any;
          try {
            answer = JSON.parse(text);
          } catch {
            throw new Error(`not JSON: ${where}`);
          }
          let outcome: string;
          if (r.method !== 'POST') {
            // FC's trigger refuses other methods before the function runs, in FC's own error shape.
            if (res.status !== 405 || answer.ErrorCode !== 'MethodNotAllowed') throw new Error(`non-POST not refused: ${where}`);
            outcome = 'fc:MethodNotAllowed';
          } else if (res.status === 200) {
            if (answer.ok === true && Object.keys(answer).length === 1) {
              outcome = 'logout';
              if (sessionId) live.delete(sessionId);
            } else {
              const sts = answer.sts ?? {};
              const shaped =
                typeof answer.sessionId === 'string' &&
                claimedAccountOf(answer.sessionId) === answer.accountId &&
                !Number.isNaN(Date.parse(answer.expiresAt)) &&
                ['AccessKeyId', 'AccessKeySecret', 'SecurityToken', 'Expiration'].every((k) => typeof sts[k] === 'string');
              if (!shaped) throw new Error(`malformed success: ${where}`);
              if (answer.sessionId === sessionId) {
                outcome = 'refresh';
                if (sessionId !== checked.sessionId && !live.has(answer.sessionId)) throw new Error(`refresh of a session nobody holds succeeded: ${where}`);
              } else {
                outcome = 'login';
                live.add(answer.sessionId);
              }
              const rest = JSON.stringify({ ...answer, sessionId: undefined, sts: undefined });
              const leaked = secrets.foundIn(rest);
              if (leaked.length) throw new Error(`secret in answer (${leaked.join(', ')}): ${where}`);
              secrets.addSession(answer);
            }
          } else {
            if (!isErrorBody(answer) || STATUS[answer.error.code] !== res.status) throw new Error(`not a structured 4xx: ${where}`);
            const leaked = secrets.foundIn(text);
            if (leaked.length) throw new Error(`secret in answer (${leaked.join(', ')}): ${where}`);
            outcome = answer.error.code;
          }
          outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        }),
        { numRuns: RUNS, endOnFailure: true },
      );

      // The sessions table holds exactly the checked session and the fuzzer's live ones.
      const rows = (await tableRows(cloud, 'sessions')).map((r) => String(r.key.sid)).sort();
      expect(rows).toEqual([checked.sessionId, ...live].map(sessionKey).sort());
      expect((await fetch(cloud.config.SessionUrl, { method: 'POST', body: JSON.stringify({ action: 'refresh', sessionId: checked.sessionId }) })).status).toBe(
        200,
      );
      expect((await dbCall(cloud, checked, { op: 'list' })).body).toEqual({ data: [], cursor: null });
      expect(cases).toBeGreaterThanOrEqual(RUNS);
      for (const o of ['BadRequest', 'AuthCodeInvalid', 'SessionInvalid', 'PayloadTooLarge', 'login', 'refresh', 'logout'])
        expect(outcomes[o]).toBeGreaterThan(0);
    },
    Math.max(30_000, RUNS * 20),
  );

  it('no function log line carries a secret or a stack trace', () => {
    const bad = cloud.functionLogs.filter((l) => secrets.foundIn(l).length > 0 || STACK_FRAME.test(l));
    expect(bad).toEqual([]);
  });
});
