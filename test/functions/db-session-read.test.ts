import { randomBytes } from 'node:crypto';
import type { LocalCloud } from '../../local/cloud';
import { TableStore } from '../../lambda/shared/ots';
import { claimedAccountOf, sessionKey } from '../../lambda/shared/sessions';
import { db, login, postSession, startCloud } from '../support/local';
import { operatorClient } from '../support/tables';

type Call = { call: string; at: number; ms: number };
interface DbLine {
  op: string;
  outcome: string;
  ots: number;
  code?: string;
  cold?: { clientMs: number; calls: Call[]; load?: { codeCache: string; ms: number } };
}

/**
 * The db function starts a read while it checks the session, when the session id names its account
 * (lambda/shared/live-session.ts), and writes only after the check. Each case runs on a cold
 * instance, where the session is not cached, and reads the instance's cold-start report.
 */
describe('db: the session check and the read at once', () => {
  let cloud: LocalCloud;
  const lines: DbLine[] = [];
  beforeAll(async () => {
    cloud = await startCloud();
    cloud.onFunctionLog((line) => {
      if (!line.startsWith('{')) return;
      const parsed = JSON.parse(line) as DbLine & { function: string };
      if (parsed.function === cloud.config.DBFunctionName) lines.push(parsed);
    });
  });
  afterAll(() => cloud.stop());

  const coldDb = async (session: Parameters<typeof db>[1], event: Record<string, unknown>) => {
    await cloud.fc.instance(cloud.config.ServiceName, cloud.config.DBFunctionName)!.stop();
    const answer = await db(cloud, session, event);
    // The log line is written before the answer is sent.
    return { answer, line: lines[lines.length - 1] };
  };
  const startedBeforeEnd = (first: Call, second: Call) => second.at < first.at + first.ms / 2;

  it('login hands out ids that name the account', async () => {
    const session = await login(cloud);
    expect(claimedAccountOf(session.sessionId)).toBe(session.accountId);
    expect(session.sessionId).toMatch(/^acc_[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
  });

  it('a cold get reads the session row and the object at once: 2 round trips, 1 of latency', async () => {
    const session = await login(cloud);
    await db(cloud, session, { op: 'put', obj: { id: 'a', text: 'x' } });
    const { answer, line } = await coldDb(session, { op: 'get', id: 'a' });
    expect(answer.data).toMatchObject({ id: 'a', text: 'x', uid: session.accountId });
    expect(line).toMatchObject({ op: 'get', outcome: 'ok', ots: 2 });
    // The report also says how the code loaded: the local FC runs the node synth made the cache with.
    expect(line.cold!.load).toEqual({ codeCache: 'accepted', ms: expect.any(Number) });
    const [first, second] = line.cold!.calls;
    expect([first.call, second.call]).toEqual(['ots.GetRow', 'ots.GetRow']);
    expect(startedBeforeEnd(first, second)).toBe(true);
  });

  it('a cold list does the same', async () => {
    const session = await login(cloud);
    await db(cloud, session, { op: 'put', obj: { id: 'b' } });
    const { answer, line } = await coldDb(session, { op: 'list' });
    expect(answer.data.map((o: { id: string }) => o.id)).toEqual(['b']);
    const [first, second] = line.cold!.calls;
    expect([first.call, second.call]).toEqual(['ots.GetRow', 'ots.GetRange']);
    expect(startedBeforeEnd(first, second)).toBe(true);
  });

  it('a cold write waits for the session before it writes', async () => {
    const session = await login(cloud);
    const { answer, line } = await coldDb(session, { op: 'put', obj: { id: 'c' } });
    expect(answer.data).toMatchObject({ id: 'c', version: 1 });
    const [check, write] = line.cold!.calls;
    expect([check.call, write.call]).toEqual(['ots.GetRow', 'ots.PutRow']);
    expect(write.at).toBeGreaterThanOrEqual(check.at + check.ms - 0.2);
  });

  it("an id that names another account reads nothing of that account's data", async () => {
    const victim = await login(cloud);
    await db(cloud, victim, { op: 'put', obj: { id: 'secret', text: 'victim data' } });
    const attacker = await login(cloud);
    const ownSecret = attacker.sessionId.split('.')[1];
    for (const sid of [`${victim.accountId}.${ownSecret}`, `${victim.accountId}.${randomBytes(32).toString('base64url')}`]) {
      for (const event of [{ op: 'get', id: 'secret' }, { op: 'list' }]) {
        const { answer, line } = await coldDb(attacker, { ...event, sid });
        expect(answer).toEqual({ error: { code: 'SessionInvalid', message: expect.any(String) } });
        expect(JSON.stringify(answer)).not.toContain('victim data');
        // The read did happen, in parallel, and was dropped.
        expect(line).toMatchObject({ outcome: 'error', code: 'SessionInvalid', ots: 2 });
      }
    }
  });

  it('a logged-out session is refused on a cold instance although the read ran', async () => {
    const session = await login(cloud);
    await db(cloud, session, { op: 'put', obj: { id: 'd' } });
    expect((await postSession(cloud, { action: 'logout', sessionId: session.sessionId })).status).toBe(200);
    const { answer } = await coldDb(session, { op: 'get', id: 'd' });
    expect(answer.error.code).toBe('SessionInvalid');
  });

  it('a session id of the older form (43 random characters) still works, checked before the read', async () => {
    const owner = await login(cloud);
    await db(cloud, owner, { op: 'put', obj: { id: 'e', text: 'kept' } });
    const oldStyle = randomBytes(32).toString('base64url');
    const env = cloud.fc.instance(cloud.config.ServiceName, cloud.config.DBFunctionName)!.spec.environment;
    const ots = operatorClient(cloud, ['ots:PutRow']);
    const now = Date.now();
    await ots.putRow({
      tableName: env.SESSIONS_TABLE,
      primaryKey: [{ sid: sessionKey(oldStyle) }],
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_NOT_EXIST, null),
      attributeColumns: [
        { accountId: owner.accountId },
        { createdAt: TableStore.Long.fromNumber(now) },
        { expiresAt: TableStore.Long.fromNumber(now + 60_000) },
      ],
    });
    const { answer, line } = await coldDb(owner, { op: 'get', id: 'e', sid: oldStyle });
    expect(answer.data).toMatchObject({ id: 'e', text: 'kept' });
    const [check, read] = line.cold!.calls;
    expect(read.at).toBeGreaterThanOrEqual(check.at + check.ms - 0.2);
  });
});
