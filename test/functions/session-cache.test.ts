import { SessionCache } from '../../lambda/shared/session-cache';
import { TableStore } from '../../lambda/shared/ots';
import { sessionKey } from '../../lambda/shared/sessions';
import { tableRows } from './helpers';
import { db, login, postSession, startCloud } from '../support/local';
import type { LocalCloud } from '../../local/cloud';

describe('SessionCache (pure logic)', () => {
  const session = (accountId: string, expiresAt = 1e12) => ({ accountId, expiresAt });

  it('trusts an entry for at most ttlMs, and never past the session expiry', () => {
    const cache = new SessionCache(10_000);
    cache.set('a', session('u1'), 0);
    expect(cache.get('a', 9_999)).toEqual(session('u1'));
    expect(cache.get('a', 10_000)).toBeUndefined();
    cache.set('b', session('u2', 5_000), 0);
    expect(cache.get('b', 4_999)?.accountId).toBe('u2');
    expect(cache.get('b', 5_000)).toBeUndefined();
  });

  it('evicts the oldest entry beyond its capacity', () => {
    const cache = new SessionCache(10_000, 2);
    cache.set('a', session('1'), 0);
    cache.set('b', session('2'), 0);
    cache.set('c', session('3'), 0);
    expect([cache.get('a', 1), cache.get('b', 1)?.accountId, cache.get('c', 1)?.accountId]).toEqual([undefined, '2', '3']);
  });
});

describe('logout reaches a warm db instance within the cache bound', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startCloud();
  });
  afterAll(() => cloud.stop());

  it('is refused no later than SESSION_CACHE_SECONDS after logout (as the template sets it)', async () => {
    const bound = Number(cloud.fc.instance(cloud.config.ServiceName, cloud.config.DBFunctionName)!.spec.environment.SESSION_CACHE_SECONDS) * 1000;
    expect(bound).toBe(10_000);
    const session = await login(cloud);
    expect((await db(cloud, session, { op: 'list' })).data).toEqual([]); // now cached by the warm instance
    const loggedOutAt = Date.now();
    expect((await postSession(cloud, { action: 'logout', sessionId: session.sessionId })).status).toBe(200);
    let refusedAt: number | undefined;
    while (Date.now() - loggedOutAt < bound + 2_000) {
      const answer = await db(cloud, session, { op: 'list' });
      if (answer.error?.code === 'SessionInvalid') {
        refusedAt = Date.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(refusedAt).toBeDefined();
    expect(refusedAt! - loggedOutAt).toBeLessThanOrEqual(bound + 250);
  }, 20_000);
});

describe('expiry is checked on every read, not left to the TTL', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startCloud();
  });
  afterAll(() => cloud.stop());

  it('refuses a session whose row still exists but whose expiresAt has passed', async () => {
    const session = await login(cloud);
    // Move the stored expiry into the past, as an operator with write access could, leaving the row in place.
    const env = cloud.fc.instance(cloud.config.ServiceName, cloud.config.DBFunctionName)!.spec.environment;
    const creds = cloud.credentials.issue(
      {
        roleArn: `acs:ram::${cloud.config.AccountId}:role/test-operator`,
        sessionName: 'op',
        rolePolicies: [{ Version: '1', Statement: [{ Effect: 'Allow', Action: ['ots:UpdateRow', 'ots:GetRange'], Resource: ['*'] }] }],
      },
      900,
    );
    const ots = new TableStore.Client({
      endpoint: env.OTS_ENDPOINT,
      instancename: env.OTS_INSTANCE,
      accessKeyId: creds.accessKeyId,
      secretAccessKey: creds.accessKeySecret,
      stsToken: creds.securityToken,
      maxRetries: 0,
    });
    await ots.updateRow({
      tableName: env.SESSIONS_TABLE,
      primaryKey: [{ sid: sessionKey(session.sessionId) }],
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_EXIST, null),
      updateOfAttributeColumns: [{ PUT: [{ expiresAt: TableStore.Long.fromNumber(Date.now() - 1000) }] }],
    });
    expect((await tableRows(cloud, 'sessions')).some((r) => r.key.sid === sessionKey(session.sessionId))).toBe(true);
    expect((await postSession(cloud, { action: 'refresh', sessionId: session.sessionId })).body.error.code).toBe('SessionInvalid');
    expect((await db(cloud, session, { op: 'list' })).error.code).toBe('SessionInvalid');
  });
});
