// @ts-check
'use strict';
/**
 * Makes the V8 code cache of a function bundle: `node <instance flags> code-cache-producer.js <bundle.js> <out>`.
 * Run by lib/code-cache.ts at synth, in a child process of the same node as synth, with the V8 flags
 * the function's instances run with (V8 rejects a cache made under other flags) and an empty
 * environment.
 *
 * The cache is taken after the bundle's top level has run, so it holds the functions compiled while
 * loading, not only those V8 compiles eagerly. Without the function's environment the top level
 * stops where the function reads its config (lambda/<fn>/config.ts, requireEnv): that read is the
 * entry's first statement after every module it imports has loaded, so the load is covered all the
 * same; a fake environment would have to follow each function's config for no gain (measured).
 * Whatever the top level throws is expected; the cache is taken either way.
 *
 * No network: module scope does no I/O (house style), and here any attempt fails at once, before a
 * socket or a DNS query exists. The process exits as soon as the cache is written, so nothing the
 * top level scheduled ever runs.
 */
const fs = require('node:fs');
const net = require('node:net');
const dns = require('node:dns');
const path = require('node:path');
const vm = require('node:vm');
const { Module, createRequire } = require('node:module');

const noNetwork = () => {
  throw new Error('no network while making a code cache');
};
net.Socket.prototype.connect = noNetwork;
dns.lookup = noNetwork;
dns.promises.lookup = noNetwork;

// The wrapper and compile options of lib/code-cache-loader.js, exactly: V8 checks a cache against the source's length.
const HEAD = '(function (exports, require, module, __filename, __dirname) {';
const TAIL = '\n})';

const [file, out] = process.argv.slice(2).map((p) => path.resolve(p));
const source = fs.readFileSync(file, 'latin1'); // as the loader reads it
const script = new vm.Script(HEAD + source + TAIL, { filename: file, columnOffset: -HEAD.length });
const bundle = new Module(file, module);
bundle.filename = file;
let topLevel = 'ran';
try {
  script.runInThisContext().call(bundle.exports, bundle.exports, createRequire(file), bundle, file, path.dirname(file));
} catch (e) {
  topLevel = `threw ${e instanceof Error ? e.message : String(e)}`;
}
fs.writeFileSync(out, script.createCachedData());
process.stdout.write(`${JSON.stringify({ topLevel })}\n`);
process.exit(0);
