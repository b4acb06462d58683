import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { lazyTablestore, makeDefinitionsLazy } from '../../lib/lazy-protobuf';
import { withoutDeprecatedBuffer } from '../../lib/legacy-buffer';
import { OTS_OPERATIONS, messagesNeeded, withOnlyMessagesOf } from '../../lib/tablestore-messages';

const ROOT = path.resolve(__dirname, '..', '..');
const ORIGINAL = require.resolve('tablestore/lib/protocol/tablestore_compiled_proto.js');

describe("lazy protobuf definitions for the functions' bundles, only of the operations they make", () => {
  // Both files register into protobufjs' shared default root, so each is loaded in its own registry.
  const load = (file: string) => {
    let root: any;
    jest.isolateModules(() => {
      root = require(file);
    });
    return root;
  };
  const lazyRoot = load(path.join(lazyTablestore(ROOT), 'lib', 'protocol', 'tablestore_compiled_proto.js'));
  const eagerRoot = load(ORIGINAL);
  const NAMESPACES = ['main', 'filter', 'search'];
  const KEPT = [
    ...OTS_OPERATIONS.flatMap((op) => [`main.${op}Request`, `main.${op}Response`]),
    // What those messages name, and the enums the SDK reads beside them.
    ...['ConsumedCapacity', 'CapacityUnit', 'Condition', 'RowExistenceExpectation', 'ReturnContent', 'ReturnType', 'TimeRange'].map((m) => `main.${m}`),
    ...['Direction', 'DataBlockType', 'CompressType'].map((m) => `main.${m}`),
    ...Object.keys(eagerRoot.filter.proto).map((m) => `filter.${m}`),
  ];

  it("makes exactly lambda/shared/ots.ts's operations", () => {
    const source = fs.readFileSync(path.join(ROOT, 'lambda', 'shared', 'ots.ts'), 'utf8');
    const client = /export type OtsClient = \{([\s\S]*?)\n\};/.exec(source)?.[1] ?? '';
    const methods = Array.from(client.matchAll(/^ {2}(\w+)\(/gm), (m) => m[1]);
    expect(methods.map((m) => m[0].toUpperCase() + m.slice(1))).toEqual([...OTS_OPERATIONS]);
  });

  it('keeps what those operations send and receive, and what that names, each as the original defines it but lazily', () => {
    const source = fs.readFileSync(ORIGINAL, 'utf8');
    expect([...messagesNeeded(source)].sort()).toEqual([...KEPT].sort());
    // Untouched messages are still getters: nothing was built at load.
    expect(typeof Object.getOwnPropertyDescriptor(lazyRoot.main.proto, 'GetRangeResponse')?.get).toBe('function');
    // A message is its constructor, with its statics (encode, decode…, nested types) and prototype; an enum is an object of numbers.
    const shapeOf = (v: any) =>
      typeof v === 'function'
        ? { source: String(v), statics: Object.fromEntries(Object.keys(v).map((k) => [k, String(v[k])])), prototype: Object.keys(v.prototype) }
        : v;
    const lazyIds = NAMESPACES.flatMap((ns) => Object.keys(lazyRoot[ns].proto).map((name) => `${ns}.${name}`));
    expect(lazyIds.sort()).toEqual([...KEPT].sort());
    for (const id of KEPT) {
      const [ns, name] = id.split('.');
      expect([id, shapeOf(lazyRoot[ns].proto[name])]).toEqual([id, shapeOf(eagerRoot[ns].proto[name])]);
    }
  });

  it('leaves every other message out: reading one throws an error that says why', () => {
    const all = NAMESPACES.flatMap((ns) => Object.keys(eagerRoot[ns].proto).map((name) => `${ns}.${name}`));
    expect(all).toHaveLength(259);
    const leftOut = all.filter((id) => !KEPT.includes(id));
    expect(leftOut.length).toBe(259 - KEPT.length);
    for (const id of leftOut) {
      const [ns, name] = id.split('.');
      expect(() => lazyRoot[ns].proto[name]).toThrow(
        `tablestore message ${id} is not in this bundle: lib/tablestore-messages.ts keeps only the messages of GetRow, PutRow`,
      );
    }
  });

  it('reads a name the SDK never defined as undefined, as the original does (its encoder reads one at load)', () => {
    expect(eagerRoot.filter.proto.FT_COMPOSITE_COLUMN_VALUE).toBeUndefined();
    expect(lazyRoot.filter.proto.FT_COMPOSITE_COLUMN_VALUE).toBeUndefined();
    expect(lazyRoot.main.proto.SearchRequestV2).toBeUndefined();
  });

  it('lets a namespace with every message left out be inspected, serialized and awaited', async () => {
    const search = lazyRoot.search.proto;
    expect(search[Symbol.toStringTag]).toBeUndefined();
    expect(search[Symbol.iterator]).toBeUndefined();
    // What generic code probes (await, JSON.stringify, module interop, jest) reads as on a plain object.
    for (const probe of ['then', 'toJSON', '__esModule', '$$typeof', 'asymmetricMatch']) expect([probe, search[probe]]).toEqual([probe, undefined]);
    expect(search.constructor).toBe(Object);
    expect(String(search)).toBe('[object Object]');
    expect(inspect(lazyRoot.search)).toBe('{ proto: {} }');
    expect(JSON.stringify(lazyRoot.search)).toBe('{"proto":{}}');
    expect(await Promise.resolve(search)).toBe(search);
  });

  it('encodes and decodes byte for byte like the original', () => {
    const request = {
      tableName: 'objects',
      row: Buffer.from([1, 2, 3]),
      condition: { rowExistence: 1, columnCondition: Buffer.from([9]) },
      returnContent: { returnType: 1 },
    };
    const lazyBytes = lazyRoot.main.proto.PutRowRequest.encode(request).finish();
    const eagerBytes = eagerRoot.main.proto.PutRowRequest.encode(request).finish();
    expect(Buffer.from(lazyBytes).equals(Buffer.from(eagerBytes))).toBe(true);
    expect(lazyRoot.main.proto.PutRowRequest.decode(lazyBytes).tableName).toBe('objects');
    const filter = { type: 1, filter: Buffer.from([7]) };
    expect(Buffer.from(lazyRoot.filter.proto.Filter.encode(filter).finish())).toEqual(Buffer.from(eagerRoot.filter.proto.Filter.encode(filter).finish()));
  });

  it('fails the build when the SDK file has another shape', () => {
    expect(() => makeDefinitionsLazy('"use strict";\nvar x = 1;\n')).toThrow(/unexpected shape/);
    const source = fs.readFileSync(ORIGINAL, 'utf8');
    const broken = source.replace(/^ {8}\}\)\(\);$/m, '        })( );');
    expect(() => makeDefinitionsLazy(broken)).toThrow(/259 definitions, 258 ends|definitions, \d+ ends/);
  });

  it('fails the build when the namespaces or messages have another shape', () => {
    const source = fs.readFileSync(ORIGINAL, 'utf8');
    const shapes = {
      'no search namespace': source.slice(0, source.indexOf('\n$root.search = ')) + '\nmodule.exports = $root;\n',
      'another namespace after search': source.replace('\nmodule.exports = $root;\n', '\n$root.other = (function() {\n})();\n\nmodule.exports = $root;\n'),
      'a namespace ends reindented': source.replace('\n        return proto;\n    })();\n', '\n      return proto;\n    })();\n'),
      'an operation message renamed': source.replace('\n        proto.GetRowResponse = (function() {\n', '\n        proto.GetRowResult = (function() {\n'),
      'a kept message names one that is not defined': source.replace('$root.main.proto.ConsumedCapacity.decode', '$root.main.proto.ConsumedCapacityV2.decode'),
    };
    const refusal = (broken: string) => {
      if (broken === source) return 'the replacement did not apply';
      try {
        withOnlyMessagesOf(broken);
        return 'accepted';
      } catch (e) {
        return (e as Error).message;
      }
    };
    const refusals = Object.entries(shapes).map(([shape, broken]) => [shape, refusal(broken)]);
    const refused = expect.stringMatching(/^tablestore-messages: unexpected shape of tablestore's compiled proto .*check the tablestore version$/);
    expect(refusals).toEqual(Object.keys(shapes).map((shape) => [shape, refused]));
  });

  it('stages the rewritten SDK once and reuses it', () => {
    const dir = lazyTablestore(ROOT);
    const stat = fs.statSync(path.join(dir, 'lib', 'protocol', 'tablestore_compiled_proto.js'));
    expect(lazyTablestore(ROOT)).toBe(dir);
    expect(fs.statSync(path.join(dir, 'lib', 'protocol', 'tablestore_compiled_proto.js')).mtimeMs).toBe(stat.mtimeMs);
    expect(dir.startsWith(path.join(ROOT, 'node_modules'))).toBe(true);
  });

  it('the staged SDK loads (its encoder and decoder read every namespace at load) and encodes as the original', () => {
    const dir = lazyTablestore(ROOT);
    const script = `
      const TableStore = require(${JSON.stringify(dir)});
      const original = require('tablestore');
      const protocol = (file) => require.resolve(${JSON.stringify(path.join(dir, 'lib', 'protocol'))} + '/' + file);
      const loaded = ['encoder.js', 'decoder.js'].filter((file) => require.cache[protocol(file)]);
      const params = { tableName: 'objects', primaryKey: [{ uid: 'u1' }, { id: 'a' }], maxVersions: 1 };
      const encoded = (sdk) => {
        const request = sdk.encoder.encode('getRow', params);
        return Buffer.from(request.constructor.encode(request).finish()).toString('hex');
      };
      let search;
      try { TableStore.encoder.encode('listSearchIndex', { tableName: 'objects' }); } catch (e) { search = e.message; }
      // protobufjs's Long, which it would look up with a run-time require('long'), is pinned to none.
      const long = [require(require.resolve('protobufjs/minimal', { paths: [${JSON.stringify(dir)}] })).util.Long, require('protobufjs/minimal').util.Long];
      console.log(JSON.stringify({ client: typeof TableStore.Client, loaded, same: encoded(TableStore) === encoded(original), search, long: long.map((l) => (l === null ? null : typeof l)) }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' }));
    expect(out).toEqual({
      client: 'function',
      loaded: ['encoder.js', 'decoder.js'],
      same: true,
      search: expect.stringContaining('tablestore message search.ListSearchIndexRequest is not in this bundle'),
      long: [null, 'function'],
    });
  });
});

describe('the staged SDK calls no deprecated Buffer constructor (DEP0005)', () => {
  it('rewrites new Buffer(…) and new TableStore.util.Buffer(…) to what Node does for them', () => {
    const rewritten = withoutDeprecatedBuffer('var a = new Buffer(8); var b = new TableStore.util.Buffer("x", "base64"); var c = new Buffer([1, 2]);');
    expect(rewritten).not.toMatch(/new (TableStore\.util\.)?Buffer\(/);
    const [a, b, c] = new Function('TableStore', `${rewritten}; return [a, b, c];`)({ util: { Buffer } }) as Buffer[];
    expect([a, b, c]).toEqual([Buffer.alloc(8), Buffer.from('x', 'base64'), Buffer.from([1, 2])]);
    expect(withoutDeprecatedBuffer('Buffer.from(x)')).toBe('Buffer.from(x)');
  });

  it('a process that loads the staged SDK and decodes an empty bytes field raises no deprecation', () => {
    const dir = lazyTablestore(ROOT);
    const script = `
      let warned = [];
      process.on('warning', (w) => warned.push(w.code));
      const TableStore = require(${JSON.stringify(dir)});
      const proto = require(${JSON.stringify(path.join(dir, 'lib', 'protocol', 'tablestore_compiled_proto.js'))}).main.proto;
      // A GetRow that finds no row answers an empty "row": protobufjs reads it as a zero-length slice.
      const answer = proto.GetRowResponse.decode(proto.GetRowResponse.encode({ consumed: { capacityUnit: { read: 1 } }, row: Buffer.alloc(0) }).finish());
      TableStore.util.buffer.concat([Buffer.from('a'), Buffer.from('b')]);
      setImmediate(() => console.log(JSON.stringify({ warned, rowLength: answer.row.length })));`;
    const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ warned: [], rowLength: 0 });
  });
});
