/**
 * Inline control comments:
 *   # dockerfile-optimizer ignore=rule[,rule]   (comment block right above an instruction)
 *   # dockerfile-optimizer disable-file
 *   # hadolint ignore=DL3009,DL3015              (fixes that map to those hadolint ids)
 *   # hadolint global ignore=DL3009              (the whole file)
 * A rule is a transform id (`package-hygiene`) or a rule id (`package-hygiene/apt-list-cleanup`).
 */
import { transformIdOf } from '../model/rules.js';
import type { DockerfileModel, Fix, Instruction } from '../model/types.js';

export interface Suppressions {
  fileDisabled: boolean;
  /** hadolint ids ignored for the whole file. */
  globalHadolint: Set<string>;
  /** Instruction index -> ids from the comment block right above it. */
  rules: Map<number, Set<string>>;
  hadolint: Map<number, Set<string>>;
  /** Every id named by an `ignore=` comment, with its 0-based line (to check against the
   * catalogue). */
  named: { id: string; line: number }[];
}

const OURS = /^#\s*dockerfile-optimizer\s+(.*)$/;
const HADOLINT = /^#\s*hadolint\s+(global\s+)?ignore\s*=\s*([A-Za-z0-9_,\s-]+)$/;

function ids(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function readSuppressions(model: DockerfileModel): Suppressions {
  const s: Suppressions = {
    fileDisabled: false,
    globalHadolint: new Set(),
    rules: new Map(),
    hadolint: new Map(),
    named: [],
  };
  // (every control comment holds `dockerfile-optimizer` or `hadolint`, as OURS and HADOLINT
  // require, and only the comments' texts are read below: a Dockerfile whose comments hold
  // neither word, as most do, has none; a look at each comment instead of a map of them and two
  // regexps per comment, in every pass of every run)
  const { text, comments } = model;
  const control = (c: (typeof comments)[number]) => {
    const t = text.slice(c.span.start, c.span.end);
    return t.includes('hadolint') || t.includes('dockerfile-optimizer');
  };
  if (!comments.some(control)) return s;
  // Comment text per line (full-line comments only).
  const byLine = new Map<number, string>();
  for (const c of model.comments)
    byLine.set(c.line, model.text.slice(c.span.start, c.span.end).trim());
  for (const [, text] of byLine) {
    const ours = OURS.exec(text);
    if (ours && /^disable-file\b/.test(ours[1]!.trim())) s.fileDisabled = true;
    const h = HADOLINT.exec(text);
    if (h && h[1]) for (const id of ids(h[2]!)) s.globalHadolint.add(id.toUpperCase());
  }
  for (const instr of model.instructions) {
    let line = instr.line - 1;
    while (line >= 0 && byLine.has(line)) {
      const text = byLine.get(line)!;
      const ours = OURS.exec(text);
      const ignore = ours ? /^ignore\s*=\s*(.+)$/.exec(ours[1]!.trim()) : null;
      if (ignore) {
        add(s.rules, instr.index, ids(ignore[1]!));
        for (const id of ids(ignore[1]!)) s.named.push({ id, line });
      }
      const h = HADOLINT.exec(text);
      if (h && !h[1])
        add(
          s.hadolint,
          instr.index,
          ids(h[2]!).map((x) => x.toUpperCase()),
        );
      line--;
    }
  }
  return s;
}

function add(map: Map<number, Set<string>>, key: number, values: string[]): void {
  const set = map.get(key) ?? new Set<string>();
  for (const v of values) set.add(v);
  map.set(key, set);
}

/** Hadolint ids a fix stands for: its explicit list, else the DLxxxx ids its message cites. */
export function hadolintIds(fix: Fix): string[] {
  return fix.hadolint ?? [...fix.message.matchAll(/\bDL\d{4}\b/g)].map((m) => m[0]);
}

/** Instructions a fix touches: the one it is reported at and every one its edits change.
 * (Instructions are in text order: a binary search finds the candidates of each position.) */
function touched(model: DockerfileModel, fix: Fix): Instruction[] {
  const list = model.instructions;
  const hit = (i: Instruction) => {
    if (fix.at >= i.span.start && fix.at <= i.span.end) return true;
    return fix.edits.some(
      (e) =>
        !e.file &&
        (e.start === e.end
          ? e.start > i.span.start && e.start < i.span.end
          : e.start < i.span.end && e.end > i.span.start),
    );
  };
  /** Index of the last instruction starting at or before `pos` (-1: none). */
  const lastStartingBy = (pos: number) => {
    let lo = 0;
    let hi = list.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.span.start <= pos) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
  const candidates = new Set<number>();
  const around = (start: number, end: number) => {
    // An instruction ending exactly at `start` can still hold `at` (inclusive end).
    let k = Math.max(0, lastStartingBy(start) - 1);
    for (; k < list.length && list[k]!.span.start <= end; k++) candidates.add(k);
  };
  around(fix.at, fix.at);
  for (const e of fix.edits) if (!e.file) around(e.start, e.end);
  return [...candidates]
    .sort((a, b) => a - b)
    .map((k) => list[k]!)
    .filter(hit);
}

/** The first `ignore=` id that names no rule (`line 3: unknown rule "x" ...`), or null. `all`
 * is always known. */
export function unknownIgnored(
  s: Suppressions,
  problem: (id: string) => string | null,
): string | null {
  for (const { id, line } of s.named) {
    const p = id === 'all' ? null : problem(id);
    if (p) return `line ${line + 1}: # dockerfile-optimizer ignore=: ${p}`;
  }
  return null;
}

/** Why a fix is suppressed, or null. */
export function suppressedBy(model: DockerfileModel, s: Suppressions, fix: Fix): string | null {
  if (s.fileDisabled) return '# dockerfile-optimizer disable-file';
  // (no control comment at all, as in most Dockerfiles: every answer below needs an id in one of
  // these, so the fix's hadolint ids and the instructions it touches need not be worked out)
  if (s.globalHadolint.size === 0 && s.rules.size === 0 && s.hadolint.size === 0) return null;
  const transform = transformIdOf(fix.ruleId);
  const dl = hadolintIds(fix);
  for (const id of dl) if (s.globalHadolint.has(id)) return `# hadolint global ignore=${id}`;
  for (const i of touched(model, fix)) {
    const rules = s.rules.get(i.index);
    if (rules && (rules.has(fix.ruleId) || rules.has(transform) || rules.has('all'))) {
      return `# dockerfile-optimizer ignore=${rules.has(fix.ruleId) ? fix.ruleId : rules.has(transform) ? transform : 'all'} above line ${i.line + 1}`;
    }
    const h = s.hadolint.get(i.index);
    if (h)
      for (const id of dl) if (h.has(id)) return `# hadolint ignore=${id} above line ${i.line + 1}`;
  }
  return null;
}
