/**
 * tablestore's compiled proto defines every message of the service, 259 of them, in three
 * namespaces: `main` (tables, rows, batches, transactions, streams, SQL: 94), `filter` (column
 * conditions: 7) and `search` (the search-index API: 158). A function carried all of them, and
 * V8 read them at every cold start, though it sends and receives only the messages of the few
 * operations lambda/shared/ots.ts's `OtsClient` makes (OTS_OPERATIONS below).
 *
 * So the staged SDK keeps only:
 * - each operation's Request and Response message;
 * - `main.Direction`, which the SDK's encoder reads for getRange;
 * - the whole `filter` namespace: the SDK's filter.js reads its enums at load, and every row
 *   condition is encoded through it;
 * - every message those name, followed through their `$root.<namespace>.proto.<Name>` references.
 *
 * Every other message is left out, and each namespace's `proto` is a Proxy over what is kept.
 * Reading a message that was left out throws an Error that names it and says why, instead of a
 * TypeError three calls later, should a function ever make another call. Any other read is an
 * ordinary property read, so a name the SDK never defined still reads as undefined (its encoder
 * reads `filter.proto.FT_COMPOSITE_COLUMN_VALUE` at load, which has never existed), and so do
 * symbols (util.inspect), `then` (await), `toJSON`, `constructor` and the probes test frameworks make.
 */
export const OTS_OPERATIONS = ['GetRow', 'PutRow', 'UpdateRow', 'DeleteRow', 'GetRange'] as const;

const NAMESPACE = /^\$root\.(\w+) = \(function\(\) \{$/gm;
/** A message or enum definition, as makeDefinitionsLazy (lazy-protobuf.ts) also finds them. */
const DEFINITION = /^ {8}proto\.(\w+) = \(function\(\) \{$/gm;
const DEFINITION_END = '\n        })();\n';
const REFERENCE = /\$root\.(\w+)\.proto\.(\w+)/g;
const NAMESPACE_END = '\n        return proto;\n    })();\n';

const KEPT_ONLY =
  'function __keptOnly(proto, namespace, leftOut) {' +
  ' leftOut = new Set(leftOut);' +
  ' return new Proxy(proto, { get: function (target, key, receiver) {' +
  ' if (typeof key === "string" && leftOut.has(key))' +
  ` throw new Error("tablestore message " + namespace + "." + key + " is not in this bundle: lib/tablestore-messages.ts keeps only the messages of ${OTS_OPERATIONS.join(', ')}, the operations lambda/shared/ots.ts makes");` +
  ' return Reflect.get(target, key, receiver); } }); }';

interface Definition {
  id: string; // `<namespace>.<Name>`
  start: number;
  end: number;
  references: string[];
}

const refuse = (why: string): never => {
  throw new Error(`tablestore-messages: unexpected shape of tablestore's compiled proto (${why}); check the tablestore version`);
};

function definitionsOf(source: string): Definition[] {
  const namespaces = Array.from(source.matchAll(NAMESPACE), (m) => ({ name: m[1], at: m.index }));
  return Array.from(source.matchAll(DEFINITION), (m) => {
    const namespace = namespaces.filter((ns) => ns.at < m.index).pop()?.name ?? refuse(`${m[1]} is outside any namespace`);
    const close = source.indexOf(DEFINITION_END, m.index);
    if (close < 0) refuse(`${m[1]} never ends`);
    const end = close + DEFINITION_END.length - 1; // the definition's last line, with its newline
    const body = source.slice(m.index, end);
    return { id: `${namespace}.${m[1]}`, start: m.index, end, references: Array.from(body.matchAll(REFERENCE), (r) => `${r[1]}.${r[2]}`) };
  });
}

/** The ids (`<namespace>.<Name>`) of the messages the operations need, with everything they refer to. */
export function messagesNeeded(source: string, operations: readonly string[] = OTS_OPERATIONS): Set<string> {
  return neededOf(definitionsOf(source), operations);
}

function neededOf(all: Definition[], operations: readonly string[]): Set<string> {
  const definitions = new Map(all.map((d) => [d.id, d]));
  const roots = [
    ...operations.flatMap((op) => [`main.${op}Request`, `main.${op}Response`]),
    'main.Direction',
    ...[...definitions.keys()].filter((id) => id.startsWith('filter.')),
  ];
  const kept = new Set<string>();
  const visit = (id: string): void => {
    if (kept.has(id)) return;
    const definition = definitions.get(id) ?? refuse(`no definition of ${id}`);
    kept.add(id);
    definition.references.forEach(visit);
  };
  roots.forEach(visit);
  return kept;
}

/** The compiled proto with only the messages of `operations` (and what they name), each namespace's `proto` a Proxy over them. */
export function withOnlyMessagesOf(source: string, operations: readonly string[] = OTS_OPERATIONS): string {
  const definitions = definitionsOf(source);
  const namespaces = Array.from(source.matchAll(NAMESPACE), (m) => m[1]);
  const ends = source.split(NAMESPACE_END).length - 1;
  if (definitions.length < 250 || namespaces.join() !== 'main,filter,search' || ends !== namespaces.length || !source.includes('\n"use strict";\n')) {
    refuse(`${definitions.length} definitions in ${namespaces.join(', ')}, ${ends} namespace ends`);
  }
  const kept = neededOf(definitions, operations); // the file is parsed once
  const leftOut = definitions.filter((d) => !kept.has(d.id));
  let out = '';
  let at = 0;
  for (const d of leftOut) {
    out += source.slice(at, d.start);
    at = d.end + 1;
  }
  out += source.slice(at);
  const namesLeftOut = (namespace: string) =>
    JSON.stringify(leftOut.filter((d) => d.id.startsWith(`${namespace}.`)).map((d) => d.id.slice(namespace.length + 1)));
  const [head, ...tails] = out.replace('\n"use strict";\n', `\n"use strict";\n${KEPT_ONLY}\n`).split(NAMESPACE_END);
  // Each namespace's `return proto;` (they come in the order of `namespaces`) returns the Proxy instead.
  return tails.reduce(
    (joined, tail, i) => `${joined}\n        return __keptOnly(proto, "${namespaces[i]}", ${namesLeftOut(namespaces[i])});\n    })();\n${tail}`,
    head,
  );
}
