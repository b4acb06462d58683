import type { LocalCloud } from '../../local/cloud';
import { type LoginAnswer, login, startCloud } from '../support/local';
import { allIds, dbOp, errorCode, sleep, storedObject } from './helpers';

type Session = LoginAnswer & { userId: string };
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** The db function's operations, invoked with @alicloud/fc2 and the login's STS credentials. */
describe('db operations', () => {
  let cloud: LocalCloud;
  let me: Session;
  beforeAll(async () => {
    cloud = await startCloud();
  });
  afterAll(() => cloud.stop());
  // Each test its own user, so tests don't see each other's objects.
  beforeEach(async () => {
    me = await login(cloud);
  });
  const op = (event: Record<string, unknown>, session: Session = me) => dbOp(cloud, session, event);

  it('put creates an object with the server-kept fields', async () => {
    const before = Date.now();
    const { data } = await op({ op: 'put', obj: { id: 'a', text: 'hello', n: 1.5, tags: ['x'], nested: { deep: [1, { k: null }] }, done: false } });
    expect(data).toEqual({
      id: 'a',
      text: 'hello',
      n: 1.5,
      tags: ['x'],
      nested: { deep: [1, { k: null }] },
      done: false,
      uid: me.accountId,
      version: 1,
      createdAt: expect.stringMatching(ISO),
      updatedAt: expect.stringMatching(ISO),
    });
    expect(data.createdAt).toBe(data.updatedAt);
    expect(Date.parse(data.createdAt)).toBeGreaterThanOrEqual(before - 5);
    expect(Date.parse(data.createdAt)).toBeLessThanOrEqual(Date.now() + 5);
    // get answers exactly what put did.
    expect(await op({ op: 'get', id: 'a' })).toEqual({ data });
  });

  it('get of a missing id answers {data: null}', async () => {
    expect(await op({ op: 'get', id: 'never-written' })).toEqual({ data: null });
  });

  it('put over an existing object replaces its fields, bumps version and keeps createdAt', async () => {
    const first = (await op({ op: 'put', obj: { id: 'p', a: 1, b: 2 } })).data;
    await sleep(5);
    const second = (await op({ op: 'put', obj: { id: 'p', c: 3 } })).data;
    expect(second).toEqual({ id: 'p', c: 3, uid: me.accountId, version: 2, createdAt: first.createdAt, updatedAt: expect.stringMatching(ISO) });
    expect(Date.parse(second.updatedAt)).toBeGreaterThan(Date.parse(first.updatedAt));
    expect((await op({ op: 'get', id: 'p' })).data).toEqual(second);
  });

  it('update changes only the given fields, keeps the others and createdAt, bumps version', async () => {
    const created = (await op({ op: 'put', obj: { id: 'u', title: 'old', keep: 'me', count: 1, meta: { a: 1, b: 2 } } })).data;
    await sleep(5);
    const updated = (await op({ op: 'update', obj: { id: 'u', title: 'new', added: true, meta: { a: 9 } } })).data;
    expect(updated).toEqual({
      id: 'u',
      title: 'new',
      keep: 'me',
      count: 1,
      added: true,
      // Fields are replaced whole: a nested object is not merged.
      meta: { a: 9 },
      uid: me.accountId,
      version: 2,
      createdAt: created.createdAt,
      updatedAt: expect.stringMatching(ISO),
    });
    expect(Date.parse(updated.updatedAt)).toBeGreaterThan(Date.parse(created.updatedAt));
    expect((await op({ op: 'get', id: 'u' })).data).toEqual(updated);
    const third = (await op({ op: 'update', obj: { id: 'u', count: 2 } })).data;
    expect(third).toMatchObject({ title: 'new', keep: 'me', count: 2, version: 3, createdAt: created.createdAt });
  });

  it('update of a missing id is NotFound and creates nothing', async () => {
    expect(errorCode(await op({ op: 'update', obj: { id: 'ghost', x: 1 } }))).toBe('NotFound');
    expect(await op({ op: 'get', id: 'ghost' })).toEqual({ data: null });
    expect(await allIds(cloud, me)).toEqual([]);
  });

  it('remove deletes the object; removing a missing id answers {data: null} too', async () => {
    await op({ op: 'put', obj: { id: 'r1' } });
    await op({ op: 'put', obj: { id: 'r2' } });
    expect(await op({ op: 'remove', id: 'r1' })).toEqual({ data: null });
    expect(await op({ op: 'get', id: 'r1' })).toEqual({ data: null });
    expect(await allIds(cloud, me)).toEqual(['r2']);
    expect(await op({ op: 'remove', id: 'r1' })).toEqual({ data: null });
    expect(await allIds(cloud, me)).toEqual(['r2']);
    // A put after remove starts again at version 1.
    expect((await op({ op: 'put', obj: { id: 'r1' } })).data.version).toBe(1);
  });

  it('list answers {data, cursor: null} ascending by id', async () => {
    for (const id of ['b', 'a', 'c']) await op({ op: 'put', obj: { id, v: id } });
    const res = await op({ op: 'list' });
    expect(Object.keys(res).sort()).toEqual(['cursor', 'data']);
    expect(res.cursor).toBeNull();
    expect(res.data.map((o: { id: string; v: string }) => [o.id, o.v])).toEqual([
      ['a', 'a'],
      ['b', 'b'],
      ['c', 'c'],
    ]);
    expect(res.data[0]).toMatchObject({ uid: me.accountId, version: 1, createdAt: expect.stringMatching(ISO) });
  });

  it('list pages through 25 objects with limit and cursors: every id exactly once, in order, last cursor null', async () => {
    const ids = Array.from({ length: 25 }, (_, i) => `item-${String(i).padStart(2, '0')}`);
    const shuffled = [...ids].sort(() => Math.random() - 0.5);
    for (const id of shuffled) await op({ op: 'put', obj: { id } });
    // Also an object in another collection, which must not show up.
    await op({ op: 'put', collection: 'other', obj: { id: 'item-00x' } });

    for (const limit of [7, 5, 1]) {
      const seen: string[] = [];
      const pages: number[] = [];
      let cursor: string | null | undefined;
      for (let guard = 0; guard < 30; guard++) {
        const page = await op({ op: 'list', limit, ...(cursor ? { cursor } : {}) });
        expect(page.data.length).toBeLessThanOrEqual(limit);
        pages.push(page.data.length);
        seen.push(...page.data.map((o: { id: string }) => o.id));
        cursor = page.cursor;
        if (cursor === null) break;
        expect(cursor).toEqual(expect.any(String));
      }
      expect(cursor).toBeNull();
      expect(seen).toEqual(ids);
      // Full pages until the end (an empty last page is allowed when the count divides evenly).
      expect(pages.slice(0, Math.floor(25 / limit))).toEqual(Array(Math.floor(25 / limit)).fill(limit));
    }
  });

  it('a cursor is only good for its own collection', async () => {
    for (const id of ['a', 'b', 'c']) await op({ op: 'put', collection: 'one', obj: { id } });
    for (const id of ['a', 'b', 'c']) await op({ op: 'put', collection: 'two', obj: { id } });
    const page = await op({ op: 'list', collection: 'one', limit: 1 });
    expect(page.cursor).toEqual(expect.any(String));
    expect(errorCode(await op({ op: 'list', collection: 'two', limit: 1, cursor: page.cursor }))).toBe('BadRequest');
    expect(errorCode(await op({ op: 'list', limit: 1, cursor: page.cursor }))).toBe('BadRequest');
    expect(errorCode(await op({ op: 'list', collection: 'one', cursor: 'not-a-cursor' }))).toBe('BadRequest');
    expect(errorCode(await op({ op: 'list', collection: 'one', cursor: 42 }))).toBe('BadRequest');
    // The right collection continues.
    expect((await op({ op: 'list', collection: 'one', cursor: page.cursor })).data.map((o: { id: string }) => o.id)).toEqual(['b', 'c']);
  });

  it('a cursor of another user reads only my own objects', async () => {
    const other = await login(cloud);
    for (const id of ['a', 'b', 'c']) await op({ op: 'put', obj: { id } }, other);
    await op({ op: 'put', obj: { id: 'z-mine' } });
    const page = await op({ op: 'list', limit: 1 }, other);
    const mine = await op({ op: 'list', cursor: page.cursor });
    expect(mine.data.map((o: { id: string; uid: string }) => [o.id, o.uid])).toEqual([['z-mine', me.accountId]]);
  });

  it('collections keep the same id apart', async () => {
    await op({ op: 'put', obj: { id: 'same', where: 'default' } });
    await op({ op: 'put', collection: 'notes', obj: { id: 'same', where: 'notes' } });
    expect((await op({ op: 'get', id: 'same' })).data.where).toBe('default');
    expect((await op({ op: 'get', id: 'same', collection: 'default' })).data.where).toBe('default');
    expect((await op({ op: 'get', id: 'same', collection: 'notes' })).data.where).toBe('notes');
    expect((await op({ op: 'get', id: 'same', collection: 'todo' })).data).toBeNull();

    const updated = await op({ op: 'update', collection: 'notes', obj: { id: 'same', extra: 1 } });
    expect(updated.data).toMatchObject({ where: 'notes', extra: 1, version: 2 });
    expect((await op({ op: 'get', id: 'same' })).data).toMatchObject({ where: 'default', version: 1 });
    expect((await op({ op: 'get', id: 'same' })).data.extra).toBeUndefined();

    await op({ op: 'remove', collection: 'notes', id: 'same' });
    expect((await op({ op: 'get', id: 'same', collection: 'notes' })).data).toBeNull();
    expect((await op({ op: 'get', id: 'same' })).data).toMatchObject({ where: 'default' });
    expect(await allIds(cloud, me)).toEqual(['same']);
    expect(await allIds(cloud, me, 'notes')).toEqual([]);
  });

  describe('ifVersion', () => {
    it('put with the current version writes; with a stale one is Conflict and changes nothing', async () => {
      const v1 = (await op({ op: 'put', obj: { id: 'k', n: 1 } })).data;
      const v2 = (await op({ op: 'put', obj: { id: 'k', n: 2 }, ifVersion: 1 })).data;
      expect(v2).toMatchObject({ n: 2, version: 2, createdAt: v1.createdAt });
      expect(errorCode(await op({ op: 'put', obj: { id: 'k', n: 3 }, ifVersion: 1 }))).toBe('Conflict');
      expect(errorCode(await op({ op: 'put', obj: { id: 'k', n: 3 }, ifVersion: 5 }))).toBe('Conflict');
      expect((await op({ op: 'get', id: 'k' })).data).toEqual(v2);
    });

    it('update with a stale version is Conflict and changes nothing', async () => {
      await op({ op: 'put', obj: { id: 'k', n: 1, keep: true } });
      const v2 = (await op({ op: 'update', obj: { id: 'k', n: 2 }, ifVersion: 1 })).data;
      expect(v2).toMatchObject({ n: 2, keep: true, version: 2 });
      expect(errorCode(await op({ op: 'update', obj: { id: 'k', n: 3, keep: false }, ifVersion: 1 }))).toBe('Conflict');
      expect((await op({ op: 'get', id: 'k' })).data).toEqual(v2);
      expect(errorCode(await op({ op: 'update', obj: { id: 'missing', n: 3 }, ifVersion: 1 }))).toBe('NotFound');
    });

    it('ifVersion 0 creates only what does not exist yet', async () => {
      const created = (await op({ op: 'put', obj: { id: 'new', n: 1 }, ifVersion: 0 })).data;
      expect(created).toMatchObject({ n: 1, version: 1 });
      expect(errorCode(await op({ op: 'put', obj: { id: 'new', n: 2 }, ifVersion: 0 }))).toBe('Conflict');
      expect((await op({ op: 'get', id: 'new' })).data).toEqual(created);
    });

    it('put with a version on a missing object is Conflict and creates nothing', async () => {
      expect(errorCode(await op({ op: 'put', obj: { id: 'absent', n: 1 }, ifVersion: 1 }))).toBe('Conflict');
      expect(await op({ op: 'get', id: 'absent' })).toEqual({ data: null });
    });

    it('remove with a stale version is Conflict and keeps the object; with the current one removes it', async () => {
      await op({ op: 'put', obj: { id: 'r', n: 1 } });
      const v2 = (await op({ op: 'update', obj: { id: 'r', n: 2 } })).data;
      expect(errorCode(await op({ op: 'remove', id: 'r', ifVersion: 1 }))).toBe('Conflict');
      expect((await op({ op: 'get', id: 'r' })).data).toEqual(v2);
      expect(await op({ op: 'remove', id: 'r', ifVersion: 2 })).toEqual({ data: null });
      expect((await op({ op: 'get', id: 'r' })).data).toBeNull();
    });

    it('concurrent updates at the same version: exactly one wins, the others are Conflict', async () => {
      await op({ op: 'put', obj: { id: 'race', n: 0 } });
      const answers = await Promise.all([1, 2, 3, 4].map((n) => op({ op: 'update', obj: { id: 'race', n }, ifVersion: 1 })));
      const winners = answers.filter((a) => a.data);
      expect(winners).toHaveLength(1);
      expect(answers.filter((a) => a.error).map((a) => a.error.code)).toEqual(['Conflict', 'Conflict', 'Conflict']);
      expect((await op({ op: 'get', id: 'race' })).data).toMatchObject({ n: winners[0].data.n, version: 2 });
    });

    it('concurrent updates without a version all land, one version each', async () => {
      await op({ op: 'put', obj: { id: 'count' } });
      const answers = await Promise.all(['a', 'b', 'c'].map((f) => op({ op: 'update', obj: { id: 'count', [f]: true } })));
      expect(answers.map((a) => a.data?.version).sort()).toEqual([2, 3, 4]);
      expect((await op({ op: 'get', id: 'count' })).data).toMatchObject({ a: true, b: true, c: true, version: 4 });
    });
  });

  it('server-kept fields a client sends back are ignored, not stored as its own', async () => {
    const other = await login(cloud);
    const sent = {
      id: 's',
      text: 't',
      uid: other.accountId,
      createdAt: '1999-01-01T00:00:00.000Z',
      updatedAt: '1999-01-01T00:00:00.000Z',
      version: 99,
      collection: 'elsewhere',
    };
    const put = (await op({ op: 'put', obj: sent })).data;
    expect(put).toMatchObject({ id: 's', text: 't', uid: me.accountId, version: 1 });
    expect(put.createdAt).not.toBe(sent.createdAt);
    expect(put.updatedAt).not.toBe(sent.updatedAt);
    // What is stored: only the client's own fields.
    expect(await storedObject(cloud, me.accountId, 's')).toEqual({ doc: { text: 't' }, version: 1 });
    // The other user's raw Alipay id is no better than its account id.
    expect((await op({ op: 'put', obj: { ...sent, id: 's-raw', uid: other.userId } })).data).toMatchObject({ id: 's-raw', uid: me.accountId, version: 1 });
    expect(await storedObject(cloud, other.accountId, 's-raw')).toBeUndefined();
    expect(await storedObject(cloud, other.userId, 's-raw')).toBeUndefined();
    // Nothing landed under the other user or the named collection.
    expect(await storedObject(cloud, other.accountId, 's')).toBeUndefined();
    expect((await op({ op: 'get', id: 's' }, other)).data).toBeNull();
    expect((await op({ op: 'get', id: 's', collection: 'elsewhere' })).data).toBeNull();

    // Sending back what get answered (the usual read-modify-write) changes only what changed.
    const read = (await op({ op: 'get', id: 's' })).data;
    const updated = (await op({ op: 'update', obj: { ...read, text: 'u' } })).data;
    expect(updated).toMatchObject({ text: 'u', version: 2, createdAt: put.createdAt, uid: me.accountId });
    expect(await storedObject(cloud, me.accountId, 's')).toEqual({ doc: { text: 'u' }, version: 2 });
    const replaced = (await op({ op: 'put', obj: { ...updated, text: 'v' } })).data;
    expect(replaced).toMatchObject({ text: 'v', version: 3, createdAt: put.createdAt });
    expect(await storedObject(cloud, me.accountId, 's')).toEqual({ doc: { text: 'v' }, version: 3 });
  });

  it('ids are free text: unicode, spaces, slashes and 256 characters round-trip', async () => {
    const ids = ['buy milk', 'a/b\\c', '日本語 ✓', '🙂', 'x'.repeat(256), '"quoted"', 'Z', 'a'];
    for (const id of ids) expect((await op({ op: 'put', obj: { id, v: id } })).data).toMatchObject({ id, v: id });
    for (const id of ids) expect((await op({ op: 'get', id })).data).toMatchObject({ id, v: id });
    // Listed in Tablestore's order for string keys: by UTF-8 bytes.
    expect(await allIds(cloud, me)).toEqual([...ids].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
  });
});
