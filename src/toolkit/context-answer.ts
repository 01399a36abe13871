/**
 * One answer a check works out from its build context, marked as such, so that a check whose
 * every such answer is the one it would get without a context counts as a check without one.
 *
 * `contextAnswer(check, none, compute, a, b, c)` is `none` without a context
 * (`!buildContext.available`), else `compute(a, b, c)`. A run that shares checks between
 * contexts (api.ts CheckMemo) does not count what `compute` reads as a read of the context when
 * its answer is `none` itself (`===`): the same check without a context goes the same way (it
 * gets `none` there), so the run without one may take its findings. The contract for a caller:
 * - without a context, `compute` would answer `none` too (or it is never asked: the caller says
 *   so by this call);
 * - an answer `=== none` is the whole of what `compute` tells the rest of the check: whatever it
 *   fills from the context (a per-check cache) is read elsewhere only inside another
 *   `contextAnswer` or after reading `check.buildContext` again (which counts as a read).
 */
import type { CheckContext } from '../model/types.js';

export function contextAnswer<A, B, C, T>(
  check: CheckContext,
  none: T,
  compute: (a: A, b: B, c: C) => T,
  a: A,
  b: B,
  c: C,
): T {
  // (called as a method: a memo's view judges with its own state, see api.ts CheckMemo)
  if (check.judged !== undefined) return check.judged(none, compute, a, b, c);
  return check.buildContext.available ? compute(a, b, c) : none;
}
