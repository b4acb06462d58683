/**
 * Column conditions (writes) and column filters (reads): the `filter.proto` tree the SDK sends
 * in `Condition.column_condition` / `*Request.filter`, decoded and evaluated against a row.
 */
import { parameterInvalid } from './errors';
import { checkAttributeValueLength } from './limits';
import { decodeVariant, type Value } from './plainbuffer';
import { Comparator, FilterType, LogicalOperator, pb } from './proto';
import { compareValues } from './values';

export type ColumnFilter =
  | {
      kind: 'single';
      comparator: number;
      column: string;
      value: Value;
      passIfMissing: boolean;
      latestVersionOnly: boolean;
    }
  | { kind: 'composite'; operator: number; subs: ColumnFilter[] }
  | { kind: 'pagination'; offset: number; limit: number };

/** Visible versions of one column, newest first. */
export interface VersionedValue {
  timestamp: number;
  value: Value;
}
export type ColumnView = ReadonlyMap<string, readonly VersionedValue[]>;

const decodeOr = <T>(fn: () => T, message: string): T => {
  try {
    return fn();
  } catch {
    throw parameterInvalid(message);
  }
};

export function decodeFilter(bytes: Uint8Array): ColumnFilter {
  const f = decodeOr(() => pb.Filter.decode(bytes), 'Deserialize filter failed.');
  switch (f.type) {
    case FilterType.SINGLE: {
      const s = decodeOr(() => pb.SingleColumnValueFilter.decode(f.filter), 'Deserialize relation filter failed.');
      if (s.comparator < Comparator.EQUAL || s.comparator > Comparator.LESS_EQUAL) {
        throw parameterInvalid(`Invalid relation operator: ${s.comparator}.`);
      }
      const value = decodeVariant(s.columnValue);
      checkAttributeValueLength(s.columnName, value);
      return {
        kind: 'single',
        comparator: s.comparator,
        column: s.columnName,
        value,
        passIfMissing: !s.filterIfMissing,
        latestVersionOnly: s.latestVersionOnly,
      };
    }
    case FilterType.COMPOSITE: {
      const c = decodeOr(() => pb.CompositeColumnValueFilter.decode(f.filter), 'Deserialize composite filter failed.');
      const subs = c.subFilters.map((sf) => decodeFilter(pb.Filter.encode(sf).finish()));
      if (c.combinator === LogicalOperator.NOT) {
        if (subs.length !== 1) throw parameterInvalid('Invalid NOT operator: the number of sub-filters must be 1.');
      } else if (c.combinator === LogicalOperator.AND || c.combinator === LogicalOperator.OR) {
        if (subs.length < 2) throw parameterInvalid('Invalid AND/OR operator: the number of sub-filters must be 2.');
      } else {
        throw parameterInvalid(`Invalid relation operator: ${c.combinator}.`);
      }
      if (subs.some((s) => s.kind === 'pagination')) throw parameterInvalid('Invalid type of sub-filter: pagination.');
      return { kind: 'composite', operator: c.combinator, subs };
    }
    case FilterType.PAGINATION: {
      const p = decodeOr(() => pb.ColumnPaginationFilter.decode(f.filter), 'Deserialize column pagination filter failed.');
      if (p.offset < 0) throw parameterInvalid('Offset in ColumnPaginationFilter must be greater than or equal to 0.');
      if (p.limit <= 0) throw parameterInvalid('Limit in ColumnPaginationFilter must be greater than 0.');
      return { kind: 'pagination', offset: p.offset, limit: p.limit };
    }
    default:
      throw parameterInvalid(`Invalid type of filter: ${f.type}.`);
  }
}

function compareBy(comparator: number, actual: Value, expected: Value): boolean {
  const c = compareValues(actual, expected);
  // Values of different types are never equal and never ordered (so only NOT_EQUAL passes).
  if (c === undefined) return comparator === Comparator.NOT_EQUAL;
  switch (comparator) {
    case Comparator.EQUAL:
      return c === 0;
    case Comparator.NOT_EQUAL:
      return c !== 0;
    case Comparator.GREATER_THAN:
      return c > 0;
    case Comparator.GREATER_EQUAL:
      return c >= 0;
    case Comparator.LESS_THAN:
      return c < 0;
    default:
      return c <= 0;
  }
}

/** Evaluates a condition/filter on a row's visible columns (an absent row is an empty view). */
export function evaluate(f: ColumnFilter, columns: ColumnView): boolean {
  switch (f.kind) {
    case 'pagination':
      return true; // shapes the returned columns; never excludes a row
    case 'composite':
      if (f.operator === LogicalOperator.NOT) return !evaluate(f.subs[0], columns);
      if (f.operator === LogicalOperator.AND) return f.subs.every((s) => evaluate(s, columns));
      return f.subs.some((s) => evaluate(s, columns));
    case 'single': {
      const versions = columns.get(f.column);
      if (!versions || versions.length === 0) return f.passIfMissing;
      const candidates = f.latestVersionOnly ? versions.slice(0, 1) : versions;
      return candidates.some((v) => compareBy(f.comparator, v.value, f.value));
    }
  }
}
