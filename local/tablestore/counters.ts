/**
 * Atomic counters (UpdateRow INCREMENT cells) and what a write may ask to get back. The service's
 * rules, each with its source:
 *
 * - Usage notes of "Use the atomic counter feature",
 *   https://www.alibabacloud.com/help/en/tablestore/developer-reference/configure-atomic-counter-by-using-nodejs-sdk
 *   (the same list on the Java, Go, Python, PHP and .NET pages): a counter only on INTEGER columns, an absent one
 *   counts as 0 (both table.ts); an integer overflow is OTSParameterInvalid; "You cannot specify a column as an
 *   atomic counter and update the column in a single update request ... you cannot perform other operations such
 *   as overwrite and delete operations on the column at the same time"; the counter's value is returned only
 *   when asked for.
 * - ReturnType, https://www.alibabacloud.com/help/doc-detail/50586.htm: RT_AFTER_MODIFY returns the column values
 *   after the change, for reading a counter's post-increment value in the same request.
 * - What exactly comes back: the Java SDK's function test against the service, aliyun/aliyun-tablestore-java-sdk
 *   tablestore/src/test/java/com/alicloud/openservices/tablestore/functiontest/IncrementRequest.java
 *   (testReturnColumnNames). With RT_AFTER_MODIFY only the named counters come back (a counter incremented but not
 *   named does not); naming a column the request PUTs, or one it does not touch, fails the request, and so does
 *   naming any column with RT_PK; a failed request writes nothing.
 *
 * The service's wording of these errors is not published; the messages here are ours, the code is the one the
 * service answers for every malformed request (OTSParameterInvalid).
 */
import { parameterInvalid } from './errors';
import type { DecodedCell } from './plainbuffer';
import { ReturnType } from './proto';
import type { ReturnSpec } from './table';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The columns a request increments; throws if one of them is also put or deleted by it. */
export function counterColumns(cells: DecodedCell[]): Set<string> {
  const counters = new Set(cells.filter((c) => c.op === 'INCREMENT').map((c) => c.name));
  for (const c of cells) {
    if (c.op !== 'INCREMENT' && counters.has(c.name)) {
      throw parameterInvalid(`Column ${c.name} is an atomic counter in this request and cannot also be updated or deleted by it.`);
    }
  }
  return counters;
}

/** Checks the return content against the columns the request increments (none for PutRow and DeleteRow). */
export function checkReturnColumns(ret: ReturnSpec | undefined, counters: ReadonlySet<string>): void {
  if (!ret || ret.columns.length === 0) return;
  if (ret.type !== ReturnType.RT_AFTER_MODIFY) throw parameterInvalid('Return columns can only be given with return type RT_AFTER_MODIFY.');
  for (const name of ret.columns) {
    if (!counters.has(name)) throw parameterInvalid(`Return column ${name} is not an atomic counter of this request.`);
  }
}

/** A counter's new value; an Int64 overflow is refused, never wrapped. */
export function incremented(current: bigint, delta: bigint): bigint {
  const next = current + delta;
  if (next < INT64_MIN || next > INT64_MAX) throw parameterInvalid(`Integer overflow: ${current} + ${delta} does not fit in 64 bits.`);
  return next;
}
