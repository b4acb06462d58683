import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LocalCloud } from '../../local/cloud';
import { authCode, db, fcClient, login as loginAt, newUserId, originalSessionUrl, postSession as postSessionAt, startCloud } from '../support/local';

// The 2020 client's address for the session function: FC's /proxy/ path on the FC endpoint.
const login = (cloud: LocalCloud) => loginAt(cloud, newUserId(), originalSessionUrl(cloud));
const postSession = (cloud: LocalCloud, body: unknown) => postSessionAt(cloud, body, {}, originalSessionUrl(cloud));

/** The 2020 template's client, unchanged: POST {authCode} to FC's /proxy/ path for the session function, then fc2 invokeFunction on db. */
describe('the original client against local mode', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startCloud();
  });
  afterAll(() => cloud.stop());

  it('logs in and puts, gets, lists and removes a todo', async () => {
    const session = await login(cloud);
    // The account, a dot, the secret (lambda/shared/sessions.ts); the original client passes it back as is.
    expect(session.sessionId).toMatch(/^acc_[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    expect(session.accountId).toMatch(/^acc_[A-Za-z0-9_-]{22}$/);
    expect(Object.keys(session.sts).sort()).toEqual(['AccessKeyId', 'AccessKeySecret', 'Expiration', 'SecurityToken']);

    const put = await db(cloud, session, { op: 'put', obj: { id: 'buy milk', text: 'buy milk', done: false } });
    expect(put.data).toMatchObject({ id: 'buy milk', text: 'buy milk', done: false, uid: session.accountId, version: 1 });

    const got = await db(cloud, session, { op: 'get', id: 'buy milk' });
    expect(got.data).toMatchObject({ id: 'buy milk', text: 'buy milk', done: false, uid: session.accountId });

    await db(cloud, session, { op: 'put', obj: { id: 'walk dog', text: 'walk dog', done: true } });
    const list = await db(cloud, session, { op: 'list' });
    expect(list.data.map((o: { id: string }) => o.id)).toEqual(['buy milk', 'walk dog']);

    expect(await db(cloud, session, { op: 'remove', id: 'buy milk' })).toEqual({ data: null });
    expect((await db(cloud, session, { op: 'get', id: 'buy milk' })).data).toBeNull();
    expect((await db(cloud, session, { op: 'list' })).data.map((o: { id: string }) => o.id)).toEqual(['walk dog']);
  });

  it('keeps two users apart under every op', async () => {
    const alice = await login(cloud);
    const bob = await login(cloud);
    await db(cloud, alice, { op: 'put', obj: { id: 'secret', text: "alice's" } });
    await db(cloud, alice, { op: 'put', collection: 'notes', obj: { id: 'n1', text: "alice's note" } });

    expect((await db(cloud, bob, { op: 'get', id: 'secret' })).data).toBeNull();
    expect((await db(cloud, bob, { op: 'list' })).data).toEqual([]);
    expect((await db(cloud, bob, { op: 'list', collection: 'notes' })).data).toEqual([]);
    expect((await db(cloud, bob, { op: 'update', obj: { id: 'secret', text: 'pwned' } })).error.code).toBe('NotFound');
    await db(cloud, bob, { op: 'remove', id: 'secret' });
    await db(cloud, bob, { op: 'put', obj: { id: 'secret', text: "bob's", uid: alice.accountId } });
    // Naming a user anywhere in the event changes nothing: the user comes from the session.
    expect((await db(cloud, bob, { op: 'get', id: 'secret', uid: alice.accountId })).data).toMatchObject({ text: "bob's", uid: bob.accountId });
    expect((await db(cloud, bob, { op: 'get', id: 'secret', uid: alice.userId })).data).toMatchObject({ text: "bob's", uid: bob.accountId });
    await db(cloud, bob, { op: 'put', obj: { id: 'secret', text: "bob's", uid: alice.userId } });
    expect((await db(cloud, bob, { op: 'get', id: 'secret' })).data).toMatchObject({ text: "bob's", uid: bob.accountId, version: 2 });

    const a = await db(cloud, alice, { op: 'get', id: 'secret' });
    expect(a.data).toMatchObject({ text: "alice's", uid: alice.accountId, version: 1 });
    expect((await db(cloud, alice, { op: 'list', collection: 'notes' })).data).toHaveLength(1);

    // Bob's credentials with Alice's session id would be Alice: the session is the identity, and
    // only Alice holds it. Bob can't use his credentials to reach her data without her id.
    expect((await db(cloud, { ...bob, sessionId: alice.sessionId.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) }, { op: 'list' })).error.code).toBe(
      'SessionInvalid',
    );
  });

  it('refuses forged, malformed, expired and logged-out sessions', async () => {
    const session = await login(cloud);
    const forged = { ...session, sessionId: 'A'.repeat(43) };
    expect((await db(cloud, forged, { op: 'list' })).error.code).toBe('SessionInvalid');
    expect((await db(cloud, { ...session, sessionId: 'not-a-session' }, { op: 'list' })).error.code).toBe('SessionInvalid');

    const other = await login(cloud);
    expect((await postSession(cloud, { action: 'logout', sessionId: other.sessionId })).status).toBe(200);
    expect((await db(cloud, other, { op: 'list' })).error.code).toBe('SessionInvalid');
    expect((await postSession(cloud, { action: 'refresh', sessionId: other.sessionId })).body.error.code).toBe('SessionInvalid');
  });

  it('refuses a reused authCode', async () => {
    const code = await authCode(cloud, '2088000000000777');
    expect((await postSession(cloud, { authCode: code })).status).toBe(200);
    const again = await postSession(cloud, { authCode: code });
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('AuthCodeInvalid');
  });

  it('gives STS credentials that invoke db and nothing else', async () => {
    const session = await login(cloud);
    const fc = fcClient(cloud, session.sts);
    await expect(fc.invokeFunction(cloud.config.ServiceName, cloud.config.SessionFunctionName, '{}')).rejects.toMatchObject({ code: 'AccessDenied' });
    await expect(fc.invokeFunction(cloud.config.ServiceName, 'nonexistent', '{}')).rejects.toMatchObject({ code: 'FunctionNotFound' });
    const wrongSecret = fcClient(cloud, { ...session.sts, AccessKeySecret: 'x'.repeat(32) });
    await expect(wrongSecret.invokeFunction(cloud.config.ServiceName, cloud.config.DBFunctionName, '{}')).rejects.toMatchObject({ code: 'SignatureNotMatch' });
  });
});

describe('credential expiry', () => {
  let now = Date.now();
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startCloud({ credentialClock: () => now });
  });
  afterAll(() => cloud.stop());

  it('refuses STS credentials after they expire, and refresh issues working ones', async () => {
    const session = await login(cloud);
    expect((await db(cloud, session, { op: 'list' })).data).toEqual([]);
    now += 901 * 1000;
    await expect(db(cloud, session, { op: 'list' })).rejects.toMatchObject({ code: 'InvalidSecurityToken' });
    const refreshed = await postSession(cloud, { action: 'refresh', sessionId: session.sessionId });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.sts.AccessKeyId).not.toBe(session.sts.AccessKeyId);
    expect((await db(cloud, { ...session, sts: refreshed.body.sts }, { op: 'list' })).data).toEqual([]);
  });
});

describe('persistence', () => {
  it('keeps data and sessions across a restart of local mode', async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'miniapp-state-'));
    try {
      const first = await startCloud({ stateDir });
      const session = await login(first);
      await db(first, session, { op: 'put', obj: { id: 'durable', n: 1 } });
      await first.stop();

      const second = await startCloud({ stateDir });
      try {
        // Same session id, fresh credentials (the credential store is not persisted).
        const refreshed = await postSession(second, { action: 'refresh', sessionId: session.sessionId });
        expect(refreshed.status).toBe(200);
        const got = await db(second, { ...session, sts: refreshed.body.sts }, { op: 'get', id: 'durable' });
        expect(got.data).toMatchObject({ id: 'durable', n: 1, version: 1 });
      } finally {
        await second.stop();
      }
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
