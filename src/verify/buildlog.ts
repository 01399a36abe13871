/**
 * Parse `docker build` output into one entry per Dockerfile step: was it a cache hit?
 *
 * - BuildKit (`--progress=plain`): a step is announced as `#N [stage i/n] INSTR` (`#N [i/n] INSTR`
 *   for a single stage) and finishes with `#N CACHED` (hit), `#N DONE 1.2s` (ran), `#N ERROR ...`
 *   or `#N CANCELED`. `[internal] ...` vertices are not steps. A title printed again later (output
 *   interleaving) keeps the first one.
 * - Legacy builder: `Step i/n : INSTR`, then ` ---> Using cache` for a hit.
 */

export type StepStatus = 'base' | 'CACHED' | 'RAN' | 'ERROR' | 'CANCELED' | 'unknown';

export interface BuildStep {
  /** `2/5` or `builder 2/5` (BuildKit), `2/5` (legacy). */
  step: string;
  /** Stage name as BuildKit prints it (`builder`, `stage-1`), or null. */
  stage: string | null;
  /** The instruction as the builder printed it (`RUN apt-get update`). */
  instruction: string;
  status: StepStatus;
  /** Seconds for a step that ran (BuildKit only), else null. */
  seconds: number | null;
}

export interface ParsedLog {
  builder: 'buildkit' | 'legacy' | 'unknown';
  steps: BuildStep[];
}

const LEGACY_STEP = /^Step (\d+\/\d+) : (.*)$/;
const BK_TITLE = /^#(\d+) \[([^\]]+)\] (.*)$/;
const BK_STATE = /^#(\d+) (CACHED|DONE (\d+(?:\.\d+)?)s|ERROR\b.*|CANCELED)\s*$/;

function isFrom(instr: string): boolean {
  return /^FROM\s/i.test(instr);
}

export function parseBuildLog(text: string): ParsedLog {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  if (lines.some((l) => LEGACY_STEP.test(l)))
    return { builder: 'legacy', steps: parseLegacy(lines) };
  if (lines.some((l) => BK_TITLE.test(l)))
    return { builder: 'buildkit', steps: parseBuildKit(lines) };
  return { builder: 'unknown', steps: [] };
}

function parseLegacy(lines: string[]): BuildStep[] {
  const steps: BuildStep[] = [];
  let cur: BuildStep | null = null;
  let cached = false;
  let done = false;
  const finish = () => {
    if (!cur) return;
    if (cur.status !== 'base') cur.status = cached ? 'CACHED' : done ? 'RAN' : 'ERROR';
    steps.push(cur);
  };
  for (const line of lines) {
    const m = LEGACY_STEP.exec(line);
    if (m) {
      finish();
      const instruction = m[2]!.trim();
      cur = {
        step: m[1]!,
        stage: null,
        instruction,
        status: isFrom(instruction) ? 'base' : 'unknown',
        seconds: null,
      };
      cached = false;
      done = false;
      continue;
    }
    if (!cur) continue;
    if (/^ ---> Using cache\s*$/.test(line)) cached = true;
    // ` ---> 1a2b3c4d` (the step's image id) closes a step that ran.
    else if (/^ ---> [0-9a-f]{6,}\s*$/.test(line)) done = true;
  }
  finish();
  return steps;
}

function parseBuildKit(lines: string[]): BuildStep[] {
  const order: string[] = [];
  const titles = new Map<string, { label: string; instruction: string }>();
  const states = new Map<string, string>();
  for (const line of lines) {
    const t = BK_TITLE.exec(line);
    if (t) {
      const [, id, label, instruction] = t;
      if (label!.startsWith('internal') || label === 'auth') continue;
      if (!titles.has(id!)) {
        titles.set(id!, { label: label!, instruction: instruction!.trim() });
        order.push(id!);
      }
      continue;
    }
    const s = BK_STATE.exec(line);
    if (s) states.set(s[1]!, s[2]!);
  }
  return order.map((id) => {
    const { label, instruction } = titles.get(id)!;
    const sm = /^(?:(.*) )?(\d+\/\d+)$/.exec(label);
    const state = states.get(id) ?? '';
    let status: StepStatus;
    let seconds: number | null = null;
    if (isFrom(instruction)) status = 'base';
    else if (state === 'CACHED') status = 'CACHED';
    else if (state.startsWith('DONE')) {
      status = 'RAN';
      seconds = Number(state.slice(5, -1));
    } else if (state.startsWith('ERROR')) status = 'ERROR';
    else if (state === 'CANCELED') status = 'CANCELED';
    else status = 'unknown';
    return { step: label, stage: sm?.[1] ?? null, instruction, status, seconds };
  });
}

/** Steps that executed (not cache hits, not FROM). */
export function rerunSteps(steps: BuildStep[]): BuildStep[] {
  return steps.filter((s) => s.status === 'RAN');
}

/** Steps the cache test counts (every step but FROM). */
export function countedSteps(steps: BuildStep[]): BuildStep[] {
  return steps.filter((s) => s.status !== 'base');
}
