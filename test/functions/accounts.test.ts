import { createHash, randomBytes } from 'node:crypto';
import type { LocalCloud } from '../../local/cloud';
import { type AlipayIds, type LoginAnswer, authCode, loginAs, newOpenId, newUserId, postSession, startCloud } from '../support/local';
import { allRows, plantRow } from '../support/tables';
import { allIds, dbOp, errorCode } from './helpers';

const ACCOUNT_ID = /^acc_[A-Za-z0-9_-]{22}$/;

/** An object as the db function stored it before accounts existed: keyed by the raw Alipay id. */
async function plantLegacyObject(cloud: LocalCloud, rawId: string, id: string, fields: Record<string, unknown>, collection = 'default'): Promise<void> {
  const t = Date.parse('2025-03-01T00:00:00Z');
  await plantRow(cloud, 'objects', [{ uid: rawId }, { collection }, { id }], {
    doc: JSON.stringify(fields),
    version: 3,
    createdAt: t,
    updatedAt: t + 1000,
    writeId: randomBytes(12).toString('base64url'),
  });
}

const objectsOf = async (cloud: LocalCloud, owner: string) => (await allRows(cloud, 'objects', ['uid', 'collection', 'id'])).filter((r) => r.key.uid === owner);
const accountRows = async (cloud: LocalCloud) => (await allRows(cloud, 'accounts', ['key'])).filter((r) => String(r.key.key).startsWith('account:'));
const me = async (cloud: LocalCloud, s: LoginAnswer) => postSession(cloud, { action: 'me', sessionId: s.sessionId });

describe('accounts: one per person, across Alipay’s move from user_id to open_id', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startCloud();
  });
  afterAll(() => cloud.stop());

  it('keeps the same data visible before (user_id), during (both) and after (open_id) the migration, including data stored before accounts', async () => {
    const userId = newUserId();
    const openId = newOpenId();
    await plantLegacyObject(cloud, userId, 'old-1', { text: 'from 2025' });
    await plantLegacyObject(cloud, userId, 'note-1', { text: 'a note' }, 'notes');

    const before = await loginAs(cloud, { userId });
    expect(before.accountId).toMatch(ACCOUNT_ID);
    expect(await allIds(cloud, before)).toEqual(['old-1']);
    expect((await dbOp(cloud, before, { op: 'get', id: 'old-1' })).data).toMatchObject({ text: 'from 2025', uid: before.accountId, version: 3 });
    expect(await allIds(cloud, before, 'notes')).toEqual(['note-1']);
    // Moved, not copied: nothing is left under the raw id.
    expect(await objectsOf(cloud, userId)).toEqual([]);
    await dbOp(cloud, before, { op: 'put', obj: { id: 'new-1', text: 'written before the switch' } });

    const during = await loginAs(cloud, { userId, openId });
    expect(during.accountId).toBe(before.accountId);
    await dbOp(cloud, during, { op: 'put', obj: { id: 'new-2', text: 'written during' } });

    const after = await loginAs(cloud, { openId });
    expect(after.accountId).toBe(before.accountId);
    expect(await allIds(cloud, after)).toEqual(['new-1', 'new-2', 'old-1']);
    expect(await allIds(cloud, after, 'notes')).toEqual(['note-1']);

    const account = (await me(cloud, after)).body;
    expect(account).toEqual({ accountId: before.accountId, userId, openId, createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(await accountRows(cloud).then((rows) => rows.filter((r) => r.key.key === `account:${before.accountId}`))).toHaveLength(1);
  });

  it('moves data an open_id-only app stored under the open_id before accounts existed', async () => {
    const openId = newOpenId();
    await plantLegacyObject(cloud, openId, 'kept', { n: 1 });
    const s = await loginAs(cloud, { openId });
    expect((await dbOp(cloud, s, { op: 'get', id: 'kept' })).data).toMatchObject({ n: 1, uid: s.accountId });
    expect(await objectsOf(cloud, openId)).toEqual([]);
  });

  it('never loses a row when the same id was stored under both raw ids: the one moved first stays, the other is left where it was', async () => {
    const userId = newUserId();
    const openId = newOpenId();
    await plantLegacyObject(cloud, userId, 'same', { from: 'user_id' });
    await plantLegacyObject(cloud, openId, 'same', { from: 'open_id' });
    await plantLegacyObject(cloud, openId, 'only-open', { from: 'open_id' });
    const s = await loginAs(cloud, { userId, openId });
    expect(await allIds(cloud, s)).toEqual(['only-open', 'same']);
    const left = await objectsOf(cloud, userId).then(async (u) => [...u, ...(await objectsOf(cloud, openId))]);
    expect(left).toHaveLength(1);
    const kept = JSON.parse(String(left[0].columns.doc)).from;
    expect((await dbOp(cloud, s, { op: 'get', id: 'same' })).data.from).toBe(kept === 'user_id' ? 'open_id' : 'user_id');
  });

  it('two people with different open_ids never share an account or data', async () => {
    const a = await loginAs(cloud, { openId: newOpenId() });
    const b = await loginAs(cloud, { openId: newOpenId() });
    expect(a.accountId).not.toBe(b.accountId);
    await dbOp(cloud, a, { op: 'put', obj: { id: 'mine', secret: 'a' } });
    expect((await dbOp(cloud, b, { op: 'get', id: 'mine' })).data).toBeNull();
    expect(await allIds(cloud, b)).toEqual([]);
  });

  it.each<[string, () => AlipayIds]>([
    ['user_id', () => ({ userId: newUserId() })],
    ['open_id', () => ({ openId: newOpenId() })],
    ['both', () => ({ userId: newUserId(), openId: newOpenId(), unionId: newOpenId() })],
  ])('makes one account from 12 concurrent first logins (%s), moving old data exactly once', async (_mode, make) => {
    const ids = make();
    const raw = ids.userId ?? ids.openId!;
    for (let i = 0; i < 30; i++) await plantLegacyObject(cloud, raw, `legacy-${String(i).padStart(2, '0')}`, { i });
    const before = new Set((await accountRows(cloud)).map((r) => r.key.key));

    const logged = cloud.functionLogs.length;
    const sessions = await Promise.all(Array.from({ length: 12 }, () => loginAs(cloud, ids)));
    const accounts = new Set(sessions.map((s) => s.accountId));
    expect(accounts.size).toBe(1);
    // Exactly one of them says it created the account.
    const lines = cloud.functionLogs
      .slice(logged)
      .filter((l) => l.includes('"op":"login"'))
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(12);
    expect(lines.filter((l) => l.account === 'created')).toHaveLength(1);
    const created = (await accountRows(cloud)).filter((r) => !before.has(r.key.key));
    expect(created.map((r) => r.key.key)).toEqual([`account:${sessions[0].accountId}`]);
    const ids30 = await allIds(cloud, sessions[5]);
    expect(ids30).toHaveLength(30);
    expect((await dbOp(cloud, sessions[7], { op: 'get', id: 'legacy-29' })).data).toMatchObject({ i: 29 });
    expect(await objectsOf(cloud, raw)).toEqual([]);
    const aliases = (await allRows(cloud, 'accounts', ['key'])).filter((r) => r.columns.accountId === sessions[0].accountId);
    expect(aliases.map((r) => [String(r.key.key).split(':')[0], r.columns.settled]).sort()).toEqual(
      [ids.openId && ['open_id', true], ids.userId && ['user_id', true]].filter(Boolean),
    );
  });

  it('keeps union_id when given, and records it when it first appears on a later login', async () => {
    const openId = newOpenId();
    const first = await loginAs(cloud, { openId });
    expect((await me(cloud, first)).body.unionId).toBeUndefined();
    const unionId = newOpenId();
    const later = await loginAs(cloud, { openId, unionId });
    expect((await me(cloud, later)).body).toMatchObject({ accountId: first.accountId, openId, unionId });
  });

  it('refuses a session stored before accounts existed (it names a raw Alipay id), so its holder logs in once more', async () => {
    const userId = newUserId();
    const sessionId = randomBytes(32).toString('base64url');
    const sid = createHash('sha256').update(sessionId).digest('base64url');
    await plantRow(cloud, 'sessions', [{ sid }], { uid: userId, createdAt: Date.now(), expiresAt: Date.now() + 3600_000 });
    const fresh = await loginAs(cloud, { userId });
    expect(errorCode(await dbOp(cloud, { ...fresh, sessionId }, { op: 'list' }))).toBe('SessionInvalid');
    expect((await postSession(cloud, { action: 'refresh', sessionId })).body.error.code).toBe('SessionInvalid');
    expect((await postSession(cloud, { action: 'me', sessionId })).status).toBe(401);
  });

  it('costs a returning person one Tablestore round trip per Alipay id (read at once) plus the session row; linking is paid once', async () => {
    const calls = async (ids: AlipayIds) => {
      await loginAs(cloud, ids);
      return JSON.parse(cloud.functionLogs.filter((l) => l.includes('"op":"login"')).pop()!).ots;
    };
    const userId = newUserId();
    const openId = newOpenId();
    // New: read, claim, account row + old-data check (parallel), mark settled, session.
    expect(await calls({ userId })).toBe(6);
    expect(await calls({ userId })).toBe(2);
    // The first login with both ids links the open_id: its claim, account row, old-data check and mark.
    expect(await calls({ userId, openId })).toBe(7);
    expect(await calls({ userId, openId })).toBe(3);
    expect(await calls({ openId })).toBe(2);
    expect(await calls({ openId: newOpenId() })).toBe(6);
    expect(await calls({ userId: newUserId(), openId: newOpenId() })).toBe(11);
  });

  it('answers me with the account; unknown sessions get SessionInvalid', async () => {
    const userId = newUserId();
    const s = await loginAs(cloud, { userId });
    const res = await me(cloud, s);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accountId: s.accountId, userId, createdAt: expect.any(String) });
    expect(Math.abs(Date.parse(res.body.createdAt) - Date.now())).toBeLessThan(60_000);
    expect((await postSession(cloud, { action: 'me', sessionId: 'A'.repeat(43) })).body.error.code).toBe('SessionInvalid');
    expect((await postSession(cloud, { action: 'me' })).body.error.code).toBe('BadRequest');
  });
});

describe('accounts: an interrupted first login is finished by the next one', () => {
  let cloud: LocalCloud;
  let failUpdates = 0;
  beforeAll(async () => {
    cloud = await startCloud({
      tablestore: {
        fault: (op) => {
          if (op === 'UpdateRow' && failUpdates > 0) {
            failUpdates--;
            return { status: 400, code: 'OTSParameterInvalid', message: 'injected' };
          }
          return undefined;
        },
      },
    });
  });
  afterAll(() => cloud.stop());

  it('a login that fails after claiming the alias leaves no usable half-account, and the next login completes it with the data moved', async () => {
    const userId = newUserId();
    await plantLegacyObject(cloud, userId, 'precious', { keep: true });
    failUpdates = 1; // the account row's: the alias is claimed, but neither settled nor on an account row
    const sessionsBefore = (await allRows(cloud, 'sessions', ['sid'])).length;
    const failed = await postSession(cloud, { authCode: await authCode(cloud, userId) });
    expect(failed.status).toBe(500);
    expect((await allRows(cloud, 'sessions', ['sid'])).length).toBe(sessionsBefore);
    expect((await allRows(cloud, 'accounts', ['key'])).find((r) => r.key.key === `user_id:${userId}`)?.columns.settled).toBe(false);
    const s = await loginAs(cloud, { userId });
    expect((await dbOp(cloud, s, { op: 'get', id: 'precious' })).data).toMatchObject({ keep: true, uid: s.accountId });
    expect((await me(cloud, s)).body).toMatchObject({ accountId: s.accountId, userId });
    expect((await accountRows(cloud)).filter((r) => r.key.key === `account:${s.accountId}`)).toHaveLength(1);
  });
});
