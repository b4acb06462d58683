import { createClient, fetchTransport, type Transport } from '../../client';
import type { LocalCloud } from '../../local/cloud';
import { authCode, startCloud } from '../support/local';
import { loggedIn, memoryStorage, rejection } from './support';

interface Todo {
  text: string;
  done: boolean;
}

describe('client against local mode', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startCloud();
  });
  afterAll(() => cloud.stop());

  it('logs in, then puts, gets, updates with ifVersion, and removes', async () => {
    const client = await loggedIn(cloud);
    expect(client.session?.sessionId).toMatch(/^acc_[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);

    const put = await client.put<Todo>({ id: 'milk', text: 'buy milk', done: false });
    expect(put).toMatchObject({ id: 'milk', text: 'buy milk', done: false, version: 1 });
    // The owner is the account, not an Alipay id: the same one the login answered.
    expect(put.uid).toMatch(/^acc_/);
    expect(put.uid).toBe(client.session?.accountId);
    expect(await client.get<Todo>('milk')).toEqual(put);
    expect(await client.get('nothing')).toBeNull();

    const done = await client.update<Todo>({ id: 'milk', done: true }, { ifVersion: 1 });
    expect(done).toMatchObject({ text: 'buy milk', done: true, version: 2 });
    const stale = await rejection(client.update<Todo>({ id: 'milk', done: false }, { ifVersion: 1 }));
    expect(stale).toMatchObject({ code: 'Conflict' });
    expect((await client.get<Todo>('milk'))?.done).toBe(true);

    expect((await rejection(client.put<Todo>({ id: 'milk', text: 'again', done: false }, { ifVersion: 0 }))).code).toBe('Conflict');
    expect((await rejection(client.update({ id: 'ghost', done: true }))).code).toBe('NotFound');
    expect((await rejection(client.remove('milk', { ifVersion: 1 }))).code).toBe('Conflict');
    await client.remove('milk', { ifVersion: 2 });
    expect(await client.get('milk')).toBeNull();
  });

  it('pages through a list by cursor, and iterates every page', async () => {
    const client = await loggedIn(cloud);
    const ids = Array.from({ length: 12 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    for (const id of ids) await client.put<Todo>({ id, text: id, done: false });

    const first = await client.list<Todo>({ limit: 5 });
    expect(first.data.map((t) => t.id)).toEqual(ids.slice(0, 5));
    expect(first.cursor).toEqual(expect.any(String));
    const second = await client.list<Todo>({ limit: 5, cursor: first.cursor! });
    expect(second.data.map((t) => t.id)).toEqual(ids.slice(5, 10));

    const pages: string[][] = [];
    for await (const page of client.pages<Todo>({ limit: 5 })) pages.push(page.data.map((t) => t.id));
    expect(pages).toEqual([ids.slice(0, 5), ids.slice(5, 10), ids.slice(10)]);

    const all: string[] = [];
    for await (const todo of client.all<Todo>({ limit: 4 })) all.push(todo.id);
    expect(all).toEqual(ids);
  });

  it('keeps collections apart', async () => {
    const client = await loggedIn(cloud);
    await client.put({ id: 'a', text: 'todo' });
    await client.put({ id: 'a', text: 'note' }, { collection: 'notes' });
    expect(await client.get('a')).toMatchObject({ text: 'todo' });
    expect(await client.get('a', { collection: 'notes' })).toMatchObject({ text: 'note' });
    expect((await client.list({ collection: 'notes' })).data.map((o) => o.text)).toEqual(['note']);
    expect((await rejection(client.list({ collection: 'bad name!' }))).code).toBe('BadRequest');
  });

  it('keeps two users apart', async () => {
    const alice = await loggedIn(cloud);
    const bob = await loggedIn(cloud);
    await alice.put({ id: 'secret', text: "alice's" });
    expect(await bob.get('secret')).toBeNull();
    expect((await bob.list()).data).toEqual([]);
  });

  it('logout ends the session; a db call then needs a new login', async () => {
    const client = await loggedIn(cloud);
    const { sessionId, sts } = client.session!;
    await client.logout();
    expect(client.session).toBeNull();
    expect((await rejection(client.list())).code).toBe('NotLoggedIn');

    // Another copy of the app still holding the logged-out session: db refuses it, the client forgets it.
    const stale = createClient(cloud.config, fetchTransport(fetch), {
      storage: memoryStorage({ 'miniapp.session': JSON.stringify({ sessionId, expiresAt: '', sts }) }),
    });
    expect(stale.session?.sessionId).toBe(sessionId);
    const err = await rejection(stale.list());
    expect(err).toMatchObject({ code: 'SessionInvalid' });
    expect(stale.session).toBeNull();
    await stale.login(await authCode(cloud, '2088000000000042'));
    expect((await stale.list()).data).toEqual([]);
  });

  it('keeps the session in the given storage, so a restarted app stays logged in', async () => {
    const storage = memoryStorage();
    const changes: (string | null)[] = [];
    const first = await loggedIn(cloud, undefined, { storage, onChange: (s) => changes.push(s?.sessionId ?? null) });
    await first.put({ id: 'kept' });
    const second = createClient(cloud.config, fetchTransport(fetch), { storage });
    expect(await second.get('kept')).toMatchObject({ id: 'kept' });
    await second.logout();
    expect(storage.getItem('miniapp.session')).toBeNull();
    expect(changes).toEqual([first.session!.sessionId]);
  });

  it('maps session-function and FC refusals to typed errors', async () => {
    const client = createClient(cloud.config, fetchTransport(fetch));
    expect(await rejection(client.login('not-a-code'))).toMatchObject({ code: 'AuthCodeInvalid', status: 401 });

    // Credentials that may invoke db only, pointed at the session function: FC refuses them.
    const session = (await loggedIn(cloud)).session!;
    const wrongFunction = createClient({ ...cloud.config, DBFunctionName: cloud.config.SessionFunctionName }, fetchTransport(fetch), {
      storage: memoryStorage({ 'miniapp.session': JSON.stringify(session) }),
    });
    expect(await rejection(wrongFunction.list())).toMatchObject({ code: 'AccessDenied', status: 403 });
    const missing = createClient({ ...cloud.config, DBFunctionName: 'nope' }, fetchTransport(fetch), {
      storage: memoryStorage({ 'miniapp.session': JSON.stringify(session) }),
    });
    expect(await rejection(missing.list())).toMatchObject({ code: 'FunctionNotFound', status: 404 });
    const forged = createClient(cloud.config, fetchTransport(fetch), {
      storage: memoryStorage({ 'miniapp.session': JSON.stringify({ ...session, sts: { ...session.sts, AccessKeySecret: 'x'.repeat(32) } }) }),
    });
    expect(await rejection(forged.list())).toMatchObject({ code: 'SignatureNotMatch', status: 403 });
    expect(() => createClient({ ...cloud.config, SessionUrl: '' }, fetchTransport(fetch))).toThrow(/SessionUrl/);
  });

  it('works when the transport cannot send Date (a browser): x-fc-date stands in', async () => {
    const noDate: Transport = (req) => {
      const { date: _browserDrops, ...headers } = req.headers;
      return fetchTransport(fetch)({ ...req, headers });
    };
    const client = await loggedIn(cloud, noDate);
    expect(await client.put({ id: 'from-browser' })).toMatchObject({ id: 'from-browser', version: 1 });

    // Neither header: FC has no request time and refuses, as it does for a missing Date.
    const neither: Transport = (req) => {
      const { date: _d, 'x-fc-date': _x, ...headers } = req.headers;
      return fetchTransport(fetch)({ ...req, headers });
    };
    const blind = createClient(cloud.config, neither, { storage: memoryStorage({ 'miniapp.session': JSON.stringify(client.session) }) });
    expect(await rejection(blind.list())).toMatchObject({ code: 'RequestTimeTooSkewed', status: 403 });
  });
});
