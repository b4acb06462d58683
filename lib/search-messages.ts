/**
 * tablestore's compiled proto defines three namespaces: `main` (tables and rows), `filter` (column
 * conditions) and `search` (the search-index API: 158 of its 259 messages, 62% of the 2.7 MB file).
 * Every cold start reads and carries the search text, though nothing uses it: main and filter never
 * name `$root.search` (checked here), and the SDK's encoder and decoder only keep a reference to
 * `search.proto` at load, then touch its messages inside the search-index calls (search,
 * createSearchIndex, listSearchIndex, describeSearchIndex, updateSearchIndex, deleteSearchIndex,
 * computeSplits, parallelScan), which no function makes: lambda/shared/ots.ts's `OtsClient`
 * offers getRow, putRow, updateRow, deleteRow and getRange only.
 *
 * So the staged copy's `search.proto` is an empty object behind a Proxy: reading a message or enum
 * from it (all 158 are named with a capital, checked here) throws an Error that says why, instead
 * of a TypeError three calls later, should a function ever call the search API.
 * Any other read is an ordinary property read: symbols (util.inspect, Symbol.toPrimitive), `then`
 * (await of a value holding it), `toJSON` (JSON.stringify), `__esModule` (module interop),
 * `constructor` and the rest of Object.prototype, and the probes test frameworks make.
 */
const NAMESPACE = '\n$root.search = (function() {\n';
const PROTO = '\n    search.proto = (function() {\n';
const END = '\n        return proto;\n    })();\n\n    return search;\n})();\n\nmodule.exports = $root;\n';
/** A message or enum of the namespace, as makeDefinitionsLazy (lazy-protobuf.ts) finds them. */
const DEFINITION = /^ {8}proto\.(\w+) = \(function\(\) \{$/gm;
const LEFT_OUT =
  '\n    search.proto = new Proxy({}, {\n' +
  '        get: function(target, key, receiver) {\n' +
  '            if (typeof key !== "string" || !/^[A-Z]/.test(key)) return Reflect.get(target, key, receiver);\n' +
  '            throw new Error("tablestore search message " + key + " is not in this bundle: lib/search-messages.ts leaves the search API out; no function calls it");\n' +
  '        }\n' +
  '    });\n' +
  '\n    return search;\n})();\n\nmodule.exports = $root;\n';

/** The compiled proto with the search namespace's messages left out (its `search.proto` a throwing Proxy). */
export function withoutSearchMessages(source: string): string {
  const namespace = source.indexOf(NAMESPACE);
  const proto = source.indexOf(PROTO);
  const names = Array.from(source.slice(proto).matchAll(DEFINITION), (m) => m[1]);
  const shaped =
    namespace > 0 &&
    source.lastIndexOf(NAMESPACE) === namespace &&
    proto > namespace &&
    source.lastIndexOf(PROTO) === proto &&
    source.endsWith(END) &&
    names.length > 0 &&
    names.every((name) => /^[A-Z]/.test(name)) &&
    !source.slice(0, namespace).includes('$root.search');
  if (!shaped) {
    throw new Error(
      "search-messages: unexpected shape of tablestore's compiled proto (its last namespace is not `$root.search`, " +
        'main or filter refer to it, or a search message is not named with a capital); check the tablestore version',
    );
  }
  return source.slice(0, proto) + LEFT_OUT;
}
