import type { LocalCloud } from '../../local/cloud';
import { type LoginAnswer, login, startCloud } from '../support/local';
import { rawInvoke } from '../reliability/support';
import { allIds, dbOp, errorCode, invokeDb, tableRows } from './helpers';

type Session = LoginAnswer & { userId: string };

/** The limits of request.ts, restated: a test that imported them would follow a wrong change. */
const MAX_OBJECT_BYTES = 64 * 1024;
const MAX_FIELDS = 128;
/** Tablestore's limit on a primary-key column value: 1 KB of UTF-8. */
const MAX_KEY_BYTES = 1024;

/**
 * What the db function stores is what the client wrote, and stays within the object limits after
 * every write: update is checked on the object it will store (the old fields merged with the new),
 * ids that UTF-8 would merge into one row are refused, and numbers JSON can't carry back are refused.
 */
describe('db: what is stored is what was written, within the limits', () => {
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
  const op = (event: Record<string, unknown>) => dbOp(cloud, me, event);
  /** An event written by hand, for what JSON.stringify can't express (1e999). */
  const sendText = (rest: string) => invokeDb(cloud, me.sts, `{"sid":${JSON.stringify(me.sessionId)},${rest}}`);
  /** The raw row of one of my objects: the stored doc text and version. */
  const row = async (id: string, collection = 'default') => {
    const r = (await tableRows(cloud, 'objects')).find((x) => x.key.uid === me.accountId && x.key.collection === collection && x.key.id === id);
    return r && { doc: String(r.columns.doc), version: Number(r.columns.version) };
  };
  const bytes = (fields: object) => Buffer.byteLength(JSON.stringify(fields));
  /** 'ok' for a success, else the error code (checking the error shape): short failure output for 64 KB answers. */
  const codeOf = (answer: any): string => (answer && typeof answer === 'object' && 'data' in answer ? 'ok' : errorCode(answer));

  describe('update keeps the stored object within the limits', () => {
    it('a merged object of exactly 64 KB is stored; one byte more is PayloadTooLarge and changes nothing', async () => {
      // {"a":"<a>","b":"<b>"} is a + b + 15 bytes.
      const a = 'x'.repeat(40_000);
      const b = 'y'.repeat(MAX_OBJECT_BYTES - 15 - a.length);
      expect(bytes({ a, b })).toBe(MAX_OBJECT_BYTES);
      await op({ op: 'put', obj: { id: 'm', a } });
      // Each update alone is well under the limit: only the merged object is over.
      expect(codeOf(await op({ op: 'update', obj: { id: 'm', b: `${b}y` } }))).toBe('PayloadTooLarge');
      expect(await row('m')).toEqual({ doc: JSON.stringify({ a }), version: 1 });

      const at = await op({ op: 'update', obj: { id: 'm', b } });
      expect(at.data).toMatchObject({ a, b, version: 2 });
      expect(Buffer.byteLength((await row('m'))!.doc)).toBe(MAX_OBJECT_BYTES);
      // Replacing a field with a longer one is measured the same way; a shorter one is fine.
      expect(codeOf(await op({ op: 'update', obj: { id: 'm', a: `${a}x` } }))).toBe('PayloadTooLarge');
      expect((await op({ op: 'update', obj: { id: 'm', a: 'short' } })).data).toMatchObject({ a: 'short', b, version: 3 });
      expect(await row('m')).toEqual({ doc: JSON.stringify({ a: 'short', b }), version: 3 });
    });

    it('repeated small updates cannot grow an object past 64 KB (the audit grew one to 2.4 MB)', async () => {
      await op({ op: 'put', obj: { id: 'grow' } });
      let doc: Record<string, string> = {};
      let refused = 0;
      for (let i = 0; i < 9; i++) {
        const next = { ...doc, [`f${i}`]: 'z'.repeat(10_000) };
        const answer = await op({ op: 'update', obj: { id: 'grow', [`f${i}`]: next[`f${i}`] } });
        if (bytes(next) <= MAX_OBJECT_BYTES) {
          expect(answer.error).toBeUndefined();
          doc = next;
        } else {
          expect(codeOf(answer)).toBe('PayloadTooLarge');
          refused++;
        }
      }
      expect(refused).toBe(3);
      const stored = (await row('grow'))!;
      expect(JSON.parse(stored.doc)).toEqual(doc);
      expect(Buffer.byteLength(stored.doc)).toBeLessThanOrEqual(MAX_OBJECT_BYTES);
    });

    it('a merged object of exactly 128 fields is stored; a 129th field is BadRequest and changes nothing', async () => {
      const fields = (prefix: string, n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, i]));
      await op({ op: 'put', obj: { id: 'w', ...fields('f', 100) } });
      expect(codeOf(await op({ op: 'update', obj: { id: 'w', ...fields('g', 29) } }))).toBe('BadRequest');
      expect((await row('w'))!.version).toBe(1);

      const at = await op({ op: 'update', obj: { id: 'w', ...fields('g', 28) } });
      expect(at.data.version).toBe(2);
      expect(Object.keys(JSON.parse((await row('w'))!.doc))).toHaveLength(MAX_FIELDS);
      expect(codeOf(await op({ op: 'update', obj: { id: 'w', f0: 'changed', h: 1 } }))).toBe('BadRequest');
      // Changing fields it already has keeps it at 128.
      expect((await op({ op: 'update', obj: { id: 'w', f0: 'changed', g27: 'too' } })).data).toMatchObject({ f0: 'changed', g27: 'too', version: 3 });
      expect(Object.keys(JSON.parse((await row('w'))!.doc))).toHaveLength(MAX_FIELDS);
    });

    it('an object of 128 fields read back (server fields included) can be written back; with a 129th it cannot', async () => {
      const own = Object.fromEntries(Array.from({ length: MAX_FIELDS }, (_, i) => [`f${i}`, i]));
      await op({ op: 'put', obj: { id: 'back', ...own } });
      const read = (await op({ op: 'get', id: 'back' })).data;
      // The answer carries id, uid, createdAt, updatedAt and version besides the 128 own fields.
      expect(Object.keys(read)).toHaveLength(MAX_FIELDS + 5);
      expect((await op({ op: 'put', obj: { ...read, f0: 'put' } })).data).toMatchObject({ f0: 'put', version: 2 });
      expect((await op({ op: 'update', obj: { ...read, f1: 'update' } })).data).toMatchObject({ f0: 0, f1: 'update', version: 3 });
      expect(codeOf(await op({ op: 'put', obj: { ...read, extra: 1 } }))).toBe('BadRequest');
      expect(codeOf(await op({ op: 'update', obj: { ...read, extra: 1 } }))).toBe('BadRequest');
      expect((await row('back'))!.version).toBe(3);
    });

    it('concurrent updates that each fit but not all together: the stored object stays within 64 KB, no acknowledged field lost', async () => {
      await op({ op: 'put', obj: { id: 'c', base: 'b'.repeat(10_000) } });
      const answers = await Promise.all(Array.from({ length: 10 }, (_, n) => op({ op: 'update', obj: { id: 'c', [`f${n}`]: 'x'.repeat(10_000) } })));
      const stored = (await row('c'))!;
      const doc = JSON.parse(stored.doc);
      expect(Buffer.byteLength(stored.doc)).toBeLessThanOrEqual(MAX_OBJECT_BYTES);
      // Six 10 KB fields fit in 64 KB, seven don't: at most five of the ten land.
      const ok = answers.filter((a) => a.data);
      expect(ok.length).toBeGreaterThan(0);
      expect(ok.length).toBeLessThanOrEqual(5);
      expect(stored.version).toBe(1 + ok.length);
      answers.forEach((a, n) => expect([`f${n}`, `f${n}` in doc]).toEqual([`f${n}`, Boolean(a.data)]));
      const codes = answers.filter((a) => a.error).map((a) => a.error.code);
      expect(codes).toContain('PayloadTooLarge');
      // Under contention a writer may also give up with Conflict (ObjectStore MAX_RACES), having written nothing.
      expect(codes.every((c) => c === 'PayloadTooLarge' || c === 'Conflict')).toBe(true);
    });
  });

  describe('every string is well-formed Unicode, so different ids never share a row', () => {
    it('lone surrogates are refused as ids: they would land in the row of U+FFFD', async () => {
      expect((await op({ op: 'put', obj: { id: '\ufffd', v: 'replacement char' } })).data).toMatchObject({ id: '\ufffd', version: 1 });
      // Today UTF-8 encoding turned each of these into U+FFFD: Conflict on a never-written id,
      // and another id's object answered to get.
      for (const id of ['\ud800', '\udbff', '\udfff', 'a\ud800', '\ude00\ud83d']) {
        expect([id, codeOf(await op({ op: 'put', obj: { id, v: 'mine' }, ifVersion: 0 }))]).toEqual([id, 'BadRequest']);
        expect([id, codeOf(await op({ op: 'get', id }))]).toEqual([id, 'BadRequest']);
        expect([id, codeOf(await op({ op: 'update', obj: { id, v: 'mine' } }))]).toEqual([id, 'BadRequest']);
        expect([id, codeOf(await op({ op: 'remove', id }))]).toEqual([id, 'BadRequest']);
      }
      expect((await op({ op: 'get', id: '\ufffd' })).data).toMatchObject({ id: '\ufffd', v: 'replacement char', version: 1 });
      expect(await allIds(cloud, me)).toEqual(['\ufffd']);
    });

    it('U+FFFD and surrogate pairs are ids of their own, and round-trip through put, get and list', async () => {
      const ids = ['\ufffd', '\ud83d\ude00', 'a\ufffd', '\ud800\udc00'];
      for (const id of ids) expect((await op({ op: 'put', obj: { id, v: id }, ifVersion: 0 })).data).toMatchObject({ id, v: id });
      for (const id of ids) expect((await op({ op: 'get', id })).data).toMatchObject({ id, v: id });
      expect((await allIds(cloud, me)).sort()).toEqual([...ids].sort());
    });

    it('an event that is not valid UTF-8 is refused, not decoded to U+FFFD', async () => {
      const event = (idBytes: Buffer) =>
        Buffer.concat([Buffer.from(`{"sid":${JSON.stringify(me.sessionId)},"op":"put","obj":{"id":"a`), idBytes, Buffer.from('","v":1}}')]);
      // 0xFF is never UTF-8; ED A0 80 is U+D800 encoded as if it were a character (CESU-8).
      for (const bad of [Buffer.from([0xff]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xc3])]) {
        const answer = await rawInvoke(cloud, me.sts, event(bad));
        expect([bad.toString('hex'), codeOf(answer.body)]).toEqual([bad.toString('hex'), 'BadRequest']);
      }
      expect(await allIds(cloud, me)).toEqual([]);
      // Valid UTF-8 sent as raw bytes is fine.
      expect((await rawInvoke(cloud, me.sts, event(Buffer.from('é', 'utf8')))).body.data).toMatchObject({ id: 'aé' });
    });

    it('C1 controls (U+0080-U+009F) are refused in ids like C0 controls and DEL; U+00A0 is an id', async () => {
      for (const id of ['a\u0080', 'a\u0085b', '\u009b', 'a\u009f']) {
        expect([id, codeOf(await op({ op: 'put', obj: { id } }))]).toEqual([id, 'BadRequest']);
        expect([id, codeOf(await op({ op: 'get', id }))]).toEqual([id, 'BadRequest']);
      }
      for (const id of ['a\u007e', 'a\u00a0']) expect((await op({ op: 'put', obj: { id } })).data).toMatchObject({ id });
      expect((await allIds(cloud, me)).sort()).toEqual(['a\u007e', 'a\u00a0']);
    });

    it('lone surrogates in string values and nested keys are kept exactly: the doc is JSON text, which escapes them', async () => {
      // Unlike a key, a value never reaches Tablestore as UTF-8: the doc column holds JSON.stringify's
      // text, where a lone surrogate is the ASCII escape \ud800, and the answer is JSON again.
      const fields = { text: 'a\ud800', tail: '\udfffz', list: ['ok', ['\udc00']], map: { 'k\ud800': 1, deep: { '\udbff': '\ud83d' } } };
      const put = await op({ op: 'put', obj: { id: 'v', ...fields } });
      expect(put.data).toMatchObject({ id: 'v', ...fields, version: 1 });
      expect((await op({ op: 'get', id: 'v' })).data).toEqual(put.data);
      expect((await op({ op: 'list' })).data).toEqual([put.data]);
      const stored = (await row('v'))!;
      expect(stored.doc).toContain('"text":"a\\ud800"');
      expect(JSON.parse(stored.doc)).toEqual(fields);
      const updated = await op({ op: 'update', obj: { id: 'v', text: '\udbff', more: { '\ude00': ['\ud800'] } } });
      expect(updated.data).toMatchObject({ ...fields, text: '\udbff', more: { '\ude00': ['\ud800'] }, version: 2 });
      expect((await op({ op: 'get', id: 'v' })).data).toEqual(updated.data);
      // Well-formed text of every plane, controls included, comes back exactly too.
      const text = 'a\u0000\u0085\u2028\ufeff\ufffd\uffff\ud83d\ude00\udbff\udfff中';
      const again = await op({ op: 'put', obj: { id: 'v', text, map: { [text]: [text] } } });
      expect(again.data).toMatchObject({ text, map: { [text]: [text] } });
      expect((await op({ op: 'get', id: 'v' })).data).toEqual(again.data);
    });

    it('a collection or top-level field name with a lone surrogate is refused', async () => {
      expect(codeOf(await op({ op: 'put', collection: 'a\ud800', obj: { id: 'x' } }))).toBe('BadRequest');
      expect(codeOf(await op({ op: 'list', collection: '\udc00' }))).toBe('BadRequest');
      expect(codeOf(await op({ op: 'put', obj: { id: 'x', ['f\ud800']: 1 } }))).toBe('BadRequest');
      expect(await allIds(cloud, me)).toEqual([]);
    });
  });

  describe('numbers are stored as written', () => {
    it('1e999 and -1e999 are refused anywhere in the object, by put and update; the largest finite numbers round-trip', async () => {
      await op({ op: 'put', obj: { id: 'n', n: 1 } });
      const bad = ['"n":1e999', '"n":-1e999', '"n":1.7976931348623159e308', '"a":[1,{"b":-1e999}]', '"m":{"k":{"k":[1E400]}}'];
      for (const fields of bad) {
        for (const [opName, id] of [
          ['put', 'n'],
          ['update', 'n'],
          ['put', 'fresh'],
        ]) {
          const answer = await sendText(`"op":"${opName}","obj":{"id":"${id}",${fields}}`);
          expect([opName, fields, codeOf(answer)]).toEqual([opName, fields, 'BadRequest']);
          expect(answer.error.message).toMatch(/finite/);
        }
      }
      expect(await row('n')).toEqual({ doc: '{"n":1}', version: 1 });
      expect(await allIds(cloud, me)).toEqual(['n']);
      // At the limit: the largest and smallest doubles are kept exactly.
      const edge = '"max":1.7976931348623157e308,"min":-1.7976931348623157e308,"tiny":5e-324,"neg":-0.5';
      const put = await sendText(`"op":"put","obj":{"id":"n",${edge}}`);
      expect(put.data).toMatchObject({ max: Number.MAX_VALUE, min: -Number.MAX_VALUE, tiny: Number.MIN_VALUE, neg: -0.5, version: 2 });
      expect((await op({ op: 'get', id: 'n' })).data).toEqual(put.data);
    });
  });

  describe('list cursors', () => {
    const cursorFor = (id: string, collection = 'default') => Buffer.from(JSON.stringify([collection, id])).toString('base64url');

    it('a cursor whose id is over 1 KB of UTF-8 is BadRequest; exactly 1 KB is read from', async () => {
      await op({ op: 'put', obj: { id: 'y' } });
      await op({ op: 'put', obj: { id: '中' } });
      for (const id of ['x'.repeat(MAX_KEY_BYTES + 1), '中'.repeat(342)]) {
        const answer = await op({ op: 'list', cursor: cursorFor(id) });
        expect([Buffer.byteLength(id), codeOf(answer)]).toEqual([Buffer.byteLength(id), 'BadRequest']);
        expect(answer.error.message).toMatch(/cursor/);
      }
      const ascii = await op({ op: 'list', cursor: cursorFor('x'.repeat(MAX_KEY_BYTES)) });
      expect(ascii).toEqual({ data: [expect.objectContaining({ id: 'y' }), expect.objectContaining({ id: '中' })], cursor: null });
      const wide = `${'中'.repeat(341)}x`;
      expect(Buffer.byteLength(wide)).toBe(MAX_KEY_BYTES);
      expect(await op({ op: 'list', cursor: cursorFor(wide) })).toEqual({ data: [], cursor: null });
    });

    it('a cursor whose id is empty or not well-formed is BadRequest', async () => {
      await op({ op: 'put', obj: { id: '\ufffd' } });
      for (const id of ['', '\ud800', 'a\udfff']) {
        expect([id, codeOf(await op({ op: 'list', cursor: cursorFor(id) }))]).toEqual([id, 'BadRequest']);
      }
      // A cursor that is not UTF-8 inside is not one of ours either.
      const notUtf8 = Buffer.concat([Buffer.from('["default","a'), Buffer.from([0xff]), Buffer.from('"]')]).toString('base64url');
      expect(codeOf(await op({ op: 'list', cursor: notUtf8 }))).toBe('BadRequest');
    });
  });
});
