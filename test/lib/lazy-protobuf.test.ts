import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lazyTablestore, makeDefinitionsLazy } from '../../lib/lazy-protobuf';
import { withoutDeprecatedBuffer } from '../../lib/legacy-buffer';

const ROOT = path.resolve(__dirname, '..', '..');
const ORIGINAL = require.resolve('tablestore/lib/protocol/tablestore_compiled_proto.js');

describe('lazy protobuf definitions for the db and session bundles', () => {
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

  it('defines every message of every namespace, lazily', () => {
    let total = 0;
    for (const ns of ['main', 'filter', 'search']) {
      const eager = Object.keys(eagerRoot[ns].proto).sort();
      total += eager.length;
      expect(Object.keys(lazyRoot[ns].proto).sort()).toEqual(eager);
    }
    expect(total).toBe(259);
    // Untouched messages are still getters: nothing was built at load.
    expect(typeof Object.getOwnPropertyDescriptor(lazyRoot.search.proto, 'GroupBy')?.get).toBe('function');
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

  it('stages the rewritten SDK once and reuses it', () => {
    const dir = lazyTablestore(ROOT);
    const stat = fs.statSync(path.join(dir, 'lib', 'protocol', 'tablestore_compiled_proto.js'));
    expect(lazyTablestore(ROOT)).toBe(dir);
    expect(fs.statSync(path.join(dir, 'lib', 'protocol', 'tablestore_compiled_proto.js')).mtimeMs).toBe(stat.mtimeMs);
    expect(dir.startsWith(path.join(ROOT, 'node_modules'))).toBe(true);
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
