import { ObjectStore } from '../../lambda/db/objects';
import { RowCache } from '../../lambda/db/row-cache';
import { OtsSession } from '../../lambda/shared/ots';
import type { LocalCloud } from '../../local/cloud';
import type { FaultDecision } from '../../local/tablestore';
import { type LoginAnswer, fcClient, login, startCloud } from '../support/local';
import { operatorClient, plantRow } from '../support/tables';
import { type RawInvoke, sleep, tableRows } from './helpers';

/**
 * Tablestore round trips per db write, counted twice: the `ots` figure on the function's log line
 * and the requests the emulator served meanwhile. The instance remembers the rows it read or wrote
 * (lambda/db/row-cache.ts), so a write is one round trip in the common case; these tests also show
 * that a remembered row someone else changed costs a round trip more, never a lost update.
 */
describe('db round trips', () => {
  let cloud: LocalCloud;
  let me: LoginAnswer;
  let otsFault: (op: string) => FaultDecision = () => undefined;

  beforeAll(async () => {
    cloud = await startCloud({ tablestore: { fault: (op) => otsFault(op) } });
    me = await login(cloud);
  });
  afterAll(() => cloud.stop());
  afterEach(() => {
    otsFault = () => undefined;
  });

  const dbInstance = () => cloud.fc.instance(cloud.config.ServiceName, cloud.config.DBFunctionName)!;
  /** Ends the db instance: the next call is a cold start that remembers no row. */
  const forgetAll = () => dbInstance().stop();

  async function invoke(event: Record<string, unknown>): Promise<{ data: any; requestId: string }> {
    const res: RawInvoke = await fcClient(cloud, me.sts).invokeFunction(
      cloud.config.ServiceName,
      cloud.config.DBFunctionName,
      JSON.stringify({ sid: me.sessionId, ...event }),
    );
    expect(res.headers['x-fc-error-type']).toBeUndefined();
    return { data: res.data, requestId: res.headers['x-fc-request-id'] };
  }
  const op = async (event: Record<string, unknown>) => (await invoke(event)).data;

  /** The request's log line (it reaches the log through the instance's stdout, maybe after the answer). */
  async function logLine(requestId: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 200; i++) {
      const line = cloud.functionLogs.find((l) => l.includes(requestId));
      if (line) return JSON.parse(line) as Record<string, unknown>;
      await sleep(10);
    }
    throw new Error(`no log line for ${requestId}`);
  }

  /**
   * One db call and the Tablestore requests it made. A call just before caches the session (db
   * trusts it for 10 s), so every request counted is the object store's own.
   */
  async function measured(event: Record<string, unknown>): Promise<{ answer: any; ots: unknown; served: Record<string, number> }> {
    expect((await op({ op: 'get', id: '~session-warm-up' })).data).toBeNull();
    const before = cloud.tablestore.counters;
    const { data, requestId } = await invoke(event);
    const after = cloud.tablestore.counters;
    const served = Object.fromEntries(Object.entries(after).flatMap(([k, n]) => (n - (before[k] ?? 0) > 0 ? [[k, n - (before[k] ?? 0)]] : [])));
    return { answer: data, ots: (await logLine(requestId)).ots, served };
  }

  /** The stored row of an object, as a console user sees it. */
  async function stored(id: string): Promise<Record<string, unknown> | undefined> {
    const row = (await tableRows(cloud, 'objects')).find((r) => r.key.uid === me.accountId && r.key.collection === 'default' && r.key.id === id);
    return row?.columns;
  }
  /** The answer is the stored object, exactly: fields, version, createdAt, updatedAt. */
  async function expectStored(answer: any): Promise<void> {
    const { id, uid, version, createdAt, updatedAt, ...fields } = answer;
    expect(uid).toBe(me.accountId);
    const row = await stored(id);
    expect(row).toEqual({
      doc: JSON.stringify(fields),
      version,
      createdAt: Date.parse(createdAt),
      updatedAt: Date.parse(updatedAt),
      writeId: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/),
    });
  }

  /** Another db instance (its own empty RowCache) on the same rows: how a row changes behind this one's back. */
  const elsewhere = () => {
    const env = dbInstance().spec.environment;
    const client = operatorClient(cloud, ['ots:GetRow', 'ots:PutRow', 'ots:UpdateRow', 'ots:DeleteRow']);
    return new ObjectStore(new OtsSession(client, Date.now() + 20_000), env.OBJECTS_TABLE, me.accountId, 'default', new RowCache());
  };

  describe('one round trip in the common case', () => {
    it('put of a new id: 1 (PutRow)', async () => {
      const { answer, ots, served } = await measured({ op: 'put', obj: { id: 'new', a: 1 } });
      expect({ ots, served }).toEqual({ ots: 1, served: { PutRow: 1 } });
      expect(answer.data).toMatchObject({ id: 'new', a: 1, version: 1 });
      expect(answer.data.createdAt).toBe(answer.data.updatedAt);
      await expectStored(answer.data);
    });

    it('update of a row this instance has read: 1 (UpdateRow); createdAt kept, version + 1', async () => {
      const created = (await op({ op: 'put', obj: { id: 'u', a: 1, b: 1 } })).data;
      await forgetAll();
      expect((await op({ op: 'get', id: 'u' })).data).toEqual(created);
      const { answer, ots, served } = await measured({ op: 'update', obj: { id: 'u', b: 2 } });
      expect({ ots, served }).toEqual({ ots: 1, served: { UpdateRow: 1 } });
      expect(answer.data).toMatchObject({ a: 1, b: 2, version: 2, createdAt: created.createdAt });
      await expectStored(answer.data);
      // And the row it wrote is remembered too.
      const again = await measured({ op: 'update', obj: { id: 'u', c: 3 } });
      expect({ ots: again.ots, served: again.served }).toEqual({ ots: 1, served: { UpdateRow: 1 } });
      expect(again.answer.data).toMatchObject({ a: 1, b: 2, c: 3, version: 3, createdAt: created.createdAt });
      await expectStored(again.answer.data);
    });

    it('a row listed is remembered as well', async () => {
      await op({ op: 'put', collection: 'listed', obj: { id: 'l', a: 1 } });
      await forgetAll();
      expect((await op({ op: 'list', collection: 'listed' })).data).toHaveLength(1);
      const { ots, served, answer } = await measured({ op: 'update', collection: 'listed', obj: { id: 'l', a: 2 } });
      expect({ ots, served }).toEqual({ ots: 1, served: { UpdateRow: 1 } });
      expect(answer.data).toMatchObject({ a: 2, version: 2 });
    });

    it('update with ifVersion: 1; a stale ifVersion is a Conflict after one read', async () => {
      const created = (await op({ op: 'put', obj: { id: 'iv', a: 1 } })).data;
      const { answer, ots, served } = await measured({ op: 'update', obj: { id: 'iv', a: 2 }, ifVersion: 1 });
      expect({ ots, served }).toEqual({ ots: 1, served: { UpdateRow: 1 } });
      expect(answer.data).toMatchObject({ a: 2, version: 2, createdAt: created.createdAt });
      await expectStored(answer.data);
      // Remembered at version 2, asked for 1: the row is read, not trusted either way.
      const stale = await measured({ op: 'update', obj: { id: 'iv', a: 3 }, ifVersion: 1 });
      expect(stale.answer.error.code).toBe('Conflict');
      expect({ ots: stale.ots, served: stale.served }).toEqual({ ots: 1, served: { GetRow: 1 } });
    });

    it('put over an existing id this instance knows: 1 (UpdateRow), version and createdAt from its counters', async () => {
      const created = (await op({ op: 'put', obj: { id: 'known', a: 1, gone: true } })).data;
      const { answer, ots, served } = await measured({ op: 'put', obj: { id: 'known', a: 2 } });
      expect({ ots, served }).toEqual({ ots: 1, served: { UpdateRow: 1 } });
      expect(answer.data).toEqual({ id: 'known', uid: me.accountId, a: 2, version: 2, createdAt: created.createdAt, updatedAt: expect.any(String) });
      await expectStored(answer.data);
    });

    it('put with ifVersion n: 1 (UpdateRow), even for a row this instance never saw', async () => {
      const created = (await op({ op: 'put', obj: { id: 'at', a: 1 } })).data;
      await forgetAll();
      const { answer, ots, served } = await measured({ op: 'put', obj: { id: 'at', a: 2 }, ifVersion: 1 });
      expect({ ots, served }).toEqual({ ots: 1, served: { UpdateRow: 1 } });
      expect(answer.data).toEqual({ id: 'at', uid: me.accountId, a: 2, version: 2, createdAt: created.createdAt, updatedAt: expect.any(String) });
      await expectStored(answer.data);
      // The wrong version: a Conflict at once, nothing read, nothing written.
      const wrong = await measured({ op: 'put', obj: { id: 'at', a: 3 }, ifVersion: 1 });
      expect(wrong.answer.error.code).toBe('Conflict');
      expect({ ots: wrong.ots, served: wrong.served }).toEqual({ ots: 1, served: { UpdateRow: 1 } });
      expect((await stored('at'))?.version).toBe(2);
    });

    it('put with ifVersion 0 of an existing id: a Conflict in 1 (PutRow)', async () => {
      await op({ op: 'put', obj: { id: 'zero', a: 1 } });
      const { answer, ots, served } = await measured({ op: 'put', obj: { id: 'zero', a: 2 }, ifVersion: 0 });
      expect(answer.error.code).toBe('Conflict');
      expect({ ots, served }).toEqual({ ots: 1, served: { PutRow: 1 } });
    });
  });

  describe('rows this instance does not know', () => {
    it('put over an existing id: 2 (a failed PutRow, then UpdateRow), down from 3', async () => {
      const created = (await op({ op: 'put', obj: { id: 'unknown', a: 1 } })).data;
      await forgetAll();
      const { answer, ots, served } = await measured({ op: 'put', obj: { id: 'unknown', b: 2 } });
      expect({ ots, served }).toEqual({ ots: 2, served: { PutRow: 1, UpdateRow: 1 } });
      expect(answer.data).toEqual({ id: 'unknown', uid: me.accountId, b: 2, version: 2, createdAt: created.createdAt, updatedAt: expect.any(String) });
      await expectStored(answer.data);
    });

    it('update: 2 (GetRow, UpdateRow), as before', async () => {
      await op({ op: 'put', obj: { id: 'cold', a: 1 } });
      await forgetAll();
      const { answer, ots, served } = await measured({ op: 'update', obj: { id: 'cold', b: 2 } });
      expect({ ots, served }).toEqual({ ots: 2, served: { GetRow: 1, UpdateRow: 1 } });
      expect(answer.data).toMatchObject({ a: 1, b: 2, version: 2 });
      await expectStored(answer.data);
    });

    it('a row written before writes carried a writeId is read before an update, then remembered with one', async () => {
      await plantRow(cloud, dbInstance().spec.environment.OBJECTS_TABLE, [{ uid: me.accountId }, { collection: 'default' }, { id: 'legacy' }], {
        doc: JSON.stringify({ a: 1 }),
        version: 3,
        createdAt: 1_600_000_000_000,
        updatedAt: 1_600_000_000_000,
      });
      expect((await op({ op: 'get', id: 'legacy' })).data).toMatchObject({ a: 1, version: 3 });
      // Its version alone can't tell it from a re-created row: read, then written conditioned on the state read.
      const first = await measured({ op: 'update', obj: { id: 'legacy', b: 2 } });
      expect({ ots: first.ots, served: first.served }).toEqual({ ots: 2, served: { GetRow: 1, UpdateRow: 1 } });
      expect(first.answer.data).toMatchObject({ a: 1, b: 2, version: 4, createdAt: new Date(1_600_000_000_000).toISOString() });
      await expectStored(first.answer.data);
      const second = await measured({ op: 'update', obj: { id: 'legacy', c: 3 } });
      expect({ ots: second.ots, served: second.served }).toEqual({ ots: 1, served: { UpdateRow: 1 } });
      await expectStored(second.answer.data);
    });
  });

  describe('a remembered row changed elsewhere costs one round trip more, never an update', () => {
    it('update merges against the row as it now is (one extra read), not the remembered one', async () => {
      await op({ op: 'put', obj: { id: 'stale', a: 1 } });
      await elsewhere().update('stale', { b: 2 });
      const { answer, ots, served } = await measured({ op: 'update', obj: { id: 'stale', c: 3 } });
      expect({ ots, served }).toEqual({ ots: 3, served: { UpdateRow: 2, GetRow: 1 } });
      expect(answer.data).toMatchObject({ a: 1, b: 2, c: 3, version: 3 });
      await expectStored(answer.data);
    });

    it('removed and re-created elsewhere (version 1 again): update merges against the new row, thanks to the writeId', async () => {
      const mine = (await op({ op: 'put', obj: { id: 'reborn', old: true } })).data;
      expect(mine.version).toBe(1);
      const other = elsewhere();
      await other.remove('reborn');
      const reborn = await other.put('reborn', { fresh: true });
      expect(reborn.version).toBe(1); // the state this instance remembers, but for the writeId
      const { answer, ots, served } = await measured({ op: 'update', obj: { id: 'reborn', c: 3 } });
      expect({ ots, served }).toEqual({ ots: 3, served: { UpdateRow: 2, GetRow: 1 } });
      expect(answer.data).toEqual({
        id: 'reborn',
        uid: me.accountId,
        fresh: true,
        c: 3,
        version: 2,
        createdAt: reborn.createdAt,
        updatedAt: expect.any(String),
      });
      await expectStored(answer.data);
    });

    it('update with ifVersion of a row changed elsewhere: Conflict after the read', async () => {
      await op({ op: 'put', obj: { id: 'stale-iv', a: 1 } });
      await elsewhere().update('stale-iv', { a: 2 });
      const { answer, ots, served } = await measured({ op: 'update', obj: { id: 'stale-iv', a: 3 }, ifVersion: 1 });
      expect(answer.error.code).toBe('Conflict');
      expect({ ots, served }).toEqual({ ots: 2, served: { UpdateRow: 1, GetRow: 1 } });
      expect((await stored('stale-iv'))?.doc).toBe(JSON.stringify({ a: 2 }));
    });

    it('an update the remembered row could not hold is judged against the row as it is', async () => {
      // Remembered with 60 KB: another 10 KB would not fit. Elsewhere the big field goes.
      await op({ op: 'put', obj: { id: 'shrunk', big: 'x'.repeat(60_000) } });
      await elsewhere().put('shrunk', { small: 1 });
      const { answer, ots, served } = await measured({ op: 'update', obj: { id: 'shrunk', more: 'y'.repeat(10_000) } });
      expect({ ots, served }).toEqual({ ots: 2, served: { GetRow: 1, UpdateRow: 1 } });
      expect(answer.data).toMatchObject({ small: 1, version: 3 });
      await expectStored(answer.data);
    });

    it('removed elsewhere: update is NotFound; put creates it anew (replace fails, then PutRow)', async () => {
      await op({ op: 'put', obj: { id: 'gone', a: 1 } });
      await elsewhere().remove('gone');
      const update = await measured({ op: 'update', obj: { id: 'gone', a: 2 } });
      expect(update.answer.error.code).toBe('NotFound');
      expect({ ots: update.ots, served: update.served }).toEqual({ ots: 2, served: { UpdateRow: 1, GetRow: 1 } });

      await op({ op: 'put', obj: { id: 'gone', a: 1 } });
      await elsewhere().remove('gone');
      const { answer, ots, served } = await measured({ op: 'put', obj: { id: 'gone', a: 3 } });
      expect({ ots, served }).toEqual({ ots: 2, served: { UpdateRow: 1, PutRow: 1 } });
      expect(answer.data).toMatchObject({ a: 3, version: 1 });
      await expectStored(answer.data);
    });
  });

  describe('concurrent puts without ifVersion', () => {
    const putAll = (id: string, n: number) => Promise.all(Array.from({ length: n }, (_, i) => op({ op: 'put', obj: { id, i } })));
    /** Every put acknowledged with a version of its own; the row holds the last one, at the highest. */
    async function expectDistinct(answers: any[], versions: number[], createdAt?: string): Promise<void> {
      expect(answers.every((a) => a.data)).toBe(true);
      expect(answers.map((a) => a.data.version).sort((x, y) => x - y)).toEqual(versions);
      const row = await stored(answers[0].data.id);
      const last = answers.find((a) => a.data.version === row?.version).data;
      await expectStored(last);
      if (createdAt) expect(answers.every((a) => a.data.createdAt === createdAt)).toBe(true);
    }

    it('on an id this instance knows: 20 distinct versions, the final one 21', async () => {
      const created = (await op({ op: 'put', obj: { id: 'race-known' } })).data;
      await expectDistinct(
        await putAll('race-known', 20),
        Array.from({ length: 20 }, (_, i) => i + 2),
        created.createdAt,
      );
    });

    it('on an id this instance does not know: the same', async () => {
      const created = (await op({ op: 'put', obj: { id: 'race-unknown' } })).data;
      await forgetAll();
      await expectDistinct(
        await putAll('race-unknown', 20),
        Array.from({ length: 20 }, (_, i) => i + 2),
        created.createdAt,
      );
    });

    it('on a new id: one creates it, the others replace it, versions 1 to 20', async () => {
      const answers = await putAll('race-new', 20);
      const createdAt = answers.find((a) => a.data.version === 1).data.createdAt;
      await expectDistinct(
        answers,
        Array.from({ length: 20 }, (_, i) => i + 1),
        createdAt,
      );
    });
  });

  describe('lost answers: the write landed, the retry finds our writeId', () => {
    /** Loses the answer of the next request of `op` (once), after Tablestore applied it. */
    const loseNext = (name: string) => {
      let armed = true;
      otsFault = (o) => {
        if (o !== name || !armed) return undefined;
        armed = false;
        return { lostAnswer: true };
      };
    };

    it('put over a remembered row: the version bumped once', async () => {
      const created = (await op({ op: 'put', obj: { id: 'lost', a: 1 } })).data;
      loseNext('UpdateRow');
      const { answer, ots, served } = await measured({ op: 'put', obj: { id: 'lost', a: 2 } });
      // The retry's condition (not our own writeId) fails; the row read is ours.
      expect({ ots, served }).toEqual({ ots: 3, served: { UpdateRow: 2, GetRow: 1 } });
      expect(answer.data).toMatchObject({ a: 2, version: 2, createdAt: created.createdAt });
      await expectStored(answer.data);
    });

    it('put over a row this instance does not know: the version bumped once', async () => {
      const created = (await op({ op: 'put', obj: { id: 'lost-cold', a: 1 } })).data;
      await forgetAll();
      await op({ op: 'get', id: '~session-warm-up' });
      loseNext('UpdateRow');
      const { answer, served } = await measured({ op: 'put', obj: { id: 'lost-cold', a: 2 } });
      expect(served).toEqual({ PutRow: 1, UpdateRow: 2, GetRow: 1 });
      expect(answer.data).toMatchObject({ a: 2, version: 2, createdAt: created.createdAt });
      await expectStored(answer.data);
    });

    it('put with ifVersion: not a Conflict with itself, createdAt from the row read', async () => {
      const created = (await op({ op: 'put', obj: { id: 'lost-at', a: 1 } })).data;
      loseNext('UpdateRow');
      const { answer } = await measured({ op: 'put', obj: { id: 'lost-at', a: 2 }, ifVersion: 1 });
      expect(answer.data).toMatchObject({ a: 2, version: 2, createdAt: created.createdAt });
      await expectStored(answer.data);
    });

    it('update of a remembered row: one version more', async () => {
      await op({ op: 'put', obj: { id: 'lost-update', a: 1 } });
      loseNext('UpdateRow');
      const { answer } = await measured({ op: 'update', obj: { id: 'lost-update', b: 2 } });
      expect(answer.data).toMatchObject({ a: 1, b: 2, version: 2 });
      await expectStored(answer.data);
    });
  });
});

describe('db on a Tablestore that refused an increment by 0', () => {
  let cloud: LocalCloud;
  let me: LoginAnswer;
  let refuseUpdates = 0;

  beforeAll(async () => {
    // The fault hook sees only the operation: the next UpdateRow(s) are refused the way the
    // service refuses a parameter, which is what the put paths that increment by 0 send first.
    cloud = await startCloud({
      tablestore: {
        fault: (o) => (o === 'UpdateRow' && refuseUpdates-- > 0 ? { status: 400, code: 'OTSParameterInvalid', message: 'Invalid increment.' } : undefined),
      },
    });
    me = await login(cloud);
  });
  afterAll(() => cloud.stop());

  const op = async (event: Record<string, unknown>) => {
    const res: RawInvoke = await fcClient(cloud, me.sts).invokeFunction(
      cloud.config.ServiceName,
      cloud.config.DBFunctionName,
      JSON.stringify({ sid: me.sessionId, ...event }),
    );
    expect(res.headers['x-fc-error-type']).toBeUndefined();
    return res.data;
  };

  it('falls back to replacing the row as read, and keeps doing so: versions and createdAt stay exact', async () => {
    const created = (await op({ op: 'put', obj: { id: 'z', a: 1 } })).data;
    refuseUpdates = 1;
    const before = cloud.tablestore.counters;
    const replaced = (await op({ op: 'put', obj: { id: 'z', a: 2 } })).data;
    const after = cloud.tablestore.counters;
    // The refused UpdateRow, the read, the replace on exactly that state.
    expect([after.UpdateRow - before.UpdateRow, after.GetRow - before.GetRow]).toEqual([2, 1]);
    expect(replaced).toMatchObject({ a: 2, version: 2, createdAt: created.createdAt });
    // From then on the instance does not ask again: read and replace, nothing refused.
    refuseUpdates = 0;
    expect((await op({ op: 'put', obj: { id: 'z', a: 3 } })).data).toMatchObject({ a: 3, version: 3, createdAt: created.createdAt });
    expect((await op({ op: 'put', obj: { id: 'z', a: 4 }, ifVersion: 3 })).data).toMatchObject({ a: 4, version: 4, createdAt: created.createdAt });
    expect((await op({ op: 'put', obj: { id: 'z', a: 5 }, ifVersion: 3 })).error.code).toBe('Conflict');
    expect((await op({ op: 'update', obj: { id: 'z', b: 1 } })).data).toMatchObject({ a: 4, b: 1, version: 5 });
    expect((await op({ op: 'get', id: 'z' })).data).toMatchObject({ a: 4, b: 1, version: 5, createdAt: created.createdAt });
  });
});

describe('RowCache', () => {
  const row = (doc: string, version = 1) => ({ doc, version, createdAt: 1, updatedAt: 1, writeId: 'w' });

  it('keeps at most its entries, the least recently used out first', () => {
    const cache = new RowCache(3, 1_000_000);
    for (const id of ['a', 'b', 'c']) cache.set('u', 'c', id, row('{}'));
    expect(cache.get('u', 'c', 'a')).toBeDefined(); // now the most recent
    cache.set('u', 'c', 'd', row('{}'));
    expect(['a', 'b', 'c', 'd'].map((id) => cache.get('u', 'c', id) !== undefined)).toEqual([true, false, true, true]);
    expect(cache.size.entries).toBe(3);
  });

  it('keeps at most its bytes (2 per UTF-16 unit of key and doc); a row larger than all of them is not kept', () => {
    const key = JSON.stringify(['u', 'c', 'a']).length;
    const doc = 'x'.repeat(100);
    const cache = new RowCache(1000, 2 * (key + 100) * 2);
    cache.set('u', 'c', 'a', row(doc));
    cache.set('u', 'c', 'b', row(doc));
    expect(cache.size).toEqual({ entries: 2, bytes: 4 * (key + 100) });
    cache.set('u', 'c', 'c', row(doc));
    expect(cache.get('u', 'c', 'a')).toBeUndefined();
    expect(cache.size).toEqual({ entries: 2, bytes: 4 * (key + 100) });
    // Replacing an entry counts its new size, not both.
    cache.set('u', 'c', 'c', row('{}', 2));
    expect(cache.size).toEqual({ entries: 2, bytes: 2 * (key + 100) + 2 * (key + 2) });
    cache.set('u', 'c', 'huge', row('x'.repeat(1000)));
    expect(cache.get('u', 'c', 'huge')).toBeUndefined();
    expect(cache.get('u', 'c', 'c')?.version).toBe(2);
    cache.delete('u', 'c', 'c');
    expect(cache.size).toEqual({ entries: 1, bytes: 2 * (key + 100) });
  });

  it('rows of different accounts, collections and ids never share an entry, whatever the ids hold', () => {
    const cache = new RowCache();
    cache.set('u1', 'c', 'x', row('{"who":1}'));
    cache.set('u2', 'c', 'x', row('{"who":2}'));
    cache.set('u1', 'c","x', '', row('{"who":3}'));
    expect(cache.get('u1', 'c', 'x')?.doc).toBe('{"who":1}');
    expect(cache.get('u2', 'c', 'x')?.doc).toBe('{"who":2}');
    expect(cache.get('u1', 'c","x', '')?.doc).toBe('{"who":3}');
    expect(cache.get('u3', 'c', 'x')).toBeUndefined();
  });
});
