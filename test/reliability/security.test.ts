import { randomBytes } from 'node:crypto';
import RPCClient from '@alicloud/pop-core';
import type { LocalCloud } from '../../local/cloud';
import { TableStore, decodeOtsError } from '../../lambda/shared/ots';
import { type LoginAnswer, type StsCredentials, authCode, fcClient, login, newUserId, postSession, startCloud } from '../support/local';
import { tableRows } from '../functions/helpers';
import { STACK_FRAME, Secrets, dbCall, isErrorBody, rawInvoke, report, userRows } from './support';

/**
 * The claims of SECURITY.md, at volume: users kept apart under every op and every injection,
 * session ids that can't be guessed or reused, client credentials that reach nothing but db, and
 * no secret in any log line of the whole run.
 */
type User = LoginAnswer & { userId: string };
const USERS = 5;
const COLLECTIONS = ['default', 'notes'];
const IDS = (u: number) => [`v${u}-a`, `v${u}-b`, `v${u}-secret`];
/** A marker stored in every field of a user's objects: seeing it anywhere else is a leak. */
const marker = (uid: string) => `private-of-${uid}`;
const cursorFor = (collection: string, id: string) => Buffer.from(JSON.stringify([collection, id])).toString('base64url');

describe('security', () => {
  let cloud: LocalCloud;
  const users: User[] = [];
  const lines: string[] = [];
  const secrets = new Secrets();
  const figures = {
    crossUserRequests: 0,
    crossUserAnswers: {} as Record<string, number>,
    crossUserLeaks: 0,
    crossUserWritesToVictims: 0,
    guessedSessionIds: 0,
    guessedAccepted: 0,
    expiredOrLoggedOutAccepted: 0,
    replayedAuthCodesAccepted: 0,
    credentialMisuseAllowed: 0,
    secretsInLogs: 0,
    logLinesScanned: 0,
  };
  /** Every session and credential handed out in this file, including the expiry cloud's. */
  const remember = (s: { sessionId?: string; sts?: StsCredentials }) => {
    secrets.addSession(s);
  };

  beforeAll(async () => {
    cloud = await startCloud({ log: (l) => lines.push(l) });
    secrets.addKey('app private key', cloud.keys.app.privateKeyPem);
    secrets.addKey('gateway private key', cloud.keys.gateway.privateKeyPem);
    for (let u = 0; u < USERS; u++) {
      const user = await login(cloud);
      remember(user);
      users.push(user);
      for (const collection of COLLECTIONS) {
        for (const id of IDS(u)) {
          const put = await dbCall(cloud, user, { op: 'put', collection, obj: { id, text: marker(user.userId), nested: { m: marker(user.userId) } } });
          expect(put.body.data.version).toBe(1);
        }
      }
    }
  });
  afterAll(async () => {
    report('security', figures);
    await cloud?.stop();
  });

  describe('users are kept apart', () => {
    it(`${USERS} users × every op × every other user's ids and collections, with uid and collection injection: no leak`, async () => {
      const before = await Promise.all(users.map((v) => userRows(cloud, v.accountId)));
      const leaksFound: string[] = [];
      for (let a = 0; a < USERS; a++) {
        const attacker = users[a];
        const attempts: Record<string, unknown>[] = [];
        for (let v = 0; v < USERS; v++) {
          if (v === a) continue;
          const victim = users[v];
          for (const collection of COLLECTIONS) {
            for (const id of IDS(v)) {
              attempts.push({ op: 'get', id, collection }, { op: 'list', collection, cursor: cursorFor(collection, id) });
              // The victim's account id (what its objects' uid holds), and its raw Alipay user id.
              for (const uid of [victim.accountId, victim.userId]) {
                const inj = { uid, userId: uid, accountId: uid, user: uid, owner: uid };
                attempts.push(
                  { op: 'get', id, collection, ...inj },
                  { op: 'get', id: `${uid}/${id}`, collection },
                  { op: 'list', collection, ...inj },
                  { op: 'list', collection, cursor: cursorFor(collection, id), uid },
                  { op: 'update', collection, obj: { id, text: 'pwned', uid }, ...inj },
                  { op: 'update', collection, obj: { id, text: 'pwned', collection }, ifVersion: 1, uid },
                  { op: 'remove', id, collection, ...inj },
                  { op: 'remove', id, collection, ifVersion: 1, uid },
                  { op: 'put', collection, obj: { id, text: 'pwned', uid, collection }, ...inj },
                  { op: 'put', collection, obj: { id, text: 'pwned' }, ifVersion: 1, uid },
                  { op: 'put', collection, obj: { id, text: 'pwned' }, ifVersion: 0, uid },
                  { op: 'get', id, collection: `${uid}`, uid },
                  { op: 'get', id, collection: `${collection}\u0000${uid}` },
                );
              }
            }
          }
        }
        // Raw JSON too: duplicate keys, a second sid naming nobody, uid as the last word.
        for (const v of users.filter((_, i) => i !== a)) {
          const id = IDS(users.indexOf(v))[0];
          attempts.push(
            `{"sid":"${attacker.sessionId}","op":"get","id":"${id}","uid":"${v.accountId}","uid":"${v.accountId}"}` as unknown as Record<string, unknown>,
            `{"sid":"${attacker.sessionId}","op":"get","id":"${id}","uid":"${v.userId}","uid":"${v.accountId}"}` as unknown as Record<string, unknown>,
          );
        }
        const answers = await Promise.all(attempts.map((e) => (typeof e === 'string' ? rawInvoke(cloud, attacker.sts, e) : dbCall(cloud, attacker, e))));
        answers.forEach((ans, i) => {
          figures.crossUserRequests++;
          expect(ans.status).toBe(200);
          expect(ans.headers['x-fc-error-type']).toBeUndefined();
          for (let v = 0; v < USERS; v++) {
            if (v === a) continue;
            // The victim's data (its marker), its uid (account id) or its Alipay user id in an answer
            // is a leak. Its ids are not: an attacker may have put objects of its own under the same ids.
            if (ans.text.includes(marker(users[v].userId)) || ans.text.includes(users[v].accountId) || ans.text.includes(users[v].userId)) {
              figures.crossUserLeaks++;
              leaksFound.push(`${JSON.stringify(attempts[i])} → ${ans.text.slice(0, 300)}`);
            }
          }
          const outcome = isErrorBody(ans.body) ? ans.body.error.code : 'ok';
          figures.crossUserAnswers[outcome] = (figures.crossUserAnswers[outcome] ?? 0) + 1;
          // Whatever it answered is the attacker's own (or nothing).
          const data = ans.body?.data;
          for (const o of Array.isArray(data) ? data : data ? [data] : []) expect(o.uid).toBe(attacker.accountId);
          if (isErrorBody(ans.body)) expect(['NotFound', 'Conflict', 'BadRequest']).toContain(ans.body.error.code);
        });
      }
      expect(leaksFound).toEqual([]);
      const after = await Promise.all(users.map((v) => userRows(cloud, v.accountId)));
      // Each user's seeded rows are untouched; what attackers wrote landed in their own space.
      for (let v = 0; v < USERS; v++) {
        const seeded = (rows: string) => JSON.stringify(JSON.parse(rows).filter((r: [{ id: string }]) => r[0].id.startsWith(`v${v}-`)));
        if (seeded(after[v]) !== seeded(before[v])) figures.crossUserWritesToVictims++;
        expect(seeded(after[v])).toBe(seeded(before[v]));
        expect(JSON.parse(seeded(after[v]))).toHaveLength(IDS(v).length * COLLECTIONS.length);
      }
      // No row anywhere holds one user's marker under another user's uid (account id), and every
      // row is under an account: none under an injected raw user id.
      for (const row of await tableRows(cloud, 'objects')) {
        expect(users.map((v) => v.accountId)).toContain(row.key.uid);
        for (const v of users) if (row.key.uid !== v.accountId) expect(String(row.columns.doc)).not.toContain(marker(v.userId));
      }
      expect(figures.crossUserRequests).toBeGreaterThanOrEqual(USERS * (USERS - 1) * COLLECTIONS.length * 3 * 15);
    });
  });

  describe('session ids', () => {
    it('guessed ids are all SessionInvalid: random, one character flipped, truncated, extended', async () => {
      const guesses: string[] = [];
      for (let i = 0; i < 300; i++) guesses.push(randomBytes(32).toString('base64url'));
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      for (const u of users) {
        const s = u.sessionId;
        for (let i = 0; i < s.length; i++) {
          const c = alphabet[(alphabet.indexOf(s[i]) + 1 + (i % 63)) % 64];
          guesses.push(`${s.slice(0, i)}${c}${s.slice(i + 1)}`);
        }
        guesses.push(s.slice(0, 42), s.slice(1), s.slice(0, 22), `${s}A`, `A${s}`, `${s}${s}`, s.toUpperCase(), s.toLowerCase(), ` ${s}`, `${s}\n`);
      }
      const live = new Set(users.map((u) => u.sessionId));
      const distinct = [...new Set(guesses)].filter((g) => !live.has(g));
      const viaDb = await Promise.all(distinct.map((g) => dbCall(cloud, users[0], { op: 'list', sid: g })));
      const viaRefresh = await Promise.all(distinct.map((g) => postSession(cloud, { action: 'refresh', sessionId: g })));
      figures.guessedSessionIds = distinct.length;
      const dbCodes = viaDb.map((a) => a.body?.error?.code);
      const refreshCodes = viaRefresh.map((r) => r.body?.error?.code);
      figures.guessedAccepted = dbCodes.filter((c) => c === undefined).length + refreshCodes.filter((c) => c === undefined).length;
      // Ids of the right shape and malformed ones alike: SessionInvalid, nothing that says which.
      const shaped = distinct.map((g) => /^[A-Za-z0-9_-]{43}$/.test(g));
      expect(new Set(dbCodes.filter((_, i) => shaped[i]))).toEqual(new Set(['SessionInvalid']));
      expect(new Set(refreshCodes.filter((_, i) => shaped[i]))).toEqual(new Set(['SessionInvalid']));
      const malformed: Record<string, number> = {};
      for (const c of [...dbCodes.filter((_, i) => !shaped[i]).map((c) => `db:${c}`), ...refreshCodes.filter((_, i) => !shaped[i]).map((c) => `refresh:${c}`)])
        malformed[c] = (malformed[c] ?? 0) + 1;
      report('guessed session ids of another shape', malformed);
      for (const [i, c] of dbCodes.entries()) if (!shaped[i]) expect(['SessionInvalid', 'BadRequest']).toContain(c);
      for (const [i, c] of refreshCodes.entries()) if (!shaped[i]) expect(['SessionInvalid', 'BadRequest']).toContain(c);
      expect(figures.guessedAccepted).toBe(0);
      // Answers to a near miss and to a random id are the same bytes.
      expect(viaDb[0].text).toBe(viaDb[distinct.length - 20].text);
    });

    it('logged-out sessions are refused by refresh and db; the user’s other sessions still work', async () => {
      const userId = newUserId();
      const sessions: User[] = [];
      for (let i = 0; i < 20; i++) sessions.push(await login(cloud, userId));
      sessions.forEach(remember);
      expect(new Set(sessions.map((s) => s.accountId)).size).toBe(1);
      const [keep, ...gone] = sessions;
      for (const s of gone) expect((await postSession(cloud, { action: 'logout', sessionId: s.sessionId })).body).toEqual({ ok: true });
      const refreshed = await Promise.all(gone.map((s) => postSession(cloud, { action: 'refresh', sessionId: s.sessionId })));
      const viaDb = await Promise.all(gone.map((s) => dbCall(cloud, s, { op: 'list' })));
      figures.expiredOrLoggedOutAccepted += refreshed.filter((r) => r.status !== 401).length + viaDb.filter((a) => !a.body.error).length;
      expect(refreshed.map((r) => r.body.error?.code)).toEqual(Array(gone.length).fill('SessionInvalid'));
      expect(viaDb.map((a) => a.body.error?.code)).toEqual(Array(gone.length).fill('SessionInvalid'));
      expect((await dbCall(cloud, keep, { op: 'list' })).body.data).toEqual([]);
    });

    it('replayed authCodes are refused and open no session', async () => {
      const rowsBefore = (await tableRows(cloud, 'sessions')).length;
      let accepted = 0;
      for (let i = 0; i < 10; i++) {
        const code = await authCode(cloud, newUserId());
        secrets.add('authCode', code);
        const first = await postSession(cloud, { authCode: code });
        expect(first.status).toBe(200);
        remember(first.body);
        for (const body of [{ authCode: code }, `authCode=${encodeURIComponent(code)}`]) {
          const again = await postSession(cloud, body, typeof body === 'string' ? { headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {});
          if (again.status === 200) accepted++;
          expect({ status: again.status, code: again.body.error?.code, sessionId: again.body.sessionId }).toEqual({
            status: 401,
            code: 'AuthCodeInvalid',
            sessionId: undefined,
          });
        }
      }
      figures.replayedAuthCodesAccepted = accepted;
      expect((await tableRows(cloud, 'sessions')).length).toBe(rowsBefore + 10);
    });
  });

  describe('the client credentials reach db and nothing else', () => {
    it('(a) the session function through the InvokeFunction API, (b) any other function or service: refused', async () => {
      const sts = users[0].sts;
      const svc = cloud.config.ServiceName;
      const targets: [string, string][] = [
        [svc, cloud.config.SessionFunctionName],
        [svc, 'nonexistent'],
        [svc, 'DB'],
        [svc, 'db2'],
        [svc, 'session.LATEST'],
        [`${svc}.LATEST`, cloud.config.SessionFunctionName],
        ['other-service', 'db'],
        [`${svc}-fc`, 'db'],
        [svc, '..%2Fsession'],
      ];
      for (const [service, fn] of targets) {
        let answer: unknown;
        try {
          const res = await fcClient(cloud, sts).invokeFunction(service, fn, JSON.stringify({ sid: users[0].sessionId, op: 'list' }));
          answer = res;
          figures.credentialMisuseAllowed++;
        } catch (e) {
          answer = (e as { code?: string }).code;
        }
        expect([service, fn, answer]).toEqual([service, fn, expect.stringMatching(/^(AccessDenied|FunctionNotFound|ServiceNotFound|PathNotSupported)$/)]);
      }
      // Only db ever ran: no session-function log line came from these attempts.
      expect(figures.credentialMisuseAllowed).toBe(0);
    });

    it('(c) Tablestore directly with the real SDK: every table operation refused', async () => {
      const env = cloud.fc.instance(cloud.config.ServiceName, cloud.config.DBFunctionName)!.spec.environment;
      const sts = users[0].sts;
      const client = new TableStore.Client({
        endpoint: env.OTS_ENDPOINT,
        instancename: env.OTS_INSTANCE,
        accessKeyId: sts.AccessKeyId,
        secretAccessKey: sts.AccessKeySecret,
        stsToken: sts.SecurityToken,
        maxRetries: 0,
      });
      const own = [{ uid: users[0].accountId }, { collection: 'default' }, { id: 'v0-a' }];
      const victim = [{ uid: users[1].accountId }, { collection: 'default' }, { id: 'v1-a' }];
      const attempts: [string, () => Promise<unknown>][] = [
        ['ListTable', () => client.listTable({})],
        ['DescribeTable', () => client.describeTable({ tableName: env.OBJECTS_TABLE })],
        ['GetRow own', () => client.getRow({ tableName: env.OBJECTS_TABLE, primaryKey: own, maxVersions: 1 })],
        ['GetRow victim', () => client.getRow({ tableName: env.OBJECTS_TABLE, primaryKey: victim, maxVersions: 1 })],
        [
          'GetRange objects',
          () =>
            client.getRange({
              tableName: env.OBJECTS_TABLE,
              direction: TableStore.Direction.FORWARD,
              inclusiveStartPrimaryKey: [{ uid: TableStore.INF_MIN }, { collection: TableStore.INF_MIN }, { id: TableStore.INF_MIN }],
              exclusiveEndPrimaryKey: [{ uid: TableStore.INF_MAX }, { collection: TableStore.INF_MAX }, { id: TableStore.INF_MAX }],
              maxVersions: 1,
            }),
        ],
        [
          'GetRange sessions',
          () =>
            client.getRange({
              tableName: env.SESSIONS_TABLE,
              direction: TableStore.Direction.FORWARD,
              inclusiveStartPrimaryKey: [{ sid: TableStore.INF_MIN }],
              exclusiveEndPrimaryKey: [{ sid: TableStore.INF_MAX }],
              maxVersions: 1,
            }),
        ],
        [
          'PutRow victim',
          () =>
            client.putRow({
              tableName: env.OBJECTS_TABLE,
              primaryKey: victim,
              condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
              attributeColumns: [{ doc: '{"text":"pwned"}' }],
            }),
        ],
        [
          'PutRow session',
          () =>
            client.putRow({
              tableName: env.SESSIONS_TABLE,
              primaryKey: [{ sid: 'forged' }],
              condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
              attributeColumns: [{ accountId: users[1].accountId }, { expiresAt: TableStore.Long.fromNumber(Date.now() + 1e9) }],
            }),
        ],
        [
          'UpdateRow victim',
          () =>
            client.updateRow({
              tableName: env.OBJECTS_TABLE,
              primaryKey: victim,
              condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
              updateOfAttributeColumns: [{ PUT: [{ doc: '{}' }] }],
            }),
        ],
        [
          'DeleteRow victim',
          () =>
            client.deleteRow({
              tableName: env.OBJECTS_TABLE,
              primaryKey: victim,
              condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
            }),
        ],
        [
          'BatchWriteRow victim',
          () =>
            client.batchWriteRow({
              tables: [
                {
                  tableName: env.OBJECTS_TABLE,
                  rows: [{ type: 'DELETE', condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null), primaryKey: victim }],
                },
              ],
            }),
        ],
        ['BatchGetRow', () => client.batchGetRow({ tables: [{ tableName: env.OBJECTS_TABLE, primaryKey: [victim], maxVersions: 1 }] })],
      ];
      const results: Record<string, string> = {};
      for (const [name, run] of attempts) {
        try {
          await run();
          results[name] = 'ALLOWED';
          figures.credentialMisuseAllowed++;
        } catch (e) {
          results[name] = decodeOtsError(e).code;
        }
      }
      report('tablestore with client credentials', results);
      for (const [name, code] of Object.entries(results))
        expect([name, code]).toEqual([name, expect.stringMatching(/^(OTSNoPermissionAccess|OTSAuthFailed)$/)]);
      // And nothing changed: the victim's row and the sessions table are as they were.
      expect((await tableRows(cloud, 'sessions')).some((r) => r.key.sid === 'forged')).toBe(false);
      expect((await dbCall(cloud, users[1], { op: 'get', id: 'v1-a' })).body.data.text).toBe(marker(users[1].userId));
    });

    it('(d) STS AssumeRole with pop-core: the client credentials can assume no role', async () => {
      const env = cloud.fc.instance(cloud.config.ServiceName, cloud.config.SessionFunctionName)!.spec.environment;
      const sts = users[0].sts;
      const client = new RPCClient({
        endpoint: env.STS_ENDPOINT,
        apiVersion: '2015-04-01',
        accessKeyId: sts.AccessKeyId,
        accessKeySecret: sts.AccessKeySecret,
        securityToken: sts.SecurityToken,
      });
      const roles = [
        cloud.config.ClientRoleArn,
        env.CLIENT_ROLE_ARN,
        `acs:ram::${cloud.config.AccountId}:role/miniapp-fc`,
        `acs:ram::${cloud.config.AccountId}:role/admin`,
      ];
      for (const RoleArn of roles) {
        let outcome: string;
        try {
          await client.request('AssumeRole', { RoleArn, RoleSessionName: 'escalate', DurationSeconds: 900 }, { method: 'POST' });
          outcome = 'ALLOWED';
          figures.credentialMisuseAllowed++;
        } catch (e) {
          outcome = String((e as { code?: string }).code);
        }
        expect([RoleArn, outcome]).toEqual([RoleArn, expect.stringMatching(/^(NoPermission|EntityNotExist\.Role)$/)]);
      }
      expect(figures.credentialMisuseAllowed).toBe(0);
    });
  });

  describe('expiry (a separate cloud whose Tablestore clock moves)', () => {
    it('sessions older than the TTL are refused everywhere, even with fresh STS credentials', async () => {
      let offset = 0;
      const expiring = await startCloud({ log: (l) => lines.push(l), tablestore: { now: () => Date.now() + offset } });
      try {
        const sessions: User[] = [];
        for (let i = 0; i < 10; i++) sessions.push(await login(expiring));
        sessions.forEach(remember);
        // Fresh credentials, taken just before the end, do not outlive the session.
        offset = 7 * 86400_000 - 60_000;
        const fresh = await Promise.all(sessions.map((s) => postSession(expiring, { action: 'refresh', sessionId: s.sessionId })));
        expect(fresh.map((r) => r.status)).toEqual(Array(10).fill(200));
        fresh.forEach((r) => remember(r.body));
        offset = 7 * 86400_000 + 60_000;
        const refreshed = await Promise.all(sessions.map((s) => postSession(expiring, { action: 'refresh', sessionId: s.sessionId })));
        const viaDb = await Promise.all(sessions.map((s, i) => dbCall(expiring, { ...s, sts: fresh[i].body.sts }, { op: 'list' })));
        figures.expiredOrLoggedOutAccepted += refreshed.filter((r) => r.status !== 401).length + viaDb.filter((a) => !a.body.error).length;
        expect(refreshed.map((r) => r.body.error?.code)).toEqual(Array(10).fill('SessionInvalid'));
        expect(viaDb.map((a) => a.body.error?.code)).toEqual(Array(10).fill('SessionInvalid'));
        expect(await tableRows(expiring, 'sessions')).toEqual([]);
        expiring.functionLogs.forEach((l) => lines.includes(l) || lines.push(l));
      } finally {
        await expiring.stop();
      }
    });
  });

  describe('logs of the whole run', () => {
    it('the scan finds what it looks for (positive controls)', () => {
      expect(secrets.size).toBeGreaterThan(100);
      const s = users[0];
      for (const planted of [
        s.sessionId,
        s.sts.AccessKeySecret,
        s.sts.SecurityToken,
        cloud.keys.app.privateKeyPem.split('\n').slice(2, 4).join(''),
        'authusrB0123456789abcdef0123456789abcdef',
      ]) {
        expect(secrets.foundIn(`{"x":"${planted}"}`).length).toBeGreaterThan(0);
      }
    });

    it('no line (functions and emulators) carries the private key, a token, an STS secret or a whole session id', () => {
      const all = [...new Set([...lines, ...cloud.functionLogs])];
      figures.logLinesScanned = all.length;
      const bad = all.flatMap((l) => secrets.foundIn(l).map((what) => `${what}: ${l.slice(0, 200)}`));
      figures.secretsInLogs = bad.length;
      expect(bad).toEqual([]);
      expect(all.filter((l) => STACK_FRAME.test(l))).toEqual([]);
      expect(all.length).toBeGreaterThan(1000);
    });
  });
});
