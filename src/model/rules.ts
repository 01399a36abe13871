/**
 * Rule ids and the rule catalogue. A rule id is `<transform-id>/<kind>`; a transform declares its
 * rules in `meta.rules` (RuleMeta). Every place that takes a rule id from the user (`--only`,
 * `--skip`, the config's `rules`, `# dockerfile-optimizer ignore=`) checks it with `ruleIdProblem`,
 * so a typo is an error with a did-you-mean instead of a silently ignored filter.
 * A transform without a catalogue yet accepts any `<its id>/<kind>`.
 */
import type { RuleMeta, Transform, TransformMeta } from './types.js';

/** The transform part of a rule id (`package-hygiene/apt-list-cleanup` -> `package-hygiene`). */
export function transformIdOf(ruleId: string): string {
  const slash = ruleId.indexOf('/');
  return slash < 0 ? ruleId : ruleId.slice(0, slash);
}

/** A transform with its rules: its catalogue, or null when it has not declared one yet. */
export interface CatalogueEntry {
  meta: TransformMeta;
  rules: readonly RuleMeta[] | null;
}

export function ruleCatalogue(transforms: readonly Transform[]): CatalogueEntry[] {
  return transforms.map((t) => ({ meta: t.meta, rules: t.meta.rules ?? null }));
}

/** The catalogue entry of a rule id, or null (unknown, or its transform has no catalogue). */
export function ruleMeta(transforms: readonly Transform[], ruleId: string): RuleMeta | null {
  const t = transforms.find((x) => x.meta.id === transformIdOf(ruleId));
  return t?.meta.rules?.find((r) => r.id === ruleId) ?? null;
}

/** Levenshtein distance (small strings only). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(
        prev[j]! + 1,
        cur[j - 1]! + 1,
        prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest candidate to a misspelled id, or null when none is close. */
export function didYouMean(id: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(id.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  // Close enough: a third of the longer string (a typo or two), or the kind alone given.
  const kindOnly = candidates.filter((c) => c.slice(c.indexOf('/') + 1) === id);
  if (kindOnly.length === 1) return kindOnly[0]!;
  return best !== null && bestD <= Math.max(2, Math.floor(Math.max(id.length, best.length) / 3))
    ? best
    : null;
}

/** Every id a user may name: each transform id and each catalogued rule id. */
export function knownRuleIds(transforms: readonly Transform[]): string[] {
  return transforms.flatMap((t) => [t.meta.id, ...(t.meta.rules ?? []).map((r) => r.id)]);
}

/**
 * Why `id` names no rule of `transforms` (`unknown rule "x" (did you mean "y"?)`), or null when
 * it is a transform id, a catalogued rule id, or `<id>/<kind>` of a transform without catalogue.
 */
export function ruleIdProblem(transforms: readonly Transform[], id: string): string | null {
  const t = transforms.find((x) => x.meta.id === transformIdOf(id));
  if (t && (id === t.meta.id || !t.meta.rules || t.meta.rules.some((r) => r.id === id)))
    return null;
  const suggestion = didYouMean(id, knownRuleIds(transforms));
  if (suggestion) return `unknown rule "${id}" (did you mean "${suggestion}"?)`;
  if (t)
    return `unknown rule "${id}" (${t.meta.id} has: ${t.meta.rules!.map((r) => r.id).join(', ')})`;
  const ids = transforms.map((x) => x.meta.id);
  return `unknown rule "${id}" (known: ${ids.join(', ') || 'none'})`;
}

/** The config file's rule check (`rules` keys): true, or why the id is unknown. One for the CLI
 * session and the language server. */
export function configRuleCheck(transforms: readonly Transform[]) {
  return (id: string): boolean | string => {
    if (!ruleIdProblem(transforms, id)) return true;
    const s = didYouMean(id, knownRuleIds(transforms));
    return s ? `unknown rule (did you mean "${s}"?)` : false;
  };
}
