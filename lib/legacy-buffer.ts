/**
 * tablestore 5.x builds buffers with `new Buffer(…)` and `new TableStore.util.Buffer(…)`, deprecated since Node 10 (DEP0005). The first
 * such call in a process raises a DeprecationWarning, and emitting it costs a cold start about 10 ms
 * (the warning's stack, and in the real runtime a stderr stream opened to print it) besides a line
 * of noise in the function's log. This rewrites each call to what Node itself does for it:
 * `Buffer.alloc(n)` for a size (zero-filled, as `new Buffer(n)` has been since Node 8), else
 * `Buffer.from(…)` with the same arguments.
 */
// Also through the SDK's own alias, `TableStore.util.Buffer` (Node's Buffer).
const CALL = /\bnew (?:TableStore\.util\.)?Buffer\(/g;
const HELPER =
  '\nfunction __legacyBuffer(value, encodingOrOffset, length) {' +
  " return typeof value === 'number' ? Buffer.alloc(value) : Buffer.from(value, encodingOrOffset, length); }\n";

/** The module's source with every such call replaced, and the helper (a hoisted declaration) appended; unchanged if it has none. */
export function withoutDeprecatedBuffer(source: string): string {
  if (!CALL.test(source)) return source;
  return source.replace(CALL, '__legacyBuffer(') + HELPER;
}
