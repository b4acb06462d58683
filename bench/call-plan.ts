/**
 * The order in which a function makes its upstream calls, as data: a `sequence` runs its steps one
 * after the other (each needs the answer of the one before), `parallel` runs them at once. The
 * login floor (bench/floors/login.js) runs exactly this plan, so its latency is the plan's critical
 * path: the sum along a sequence, the slowest branch of a parallel.
 */
export type CallPlan = UpstreamCall | { sequence: CallPlan[] } | { parallel: CallPlan[] };

/** The upstream calls the login floor knows how to make raw (bench/floors/login.js `STEPS`), named as the functions' cold trace names them. */
export type UpstreamCall = 'alipay.oauth' | 'ots.GetRow' | 'ots.PutRow' | 'sts.AssumeRole';

export const sequence = (...steps: CallPlan[]): CallPlan => ({ sequence: steps });
export const parallel = (...steps: CallPlan[]): CallPlan => ({ parallel: steps });

/**
 * Login's upstream calls as lambda/session/index.ts makes them today: Alipay vouches for the
 * authCode first (nothing reaches STS for a made-up code); then STS AssumeRole (which does not
 * depend on the account) runs while the alias row is read (accounts table, `user_id:<id>`) and
 * the session row is written with the account it names. So the floor is
 * alipay + max(AssumeRole, GetRow + PutRow). When login's order changes, change this line: the
 * floor follows.
 */
export const LOGIN_PLAN: CallPlan = sequence('alipay.oauth', parallel('sts.AssumeRole', sequence('ots.GetRow', 'ots.PutRow')));

/** `alipay.oauth → (sts.AssumeRole ∥ ots.GetRow → ots.PutRow)`: `→` binds tighter than `∥`. */
export function describePlan(plan: CallPlan): string {
  if (typeof plan === 'string') return plan;
  if ('sequence' in plan) return plan.sequence.map(describePlan).join(' → ');
  const text = plan.parallel.map(describePlan).join(' ∥ ');
  return plan.parallel.length > 1 ? `(${text})` : text;
}

/** One upstream call as a function's cold trace reports it (lambda/shared/cold-trace.ts): `at` is when it started. */
export interface TracedCall {
  call: string;
  at?: number;
  ms: number;
}

/** `at` and `ms` are rounded to 0.1 ms, so a call may appear to start up to 0.2 ms before the one it waited for ended. */
const ROUNDING_MS = 0.2;

/**
 * Whether calls a function really made (a cold trace, with start times) follow `plan`: every step
 * of a sequence starts only after the step before it has ended, and every call of the plan was made
 * and no other. Answers what does not fit, or undefined when all does (or when the trace has no
 * start times to tell by). Each name in the plan takes the first call of that name not yet taken.
 */
export function planMismatch(plan: CallPlan, calls: readonly TracedCall[]): string | undefined {
  if (calls.some((c) => c.at === undefined)) return undefined;
  const taken = new Set<number>();
  type Span = { start: number; end: number };
  const span = (p: CallPlan): Span | string => {
    if (typeof p === 'string') {
      const i = calls.findIndex((c, j) => !taken.has(j) && c.call === p);
      if (i < 0) return `${p} was not called`;
      taken.add(i);
      return { start: calls[i].at!, end: calls[i].at! + calls[i].ms };
    }
    const steps = 'sequence' in p ? p.sequence : p.parallel;
    const spans: Span[] = [];
    for (const step of steps) {
      const s = span(step);
      if (typeof s === 'string') return s;
      spans.push(s);
    }
    if ('sequence' in p) {
      for (let k = 1; k < spans.length; k++) {
        if (spans[k].start < spans[k - 1].end - ROUNDING_MS) return `${describePlan(steps[k])} started before ${describePlan(steps[k - 1])} had ended`;
      }
    }
    return { start: Math.min(...spans.map((s) => s.start)), end: Math.max(...spans.map((s) => s.end)) };
  };
  const whole = span(plan);
  if (typeof whole === 'string') return whole;
  const others = calls.filter((_, j) => !taken.has(j)).map((c) => c.call);
  return others.length > 0 ? `it also made ${others.join(', ')}` : undefined;
}
