import { createHash } from 'node:crypto';
import type { AlipayFault } from '../../local/alipay';
import type { LocalCloud } from '../../local/cloud';
import type { StsFault } from '../../local/sts';
import type { FaultDecision } from '../../local/tablestore';
import { type LoginAnswer, authCode, newUserId, postSession, startCloud } from '../support/local';
import { tableRows } from '../functions/helpers';
import { dbCall, isErrorBody, report } from './support';
import { claimedAccountOf } from '../../lambda/shared/sessions';

/**
 * A workload of several users, each a single sequential writer of its own objects, run
 * concurrently while ~20% of upstream requests fail transiently (Tablestore: 503, reset,
 * lost answer, delay; Alipay: 5xx, rare timeout; STS: 503, reset).
 *
 * Each client keeps a model of its objects built only from definite answers. A write answered
 * `Unavailable` is uncertain: the client reads the object back (retrying until it gets a definite
 * answer) and accepts only the state before or after that write. Any other answer is checked
 * exactly against the model: a success must carry the next version and the written fields, a get
 * must return the last acknowledged state, a Conflict must be deserved. At the end, with faults
 * off, db and the raw table must hold every user's model exactly.
 */
const USERS = Number(process.env.FAULT_USERS ?? 8);
const OPS_PER_USER = Number(process.env.FAULT_OPS ?? 150);
const FAULT_RATE = 0.2;
const SEED = Number(process.env.FAULT_SEED ?? Date.now() % 2 ** 31);
const IDS = ['a', 'b', 'c', 'd', 'e'];
const COLLECTIONS = ['default', 'notes'];
const MAX_ATTEMPTS = 40;
/** Each Alipay timeout costs the session function's 3 s Alipay timeout: keep them few. */
const MAX_ALIPAY_TIMEOUTS = 2;

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with FAULT_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type State = { version: number; fields: Record<string, unknown> } | null;
const key = (collection: string, id: string) => `${collection}/${id}`;
const userFields = (o: Record<string, unknown>) => {
  const { id: _id, uid: _uid, createdAt: _c, updatedAt: _u, version: _v, ...rest } = o;
  return rest;
};
const ACCOUNT_ID = /^acc_[A-Za-z0-9_-]{22}$/;
const sessionKey = (id: string) => createHash('sha256').update(id).digest('base64url');

describe('a workload under ~20% transient upstream faults', () => {
  let cloud: LocalCloud;
  let faultsOn = false;
  const random = prng(SEED);
  const injected: Record<string, number> = {};
  const requests = { session: 0, db: 0, tablestore: 0, alipay: 0, sts: 0 };
  const figures = {
    acknowledgedWrites: 0,
    ambiguousWritesApplied: 0,
    ambiguousWritesNotApplied: 0,
    retryableAnswers: {} as Record<string, number>,
    deservedConflicts: 0,
    logins: 0,
    authCodesSpentByFailedLogins: 0,
    refreshes: 0,
    logouts: 0,
    acknowledgedWritesLost: 0,
    orphanSessionRows: 0,
    wrongAnswers: 0,
  };
  const count = (what: string) => (injected[what] = (injected[what] ?? 0) + 1);

  beforeAll(async () => {
    cloud = await startCloud({
      tablestore: {
        fault: (op): FaultDecision => {
          requests.tablestore++;
          if (!faultsOn || random() >= FAULT_RATE) return undefined;
          const r = random();
          if (r < 0.4) return (count('tablestore:503 OTSServerBusy'), { status: 503, code: 'OTSServerBusy', message: 'Server is busy.' });
          if (r < 0.6) return (count('tablestore:reset'), { reset: true });
          if (r < 0.85) return (count(`tablestore:lostAnswer`), count(`tablestore:lostAnswer ${op}`), { lostAnswer: true });
          return (count('tablestore:delay'), { delayMs: 5 + Math.floor(random() * 60) });
        },
      },
      alipay: {
        fault: (): AlipayFault | undefined => {
          requests.alipay++;
          if (!faultsOn || random() >= FAULT_RATE) return undefined;
          if (random() < 0.1 && (injected['alipay:timeout'] ?? 0) < MAX_ALIPAY_TIMEOUTS) return (count('alipay:timeout'), { kind: 'timeout' });
          return (count('alipay:http5xx'), { kind: 'http5xx' });
        },
      },
      sts: {
        fault: (): StsFault | undefined => {
          requests.sts++;
          if (!faultsOn || random() >= FAULT_RATE) return undefined;
          if (random() < 0.5)
            return (
              count('sts:503 ServiceUnavailable'),
              { status: 503, code: 'ServiceUnavailable', message: 'The request has failed due to a temporary failure of the server.' }
            );
          return (count('sts:reset'), { reset: true });
        },
      },
    });
  });
  afterAll(async () => {
    report('faults', { seed: SEED, users: USERS, opsPerUser: OPS_PER_USER, requests, injected, ...figures });
    await cloud?.stop();
  });

  const wrong = (what: string): never => {
    figures.wrongAnswers++;
    throw new Error(`wrong answer: ${what}`);
  };
  const retryable = (code: string) => (figures.retryableAnswers[code] = (figures.retryableAnswers[code] ?? 0) + 1);

  /** One user: a single sequential client with its model of what it stored. */
  class Client {
    /** The person's Alipay user id: what the auth codes name. */
    readonly userId = newUserId();
    /** The account every login of this person answers: the `uid` its objects carry. */
    accountId = '';
    session!: LoginAnswer;
    /** Every session id this client was given, and whether it logged it out. */
    readonly sessions = new Map<string, 'live' | 'loggedOut'>();
    readonly model = new Map<string, State>();
    private n = 0;

    async login(): Promise<void> {
      let code = await authCode(cloud, this.userId);
      let tried = false;
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        requests.session++;
        const res = await postSession(cloud, { authCode: code });
        if (res.status === 200) {
          if (claimedAccountOf(res.body.sessionId) !== res.body.accountId || typeof res.body.sts?.SecurityToken !== 'string')
            wrong(`login answer ${JSON.stringify(res.body)}`);
          if (this.sessions.has(res.body.sessionId)) wrong('a session id given twice');
          if (typeof res.body.accountId !== 'string' || !ACCOUNT_ID.test(res.body.accountId))
            wrong(`login answer without an account id ${JSON.stringify(res.body.accountId)}`);
          if (this.accountId && res.body.accountId !== this.accountId) wrong(`a second account for one user: ${this.accountId} then ${res.body.accountId}`);
          this.accountId = res.body.accountId;
          this.session = res.body;
          this.sessions.set(res.body.sessionId, 'live');
          figures.logins++;
          return;
        }
        if (!isErrorBody(res.body)) wrong(`login error not structured: ${res.status} ${JSON.stringify(res.body)}`);
        const c = res.body.error.code;
        if ((res.status === 503 && c === 'Unavailable') || (res.status === 502 && c === 'UpstreamError')) {
          retryable(`session:${c}`);
        } else if (res.status === 401 && c === 'AuthCodeInvalid' && tried) {
          // Spent by an attempt that then failed after Alipay (STS or Tablestore): get a new one.
          figures.authCodesSpentByFailedLogins++;
          code = await authCode(cloud, this.userId);
          tried = false;
          continue;
        } else {
          wrong(`login answered ${res.status} ${c}`);
        }
        tried = true;
      }
      throw new Error('login: too many attempts');
    }

    /** refresh or logout, retried while the answer is retryable. */
    async sessionCall(action: 'refresh' | 'logout', sessionId = this.session.sessionId): Promise<{ status: number; body: any }> {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        requests.session++;
        const res = await postSession(cloud, { action, sessionId });
        if (res.status === 503 && res.body?.error?.code === 'Unavailable') {
          retryable('session:Unavailable');
          continue;
        }
        return res;
      }
      throw new Error(`${action}: too many attempts`);
    }

    /** A db call retried while it answers Unavailable: for reads, which are safe to repeat. */
    async read(event: Record<string, unknown>): Promise<any> {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const a = await this.db(event);
        if (a.error?.code === 'Unavailable') continue;
        return a;
      }
      throw new Error('read: too many attempts');
    }

    private async db(event: Record<string, unknown>): Promise<any> {
      requests.db++;
      const a = await dbCall(cloud, this.session, event);
      if (a.status !== 200 || a.headers['x-fc-error-type']) wrong(`db FC failure ${a.status} ${a.text}`);
      if (isErrorBody(a.body)) {
        if (a.body.error.code === 'Unavailable') retryable('db:Unavailable');
        else if (a.body.error.code === 'SessionInvalid') wrong('a live session refused');
      }
      return a.body;
    }

    private stateOf(o: any, where: string): State {
      if (o === null) return null;
      if (o.uid !== this.accountId || typeof o.version !== 'number') wrong(`${where}: ${JSON.stringify(o)}`);
      return { version: o.version, fields: userFields(o) };
    }

    private same(a: State, b: State): boolean {
      return JSON.stringify(a) === JSON.stringify(b);
    }

    /** Reads the object after an uncertain write: it must be in the state before or after that write. */
    private async resolve(k: string, collection: string, id: string, before: State, after: State): Promise<void> {
      const got = await this.read({ op: 'get', id, collection });
      if (got.error) wrong(`get after an uncertain write: ${JSON.stringify(got)}`);
      const now = this.stateOf(got.data, 'get');
      if (this.same(now, after)) figures.ambiguousWritesApplied++;
      else if (this.same(now, before)) figures.ambiguousWritesNotApplied++;
      else wrong(`after an uncertain write ${k} is ${JSON.stringify(now)}, neither ${JSON.stringify(before)} nor ${JSON.stringify(after)}`);
      this.model.set(k, now);
    }

    async step(): Promise<void> {
      const collection = COLLECTIONS[Math.floor(random() * COLLECTIONS.length)];
      const id = IDS[Math.floor(random() * IDS.length)];
      const k = key(collection, id);
      const before = this.model.get(k) ?? null;
      const r = random();
      const conditional = random() < 0.5;
      const stale = conditional && random() < 0.15;
      const tag = `${this.userId}-${++this.n}`;

      if (r < 0.08) {
        const res = await this.sessionCall('refresh');
        if (res.status !== 200 || res.body.sessionId !== this.session.sessionId || res.body.accountId !== this.accountId)
          wrong(`refresh answered ${res.status} ${JSON.stringify(res.body)}`);
        this.session = { ...this.session, sts: res.body.sts };
        figures.refreshes++;
        return;
      }
      if (r < 0.12) {
        const old = this.session.sessionId;
        const res = await this.sessionCall('logout');
        if (res.status !== 200 || res.body.ok !== true) wrong(`logout answered ${res.status}`);
        this.sessions.set(old, 'loggedOut');
        figures.logouts++;
        const after = await this.sessionCall('refresh', old);
        if (res.status !== 200 || after.status !== 401 || after.body.error.code !== 'SessionInvalid') wrong(`refresh after logout answered ${after.status}`);
        await this.login();
        return;
      }
      if (r < 0.25) {
        const got = await this.read({ op: 'get', id, collection });
        if (got.error) wrong(`get answered ${JSON.stringify(got)}`);
        if (!this.same(this.stateOf(got.data, 'get'), before))
          wrong(`get ${k}: ${JSON.stringify(got.data)} but the last acknowledged state is ${JSON.stringify(before)}`);
        return;
      }
      if (r < 0.32) {
        const got = await this.read({ op: 'list', collection });
        if (got.error) wrong(`list answered ${JSON.stringify(got)}`);
        const expected = IDS.flatMap((i) => {
          const s = this.model.get(key(collection, i));
          return s ? [[i, s]] : [];
        });
        const listed = got.data.map((o: any) => [o.id, this.stateOf(o, 'list')]);
        if (JSON.stringify(listed) !== JSON.stringify(expected)) wrong(`list ${collection}: ${JSON.stringify(listed)} ≠ ${JSON.stringify(expected)}`);
        return;
      }

      // A write. The expected state after it, and the ifVersion it carries.
      let event: Record<string, unknown>;
      let after: State;
      let mustConflict: boolean;
      let mustNotFound = false;
      const fields = { text: tag, n: this.n };
      if (r < 0.6) {
        const v = before ? before.version : 0;
        const ifVersion = conditional ? (stale ? v + 1 : v) : undefined;
        event = { op: 'put', collection, obj: { id, ...fields }, ifVersion };
        after = { version: v + 1, fields };
        mustConflict = stale;
      } else if (r < 0.85) {
        const change = random() < 0.5 ? { n: this.n } : { text: tag, extra: [this.n] };
        const ifVersion = conditional && before ? (stale ? before.version + 1 : before.version) : undefined;
        event = { op: 'update', collection, obj: { id, ...change }, ifVersion };
        after = before && { version: before.version + 1, fields: { ...before.fields, ...change } };
        mustNotFound = !before;
        mustConflict = Boolean(before && stale && ifVersion !== undefined);
      } else {
        const ifVersion = conditional && before ? (stale ? before.version + 1 : before.version) : undefined;
        event = { op: 'remove', collection, id, ifVersion };
        after = null;
        mustConflict = Boolean(before && stale && ifVersion !== undefined);
      }

      const a = await this.db(event);
      const code: string | undefined = a.error?.code;
      if (code === 'Unavailable') {
        // Not acknowledged: it may or may not have landed. (A refused one must not have.)
        await this.resolve(k, collection, id, before, mustConflict || mustNotFound ? before : after);
        return;
      }
      if (mustConflict) {
        if (code !== 'Conflict') wrong(`${JSON.stringify(event)} on ${JSON.stringify(before)} answered ${JSON.stringify(a)}, not Conflict`);
        figures.deservedConflicts++;
        return;
      }
      if (mustNotFound) {
        if (code !== 'NotFound') wrong(`update of a missing object answered ${JSON.stringify(a)}`);
        return;
      }
      if (code) wrong(`${JSON.stringify(event)} on ${JSON.stringify(before)} answered ${code}`);
      const acknowledged = event.op === 'remove' ? (a.data === null ? null : wrong(`remove answered ${JSON.stringify(a)}`)) : this.stateOf(a.data, 'write');
      if (!this.same(acknowledged, after))
        wrong(`${JSON.stringify(event)} on ${JSON.stringify(before)} acknowledged ${JSON.stringify(acknowledged)}, expected ${JSON.stringify(after)}`);
      figures.acknowledgedWrites++;
      this.model.set(k, after);
    }
  }

  const clients: Client[] = [];

  it(`${USERS} users × ${OPS_PER_USER} operations: every answer is right or retryable`, async () => {
    for (let i = 0; i < USERS; i++) clients.push(new Client());
    faultsOn = true;
    try {
      await Promise.all(
        clients.map(async (c) => {
          await c.login();
          for (let i = 0; i < OPS_PER_USER; i++) await c.step();
        }),
      );
    } finally {
      faultsOn = false;
    }
    expect(figures.wrongAnswers).toBe(0);
    // The faults really were injected, of every kind.
    const total = Object.entries(injected)
      .filter(([k]) => !/lostAnswer \w/.test(k))
      .reduce((s, [, n]) => s + n, 0);
    expect(total).toBeGreaterThan(100);
    for (const kind of [
      'tablestore:503 OTSServerBusy',
      'tablestore:reset',
      'tablestore:lostAnswer',
      'tablestore:delay',
      'alipay:http5xx',
      'sts:503 ServiceUnavailable',
      'sts:reset',
    ]) {
      expect(injected[kind] ?? 0).toBeGreaterThan(0);
    }
    expect(injected['tablestore:lostAnswer PutRow'] ?? 0).toBeGreaterThan(0);
    expect(injected['tablestore:lostAnswer UpdateRow'] ?? 0).toBeGreaterThan(0);
    expect(figures.acknowledgedWrites).toBeGreaterThan(USERS * OPS_PER_USER * 0.3);
  }, 240_000);

  it('with faults off, db and the raw table hold every acknowledged write (the last state of each object)', async () => {
    const rows = await tableRows(cloud, 'objects');
    let lost = 0;
    for (const c of clients) {
      for (const collection of COLLECTIONS) {
        for (const id of IDS) {
          const expected = c.model.get(key(collection, id)) ?? null;
          const got = await c.read({ op: 'get', id, collection });
          const viaDb: State = got.data === null ? null : { version: got.data.version, fields: userFields(got.data) };
          const row = rows.find((r) => r.key.uid === c.accountId && r.key.collection === collection && r.key.id === id);
          const raw: State = row ? { version: Number(row.columns.version), fields: JSON.parse(String(row.columns.doc)) } : null;
          if (JSON.stringify(viaDb) !== JSON.stringify(expected) || JSON.stringify(raw) !== JSON.stringify(expected)) lost++;
        }
        const listed = await c.read({ op: 'list', collection });
        expect(listed.data.map((o: { id: string }) => o.id)).toEqual(IDS.filter((id) => c.model.get(key(collection, id))));
      }
      // No row beyond the model.
      expect(rows.filter((r) => r.key.uid === c.accountId).length).toBe([...c.model.values()].filter(Boolean).length);
    }
    figures.acknowledgedWritesLost = lost;
    expect(lost).toBe(0);
  });

  it('every session id handed out works until its logout; the table holds no other session but orphans nobody was told', async () => {
    const live = clients.flatMap((c) => [...c.sessions].filter(([, s]) => s === 'live').map(([id]) => ({ c, id })));
    const loggedOut = clients.flatMap((c) => [...c.sessions].filter(([, s]) => s === 'loggedOut').map(([id]) => id));
    expect(live.length).toBe(USERS);
    for (const { c, id } of live) {
      const res = await c.sessionCall('refresh', id);
      expect(res.status).toBe(200);
      const a = await dbCall(cloud, { ...c.session, sessionId: id, sts: res.body.sts }, { op: 'list' });
      expect(a.body.error).toBeUndefined();
    }
    for (const id of loggedOut) expect((await postSession(cloud, { action: 'refresh', sessionId: id })).status).toBe(401);

    const rows = (await tableRows(cloud, 'sessions')).map((r) => ({ sid: String(r.key.sid), accountId: String(r.columns.accountId) }));
    const given = new Set(live.map((l) => sessionKey(l.id)));
    const outOfModel = rows.filter((r) => !given.has(r.sid));
    // A login whose session PutRow landed but whose answer was lost (and whose retries then failed)
    // leaves a row that no client knows the id of: unusable, it expires with the TTL. Counted.
    figures.orphanSessionRows = outOfModel.length;
    for (const r of outOfModel) expect(clients.map((c) => c.accountId)).toContain(r.accountId);
    // And each live session's row names the account of the client it was given to.
    for (const { c, id } of live) expect(rows.find((r) => r.sid === sessionKey(id))?.accountId).toBe(c.accountId);
    expect(rows.filter((r) => given.has(r.sid)).length).toBe(given.size);
    for (const id of loggedOut) expect(rows.map((r) => r.sid)).not.toContain(sessionKey(id));
  });
});
