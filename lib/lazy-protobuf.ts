import * as fs from 'node:fs';
import * as path from 'node:path';
import { withoutDeprecatedBuffer } from './legacy-buffer';
import { OTS_OPERATIONS, withOnlyMessagesOf } from './tablestore-messages';

/**
 * tablestore ships one 2.7 MB static protobufjs module defining all 259 messages of the service
 * (search, SQL, time series…); building them at load is two thirds of the SDK's cold start.
 * This rewrites each `proto.X = (function() {…})();` into a getter that builds X on first use,
 * so a function pays only for the messages it sends and receives. Before that, the messages of
 * operations no function makes are left out of the staged copy (tablestore-messages.ts).
 *
 * esbuild's synchronous API (which ROS CDK's bundling hook needs) takes no plugins, so the
 * rewritten SDK is staged as a copy under node_modules/.cache and the bundle aliases to it.
 * Each rewrite checks the file's shape and fails the build if an SDK upgrade changes it.
 * The staged copy also loses its deprecated `new Buffer()` calls (legacy-buffer.ts).
 */
const PROTO = path.join('lib', 'protocol', 'tablestore_compiled_proto.js');
const OPEN = /^ {8}proto\.(\w+) = \(function\(\) \{$/gm;
const CLOSE = /^ {8}\}\)\(\);$/gm;
const DEFINE_LAZY =
  'function __defineLazy(o, k, build) {' +
  ' var fix = function (v) { Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true }); return v; };' +
  ' Object.defineProperty(o, k, { enumerable: true, configurable: true, get: function () { return fix(build()); }, set: fix });' +
  ' }';

export function makeDefinitionsLazy(source: string): string {
  const opens = source.match(OPEN)?.length ?? 0;
  const closes = source.match(CLOSE)?.length ?? 0;
  // 259 in the whole file; fewer once tablestore-messages.ts has left some out.
  if (opens === 0 || opens !== closes || !source.includes('\n"use strict";\n')) {
    throw new Error(`lazy-protobuf: unexpected shape of tablestore's compiled proto (${opens} definitions, ${closes} ends); check the tablestore version`);
  }
  return source
    .replace('\n"use strict";\n', `\n"use strict";\n${DEFINE_LAZY}\n`)
    .replace(OPEN, '        __defineLazy(proto, "$1", function() {')
    .replace(CLOSE, '        });');
}

/** Stages the rewritten SDK (once per version) and returns the directory to alias `tablestore` to. */
export function lazyTablestore(projectRoot: string): string {
  const original = path.dirname(require.resolve('tablestore/package.json', { paths: [projectRoot] }));
  const { version } = JSON.parse(fs.readFileSync(path.join(original, 'package.json'), 'utf8')) as { version: string };
  // Inside node_modules, so the copy resolves protobufjs & co. from the project's node_modules.
  // The suffix names the rewrites (and the operations kept): a new one gets a new directory, so no older copy is reused.
  const staged = path.join(projectRoot, 'node_modules', '.cache', 'miniapp', `tablestore-lazy-${version}-buffer-nolong-${OTS_OPERATIONS.join('-')}`);
  if (!fs.existsSync(path.join(staged, PROTO))) {
    const tmp = `${staged}.${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    for (const entry of ['package.json', 'index.js', 'lib']) fs.cpSync(path.join(original, entry), path.join(tmp, entry), { recursive: true });
    fs.writeFileSync(path.join(tmp, PROTO), makeDefinitionsLazy(withOnlyMessagesOf(fs.readFileSync(path.join(original, PROTO), 'utf8'))));
    stageProtobufjs(original, tmp);
    for (const file of fs.readdirSync(path.join(tmp, 'lib'), { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.js')) continue;
      const full = path.join(tmp, 'lib', file);
      const source = fs.readFileSync(full, 'utf8');
      const rewritten = withoutDeprecatedBuffer(source);
      if (rewritten !== source) fs.writeFileSync(full, rewritten);
    }
    fs.rmSync(staged, { recursive: true, force: true });
    fs.renameSync(tmp, staged);
  }
  return staged;
}

/**
 * The staged SDK gets its own copy of protobufjs, found before the project's by Node's resolution,
 * with two reads made deterministic. Its dependencies still resolve from the project.
 * - An empty `bytes` field (a GetRow that finds no row) is read as `new this.buf.constructor(0)`,
 *   which for a Buffer is the deprecated `new Buffer(0)` (DEP0005; see legacy-buffer.ts); it
 *   becomes a zero-length slice like every other.
 * - `util.Long` is looked up at load with a run-time `require("long")` that no bundler can see:
 *   from a function's code it finds whatever `long` the directories above happen to hold (the
 *   project's, locally; FC's own module path, perhaps, in the cloud) and compiles it on every cold
 *   start. It is pinned to none, so int64 fields are plain numbers everywhere. The only int64
 *   fields the kept messages have are TimeRange's (tablestore-messages.ts), which no call sends.
 */
const REWRITES: Array<[file: string, from: string, to: string]> = [
  [path.join('src', 'reader.js'), 'new this.buf.constructor(0)', 'this._slice.call(this.buf, start, end)'],
  [path.join('src', 'util', 'minimal.js'), '|| util.inquire("long");', '|| null;'],
];
function stageProtobufjs(tablestoreDir: string, stagedDir: string): void {
  const original = path.dirname(require.resolve('protobufjs/package.json', { paths: [tablestoreDir] }));
  const copy = path.join(stagedDir, 'node_modules', 'protobufjs');
  // tablestore requires only "protobufjs/minimal" (its src/ and package.json), not the 20 MB of CLI and dist.
  for (const entry of ['package.json', 'minimal.js', 'src']) fs.cpSync(path.join(original, entry), path.join(copy, entry), { recursive: true });
  for (const [file, from, to] of REWRITES) {
    const source = fs.readFileSync(path.join(copy, file), 'utf8');
    if (source.split(from).length !== 2) throw new Error(`lazy-protobuf: protobufjs's ${file} changed shape; check the protobufjs version`);
    fs.writeFileSync(path.join(copy, file), source.replace(from, to));
  }
}
