// @ts-check
'use strict';
/**
 * A function's entry point, `index.js` (the handler `index.handler`), copied as is into each code
 * asset by lib/code-cache.ts. It loads the function's real code, `bundle.js`, with the V8 code cache
 * `bundle.cache` that synth made for it, so a cold start skips most of the bundle's compilation.
 *
 * V8 takes a cache only from the same V8 version, made under the same V8 flags, for a source of the
 * same length. A missing or unreadable cache, or one V8 rejects (another Node in the runtime, other
 * flags, corrupt bytes), only costs the speed-up: V8 then compiles the bundle as `require` would.
 *
 * The bundle runs as a CommonJS module of its own, as `require('./bundle.js')` would run it, with
 * two differences that do not show: it is not in `require.cache`, and its exports object is this
 * module's too (same object, so `handler`, `initializer`, any export, are the bundle's own).
 * How the load went is left on globalThis, under `Symbol.for('miniapp.codeCache')`.
 */
// Not performance.now(): the first touch of the `performance` global loads perf_hooks (about 2 ms).
const now = () => Number(process.hrtime.bigint()) / 1e6;
const started = now();
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
// The CommonJS Module class, as this very module's constructor: require('node:module') would load
// the ES module loader and source maps with it (about 2 ms under FC's flags, lib/fc-runtime.ts).
const Module = /** @type {typeof import('node:module').Module} */ (module.constructor);
const { createRequire } = Module;

// Node's CommonJS wrapper, spelled out rather than Module.wrap(): the same text the cache was made
// from (lib/code-cache-producer.js), and no "use strict" (the bundle must run sloppy: lib/bundle.ts).
const HEAD = '(function (exports, require, module, __filename, __dirname) {';
const TAIL = '\n})';

const file = path.join(__dirname, 'bundle.js');
// latin1, not utf8: the bundle is ASCII (lib/code-cache.ts refuses one that is not), so both read
// the same text, and decoding latin1 takes about 1.5 ms less for the db bundle's 266 KB.
const source = fs.readFileSync(file, 'latin1');
/** @type {Buffer | undefined} */
let cachedData;
try {
  cachedData = fs.readFileSync(path.join(__dirname, 'bundle.cache'));
} catch {
  cachedData = undefined; // no cache: V8 compiles the bundle as usual
}
// Stack traces name bundle.js, and columnOffset keeps its first line's columns those of the file.
const script = new vm.Script(HEAD + source + TAIL, { filename: file, columnOffset: -HEAD.length, cachedData });
const bundle = new Module(file, module);
bundle.filename = file;
bundle.paths = module.paths;
script.runInThisContext().call(bundle.exports, bundle.exports, createRequire(file), bundle, file, __dirname);
bundle.loaded = true;
module.exports = bundle.exports;

// How the load went, for whoever runs the function: its first request's log line (lambda/shared/cold-trace.ts),
// so the real runtime's logs tell whether its V8 took the cache, and local/fc/runtime.js.
const codeCache = { status: cachedData === undefined ? 'absent' : script.cachedDataRejected ? 'rejected' : 'accepted', loadMs: now() - started };
Object.defineProperty(globalThis, Symbol.for('miniapp.codeCache'), { value: codeCache, configurable: true });
