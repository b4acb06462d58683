import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * tablestore ships one 2.7 MB static protobufjs module defining all 259 messages of the service
 * (search, SQL, time series…); building them at load is two thirds of the SDK's cold start.
 * This rewrites each `proto.X = (function() {…})();` into a getter that builds X on first use,
 * so a function pays only for the messages it sends and receives. Nothing is removed: every
 * message is still there, just defined when first touched.
 *
 * esbuild's synchronous API (which ROS CDK's bundling hook needs) takes no plugins, so the
 * rewritten SDK is staged as a copy under node_modules/.cache and the bundle aliases to it.
 * The rewrite checks the file's shape and fails the build if an SDK upgrade changes it.
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
  if (opens < 100 || opens !== closes || !source.includes('\n"use strict";\n')) {
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
  const staged = path.join(projectRoot, 'node_modules', '.cache', 'miniapp', `tablestore-lazy-${version}`);
  if (!fs.existsSync(path.join(staged, PROTO))) {
    const tmp = `${staged}.${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    for (const entry of ['package.json', 'index.js', 'lib']) fs.cpSync(path.join(original, entry), path.join(tmp, entry), { recursive: true });
    fs.writeFileSync(path.join(tmp, PROTO), makeDefinitionsLazy(fs.readFileSync(path.join(original, PROTO), 'utf8')));
    fs.rmSync(staged, { recursive: true, force: true });
    fs.renameSync(tmp, staged);
  }
  return staged;
}
