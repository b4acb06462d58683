/**
 * How FC 2.0 starts the `node` of a Node.js runtime instance: the one platform fact that both the
 * code cache (made at synth for exactly these flags, lib/code-cache.ts) and the local FC (which
 * starts its instances so, local/fc/instance.ts) depend on.
 *
 * The runtime's start script, as published in copies of FC's runtime images (nodejs6, nodejs10
 * and nodejs14_alinode are alike; no nodejs20 copy was found, so it is assumed the same):
 *
 *     exec /var/fc/lang/nodejs10/bin/node --max-old-space-size=$(expr $FC_FUNCTION_MEMORY_SIZE \* 9 / 10 ) \
 *       --max-http-header-size=16384 --expose-gc /var/fc/runtime/nodejs10/bootstrap.js
 *
 * with FC's own comment beside it: "if did not set --max-old-space-size option, boot time will
 * reduce about 50ms". That is V8 at work: any V8 flag off its default (the heap size, --expose-gc)
 * changes V8's flag hash, so V8 rejects the code cache Node ships for its own modules, and every
 * built-in a function loads (crypto, http, stream…) is compiled from source; `crypto` takes about
 * 13 ms instead of 6 here. It rejects our bundle's cache for the same reason if the flags differ,
 * which is why this is one function: `--expose-gc` alone makes a cache made without it useless.
 * `--max-http-header-size` is Node's, not V8's: it limits the headers of every HTTP message the
 * process reads, the answers of Tablestore, STS and Alipay included.
 */
export const fcNodeFlags = (memoryMB: number): string[] => [
  `--max-old-space-size=${Math.floor((memoryMB * 9) / 10)}`,
  '--max-http-header-size=16384',
  '--expose-gc',
];

/** FC's memory when a function sets none (fc.Function's default, and the local FC's). */
export const DEFAULT_MEMORY_MB = 128;
