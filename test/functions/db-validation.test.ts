import type { LocalCloud } from '../../local/cloud';
import { type LoginAnswer, login, startCloud } from '../support/local';
import { allIds, errorCode, invokeDb, tableRows } from './helpers';

type Session = LoginAnswer & { userId: string };

/**
 * Bad events: each is answered with a structured error (never a function crash) and writes
 * nothing. Events are written by hand where JSON.stringify could not express them.
 */
describe('db input validation', () => {
  let cloud: LocalCloud;
  let me: Session;
  let sid: string;
  beforeAll(async () => {
    cloud = await startCloud();
    me = await login(cloud);
    sid = JSON.stringify(me.sessionId);
    // One object to aim updates and removes at.
    const put = await invokeDb(cloud, me.sts, { sid: me.sessionId, op: 'put', obj: { id: 'keep', v: 1 } });
    expect(put.data.version).toBe(1);
  });
  afterAll(() => cloud.stop());

  /** Nothing but `keep` at version 1, in any collection. */
  async function expectNothingWritten(): Promise<void> {
    const rows = await tableRows(cloud, 'objects');
    expect(rows.map((r) => [r.key.uid, r.key.collection, r.key.id, r.columns.version])).toEqual([[me.accountId, 'default', 'keep', 1]]);
    expect(JSON.parse(String(rows[0].columns.doc))).toEqual({ v: 1 });
  }

  const send = (event: string) => invokeDb(cloud, me.sts, event);
  const withSid = (rest: string) => `{"sid":${sid},${rest}}`;

  const cases: [string, () => string, string][] = [
    // The event itself
    ['malformed JSON', () => `{"sid":${sid},"op":"put","obj":{"id":"x"}`, 'BadRequest'],
    ['empty event', () => '', 'BadRequest'],
    ['not JSON at all', () => 'put x', 'BadRequest'],
    ['a JSON array', () => `[${sid},"put"]`, 'BadRequest'],
    ['a JSON string', () => sid, 'BadRequest'],
    ['a JSON number', () => '42', 'BadRequest'],
    ['JSON null', () => 'null', 'BadRequest'],
    // sid
    ['no sid', () => '{"op":"put","obj":{"id":"x"}}', 'BadRequest'],
    ['sid a number', () => '{"sid":12345,"op":"put","obj":{"id":"x"}}', 'BadRequest'],
    ['sid null', () => '{"sid":null,"op":"put","obj":{"id":"x"}}', 'BadRequest'],
    ['sid an object', () => `{"sid":{"id":${sid}},"op":"put","obj":{"id":"x"}}`, 'BadRequest'],
    ['sid empty', () => '{"sid":"","op":"put","obj":{"id":"x"}}', 'BadRequest'],
    ['sid over 128 chars', () => `{"sid":"${'A'.repeat(129)}","op":"put","obj":{"id":"x"}}`, 'BadRequest'],
    ['sid unknown', () => `{"sid":"${'A'.repeat(43)}","op":"put","obj":{"id":"x"}}`, 'SessionInvalid'],
    // op
    ['no op', () => withSid('"obj":{"id":"x"}'), 'BadRequest'],
    ['unknown op', () => withSid('"op":"delete","id":"keep"'), 'BadRequest'],
    ['op in upper case', () => withSid('"op":"PUT","obj":{"id":"x"}'), 'BadRequest'],
    ['op a prototype name', () => withSid('"op":"constructor","id":"keep"'), 'BadRequest'],
    // id
    ['put id a number', () => withSid('"op":"put","obj":{"id":7}'), 'BadRequest'],
    ['put id missing', () => withSid('"op":"put","obj":{"text":"x"}'), 'BadRequest'],
    ['put id empty', () => withSid('"op":"put","obj":{"id":""}'), 'BadRequest'],
    ['put id over 256 chars', () => withSid(`"op":"put","obj":{"id":"${'x'.repeat(257)}"}`), 'BadRequest'],
    ['put id with a newline', () => withSid('"op":"put","obj":{"id":"a\\nb"}'), 'BadRequest'],
    ['put id with NUL', () => withSid('"op":"put","obj":{"id":"a\\u0000b"}'), 'BadRequest'],
    ['put id with DEL', () => withSid('"op":"put","obj":{"id":"a\\u007fb"}'), 'BadRequest'],
    ['put id an array', () => withSid('"op":"put","obj":{"id":["x"]}'), 'BadRequest'],
    ['get id missing', () => withSid('"op":"get"'), 'BadRequest'],
    ['get id a number', () => withSid('"op":"get","id":1'), 'BadRequest'],
    ['remove id missing', () => withSid('"op":"remove"'), 'BadRequest'],
    ['remove id empty', () => withSid('"op":"remove","id":""'), 'BadRequest'],
    ['remove id with a tab', () => withSid('"op":"remove","id":"ke\\tep"'), 'BadRequest'],
    ['update id over 256 chars', () => withSid(`"op":"update","obj":{"id":"${'k'.repeat(257)}","v":2}`), 'BadRequest'],
    // ids that UTF-8 can't keep apart (each lone surrogate would become U+FFFD) and C1 controls
    ['put id a lone high surrogate', () => withSid('"op":"put","obj":{"id":"\\ud800"}'), 'BadRequest'],
    ['put id a lone low surrogate', () => withSid('"op":"put","obj":{"id":"a\\udfff"}'), 'BadRequest'],
    ['put id a reversed surrogate pair', () => withSid('"op":"put","obj":{"id":"\\ude00\\ud83d"}'), 'BadRequest'],
    ['put id a lone surrogate with ifVersion 0', () => withSid('"op":"put","obj":{"id":"\\udbff"},"ifVersion":0'), 'BadRequest'],
    ['get id a lone surrogate', () => withSid('"op":"get","id":"\\udbff"'), 'BadRequest'],
    ['remove id a lone surrogate', () => withSid('"op":"remove","id":"ke\\ud800ep"'), 'BadRequest'],
    ['update id a lone surrogate', () => withSid('"op":"update","obj":{"id":"\\ud800","v":2}'), 'BadRequest'],
    ['put id with U+0080', () => withSid('"op":"put","obj":{"id":"a\\u0080b"}'), 'BadRequest'],
    ['put id with NEL U+0085', () => withSid('"op":"put","obj":{"id":"a\u0085b"}'), 'BadRequest'],
    ['put id with U+009F', () => withSid('"op":"put","obj":{"id":"\\u009f"}'), 'BadRequest'],
    ['get id with CSI U+009B', () => withSid('"op":"get","id":"\\u009b"'), 'BadRequest'],
    ['remove id with U+0090', () => withSid('"op":"remove","id":"keep\\u0090"'), 'BadRequest'],
    ['sid with a lone surrogate', () => '{"sid":"\\ud800","op":"put","obj":{"id":"x"}}', 'BadRequest'],
    // obj
    ['put without obj', () => withSid('"op":"put","id":"x"'), 'BadRequest'],
    ['put obj an array', () => withSid('"op":"put","obj":[{"id":"x"}]'), 'BadRequest'],
    ['put obj a string', () => withSid('"op":"put","obj":"x"'), 'BadRequest'],
    ['put obj null', () => withSid('"op":"put","obj":null'), 'BadRequest'],
    ['update without obj', () => withSid('"op":"update","id":"keep"'), 'BadRequest'],
    ['update obj an array', () => withSid('"op":"update","obj":[{"id":"keep"}]'), 'BadRequest'],
    // field names
    ['top-level __proto__', () => withSid('"op":"put","obj":{"id":"x","__proto__":{"polluted":1}}'), 'BadRequest'],
    ['top-level constructor', () => withSid('"op":"put","obj":{"id":"x","constructor":{"prototype":{"p":1}}}'), 'BadRequest'],
    ['top-level prototype', () => withSid('"op":"put","obj":{"id":"x","prototype":1}'), 'BadRequest'],
    ['nested __proto__', () => withSid('"op":"put","obj":{"id":"x","a":{"__proto__":{"x":1}}}'), 'BadRequest'],
    ['nested constructor', () => withSid('"op":"put","obj":{"id":"x","a":{"b":{"constructor":1}}}'), 'BadRequest'],
    ['nested prototype', () => withSid('"op":"put","obj":{"id":"x","a":{"prototype":1}}'), 'BadRequest'],
    ['__proto__ inside an array', () => withSid('"op":"put","obj":{"id":"x","a":[1,{"__proto__":{"x":1}}]}'), 'BadRequest'],
    ['update with nested __proto__', () => withSid('"op":"update","obj":{"id":"keep","v":{"__proto__":{"x":1}}}'), 'BadRequest'],
    ['update with top-level __proto__', () => withSid('"op":"update","obj":{"id":"keep","__proto__":{"v":2}}'), 'BadRequest'],
    ['field name with a space', () => withSid('"op":"put","obj":{"id":"x","a b":1}'), 'BadRequest'],
    ['field name starting with a digit', () => withSid('"op":"put","obj":{"id":"x","1a":1}'), 'BadRequest'],
    ['field name starting with "-"', () => withSid('"op":"put","obj":{"id":"x","-a":1}'), 'BadRequest'],
    ['field name empty', () => withSid('"op":"put","obj":{"id":"x","":1}'), 'BadRequest'],
    ['field name with a dot', () => withSid('"op":"put","obj":{"id":"x","a.b":1}'), 'BadRequest'],
    ['field name over 64 chars', () => withSid(`"op":"put","obj":{"id":"x","${'f'.repeat(65)}":1}`), 'BadRequest'],
    ['update field name with a space', () => withSid('"op":"update","obj":{"id":"keep","v w":2}'), 'BadRequest'],
    ['over 128 fields', () => withSid(`"op":"put","obj":{"id":"x",${Array.from({ length: 129 }, (_, i) => `"f${i}":1`).join(',')}}`), 'BadRequest'],
    // depth
    ['objects nested 9 deep', () => withSid(`"op":"put","obj":{"id":"x","a":${nest(9)}}`), 'BadRequest'],
    ['arrays nested 9 deep', () => withSid(`"op":"put","obj":{"id":"x","a":${'['.repeat(9)}1${']'.repeat(9)}}`), 'BadRequest'],
    ['update nested 9 deep', () => withSid(`"op":"update","obj":{"id":"keep","v":${nest(9)}}`), 'BadRequest'],
    // numbers JSON.parse can't hold (Infinity, which would be stored as null)
    ['a field 1e999', () => withSid('"op":"put","obj":{"id":"x","n":1e999}'), 'BadRequest'],
    ['a field -1e999', () => withSid('"op":"put","obj":{"id":"x","n":-1e999}'), 'BadRequest'],
    ['a field one past the largest double', () => withSid('"op":"put","obj":{"id":"x","n":1.7976931348623159e308}'), 'BadRequest'],
    ['1e999 nested in an array', () => withSid('"op":"put","obj":{"id":"x","a":[1,{"b":[1E400]}]}'), 'BadRequest'],
    ['update with 1e999', () => withSid('"op":"update","obj":{"id":"keep","v":1e999}'), 'BadRequest'],
    ['update with -1e999 nested', () => withSid('"op":"update","obj":{"id":"keep","v":{"w":-1e999}}'), 'BadRequest'],
    // sizes
    ['object over 64 KB', () => withSid(`"op":"put","obj":{"id":"x","big":"${'b'.repeat(64 * 1024)}"}`), 'PayloadTooLarge'],
    ['update to over 64 KB', () => withSid(`"op":"update","obj":{"id":"keep","big":"${'b'.repeat(64 * 1024)}"}`), 'PayloadTooLarge'],
    ['event over 128 KB', () => withSid(`"op":"put","obj":{"id":"x","a":"${'a'.repeat(60 * 1024)}"},"pad":"${'p'.repeat(70 * 1024)}"`), 'PayloadTooLarge'],
    ['event over 128 KB with a bad sid', () => `{"sid":1,"op":"put","pad":"${'p'.repeat(129 * 1024)}"}`, 'PayloadTooLarge'],
    // list
    ['limit 0', () => withSid('"op":"list","limit":0'), 'BadRequest'],
    ['limit 101', () => withSid('"op":"list","limit":101'), 'BadRequest'],
    ['limit 1.5', () => withSid('"op":"list","limit":1.5'), 'BadRequest'],
    ['limit "10"', () => withSid('"op":"list","limit":"10"'), 'BadRequest'],
    ['limit -1', () => withSid('"op":"list","limit":-1'), 'BadRequest'],
    ['cursor garbage', () => withSid('"op":"list","cursor":"!!!"'), 'BadRequest'],
    ['cursor a number', () => withSid('"op":"list","cursor":5'), 'BadRequest'],
    ['cursor id over 1 KB', () => withSid(`"op":"list","cursor":"${cursorFor('k'.repeat(1025))}"`), 'BadRequest'],
    ['cursor id over 1 KB of UTF-8', () => withSid(`"op":"list","cursor":"${cursorFor('é'.repeat(513))}"`), 'BadRequest'],
    ['cursor id a lone surrogate', () => withSid(`"op":"list","cursor":"${cursorFor('\ud800')}"`), 'BadRequest'],
    ['cursor id empty', () => withSid(`"op":"list","cursor":"${cursorFor('')}"`), 'BadRequest'],
    // ifVersion
    ['put ifVersion -1', () => withSid('"op":"put","obj":{"id":"x"},"ifVersion":-1'), 'BadRequest'],
    ['put ifVersion "1"', () => withSid('"op":"put","obj":{"id":"keep","v":2},"ifVersion":"1"'), 'BadRequest'],
    ['put ifVersion 1.5', () => withSid('"op":"put","obj":{"id":"keep","v":2},"ifVersion":1.5'), 'BadRequest'],
    ['update ifVersion "1"', () => withSid('"op":"update","obj":{"id":"keep","v":2},"ifVersion":"1"'), 'BadRequest'],
    ['update ifVersion -1', () => withSid('"op":"update","obj":{"id":"keep","v":2},"ifVersion":-1'), 'BadRequest'],
    ['remove ifVersion "1"', () => withSid('"op":"remove","id":"keep","ifVersion":"1"'), 'BadRequest'],
    ['remove ifVersion -1', () => withSid('"op":"remove","id":"keep","ifVersion":-1'), 'BadRequest'],
    ['remove ifVersion true', () => withSid('"op":"remove","id":"keep","ifVersion":true'), 'BadRequest'],
    // collection
    ['collection with a space', () => withSid('"op":"put","collection":"my notes","obj":{"id":"x"}'), 'BadRequest'],
    ['collection with a slash', () => withSid('"op":"put","collection":"a/b","obj":{"id":"x"}'), 'BadRequest'],
    ['collection with a dot', () => withSid('"op":"put","collection":"a.b","obj":{"id":"x"}'), 'BadRequest'],
    ['collection unicode', () => withSid('"op":"put","collection":"笔记","obj":{"id":"x"}'), 'BadRequest'],
    ['collection empty', () => withSid('"op":"put","collection":"","obj":{"id":"x"}'), 'BadRequest'],
    ['collection over 64 chars', () => withSid(`"op":"put","collection":"${'c'.repeat(65)}","obj":{"id":"x"}`), 'BadRequest'],
    ['collection a number', () => withSid('"op":"put","collection":1,"obj":{"id":"x"}'), 'BadRequest'],
    ['remove in a bad collection', () => withSid('"op":"remove","collection":"de fault","id":"keep"'), 'BadRequest'],
  ];

  it.each(cases)('%s → %s-free structured error, nothing written', async (_name, event, code) => {
    const answer = await send(event());
    expect(errorCode(answer)).toBe(code);
    await expectNothingWritten();
  });

  it('the refused __proto__ never reached a prototype (the function still answers normally)', async () => {
    await send(withSid('"op":"put","obj":{"id":"x","__proto__":{"polluted":1}}'));
    const got = await invokeDb(cloud, me.sts, { sid: me.sessionId, op: 'get', id: 'keep' });
    expect(got.data).toEqual(expect.objectContaining({ id: 'keep', v: 1 }));
    expect(got.data.polluted).toBeUndefined();
  });

  describe('limits that are allowed', () => {
    // Each writes under its own id and cleans up, so the shared check above stays true.
    const put = (rest: string) => send(withSid(`"op":"put",${rest}`));
    const cleanup = async (ids: string[], collection?: string) => {
      for (const id of ids) await invokeDb(cloud, me.sts, { sid: me.sessionId, op: 'remove', id, ...(collection ? { collection } : {}) });
      await expectNothingWritten();
    };

    it('8 levels of nesting, 128 fields, a 64-char field name, a 256-char id', async () => {
      const id = 'y'.repeat(256);
      const fields = Array.from({ length: 127 }, (_, i) => `"f${i}":${i}`).join(',');
      const answer = await put(`"obj":{"id":"${id}","deep":${nest(8)},${fields}}`);
      expect(answer.error).toBeUndefined();
      expect(answer.data.deep).toEqual(JSON.parse(nest(8)));
      const longName = await put(`"obj":{"id":"z","${'n'.repeat(64)}":1,"$ok_name-1":2}`);
      expect(longName.data).toMatchObject({ ['n'.repeat(64)]: 1, '$ok_name-1': 2 });
      await cleanup([id, 'z']);
    });

    it('limit 1 and 100; ifVersion 0; a 64-char collection of letters, digits, "_" and "-"', async () => {
      for (const limit of [1, 100]) expect((await send(withSid(`"op":"list","limit":${limit}`))).data).toHaveLength(1);
      const collection = `A-z_0${'9'.repeat(59)}`;
      const answer = await put(`"collection":"${collection}","obj":{"id":"c"},"ifVersion":0`);
      expect(answer.data).toMatchObject({ id: 'c', version: 1 });
      expect(await allIds(cloud, me, collection)).toEqual(['c']);
      await cleanup(['c'], collection);
    });

    it('a 256-character id of 1 KB of UTF-8; a cursor at 1 KB; the largest doubles; U+00A0 and U+FFFD in ids', async () => {
      const wide = '🙂'.repeat(256);
      expect(Buffer.byteLength(wide)).toBe(1024);
      const numbers = '"max":1.7976931348623157e308,"min":-1.7976931348623157e308';
      const answer = await put(`"obj":{"id":"${wide}",${numbers}}`);
      expect(answer.data).toMatchObject({ id: wide, max: Number.MAX_VALUE, min: -Number.MAX_VALUE });
      const page = await send(withSid(`"op":"list","cursor":"${cursorFor('é'.repeat(512))}"`));
      expect(page.data.map((o: { id: string }) => o.id)).toEqual([wide]);
      for (const id of ['a\u00a0', '\ufffd']) expect((await put(`"obj":{"id":"${id}"}`)).data).toMatchObject({ id: JSON.parse(`"${id}"`) });
      await cleanup([wide, 'a\u00a0', '\ufffd']);
    });

    it('an object just under 64 KB', async () => {
      const big = 'b'.repeat(64 * 1024 - 20);
      const answer = await put(`"obj":{"id":"big","big":"${big}"}`);
      expect(answer.error).toBeUndefined();
      expect((await invokeDb(cloud, me.sts, { sid: me.sessionId, op: 'get', id: 'big' })).data.big).toHaveLength(big.length);
      await cleanup(['big']);
    });
  });
});

/** A list cursor of the default collection, made the way the server makes one. */
function cursorFor(id: string): string {
  return Buffer.from(JSON.stringify(['default', id])).toString('base64url');
}

/** `n` objects nested in each other: nest(2) = {"a":{"a":1}}. */
function nest(n: number): string {
  return `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
}
