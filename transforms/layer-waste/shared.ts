/**
 * What the layer-waste rules share: the RUNs of a stage read as plain `&&` chains, image paths of
 * shell words, "does this instruction name that path", and the author-style RUN edits (append a
 * command, drop one, join two adjacent RUNs).
 */
import { normalizePosix } from '../../src/model/dockerfile.js';
import { commandBase } from '../../src/model/shell.js';
import { indentOfLine, lineEnd } from '../../src/model/text.js';
import { indentOf } from '../../src/toolkit/edits.js';
import { copyDestination, copySpec } from '../../src/toolkit/copy.js';
import type {
  CheckContext,
  DockerfileModel,
  Edit,
  Finding,
  Fix,
  Instruction,
  SimpleCommand,
  Stage,
  Word,
} from '../../src/model/types.js';
import { STATEFUL } from '../../src/toolkit/commands.js';

export const ID = 'layer-waste';
export const rule = (kind: string) => `${ID}/${kind}`;

export interface Ctx {
  model: DockerfileModel;
  check: CheckContext;
  out: Finding[];
}

export function fix(c: Ctx, kind: string, at: Instruction, f: Omit<Fix, 'ruleId' | 'at'>): void {
  c.out.push({ ruleId: rule(kind), at: at.span.start, ...f });
}

export function skip(c: Ctx, kind: string, at: Instruction, reason: string): void {
  c.out.push({ ruleId: rule(kind), reason, at: at.span.start });
}

export const line = (i: Instruction) => i.line + 1;

/** A RUN read as one `&&` chain of simple commands, or why it is not one. */
export type Chain = { cmds: SimpleCommand[]; stateful: boolean } | { why: string };

export function chainOf(instr: Instruction): Chain {
  if (instr.keyword !== 'RUN') return { why: 'not a RUN' };
  if (instr.heredocs.length > 0)
    return { why: `the RUN on line ${line(instr)} is a heredoc script` };
  if (instr.json || !instr.shell) return { why: `the RUN on line ${line(instr)} is in exec form` };
  const sh = instr.shell;
  if (!sh.ok) return { why: `the shell parser cannot read the RUN on line ${line(instr)}` };
  if (sh.statements.length !== 1)
    return { why: `the RUN on line ${line(instr)} has several statements, not one \`&&\` chain` };
  const st = sh.statements[0]!;
  if (st.terminator === '&' || st.items.some((i) => i.op === '||' || i.command === null))
    return {
      why: `the RUN on line ${line(instr)} is not a plain \`&&\` chain of commands (\`||\`, pipes, compounds or background jobs)`,
    };
  const cmds = st.items.map((i) => i.command!);
  const stateful = sh.commands.some(
    (c) => (c.name === null && c.assignments.length > 0) || STATEFUL.has(c.name?.value ?? ''),
  );
  return { cmds, stateful };
}

export function nameOf(c: SimpleCommand): string | null {
  return c.name?.value ? commandBase(c.name.value) : null;
}

/** The stages instruction `i` builds on (its own first), with the last instruction index seen. */
export function stageChain(model: DockerfileModel, i: number): { stage: Stage; upTo: number }[] {
  const out: { stage: Stage; upTo: number }[] = [];
  let s: Stage | undefined = model.stages[model.instructions[i]!.stage];
  let upTo = i - 1;
  const seen = new Set<number>();
  while (s && !seen.has(s.index)) {
    seen.add(s.index);
    out.push({ stage: s, upTo: Math.min(upTo, s.last) });
    upTo = Number.MAX_SAFE_INTEGER;
    s = s.fromStage !== null ? model.stages[s.fromStage] : undefined;
  }
  return out;
}

/** Instructions before `i` in its stage and the stages it builds on, oldest first. */
export function earlier(model: DockerfileModel, i: number): Instruction[] {
  const out: Instruction[] = [];
  for (const { stage, upTo } of stageChain(model, i).reverse())
    for (let j = stage.first + 1; j <= upTo; j++) out.push(model.instructions[j]!);
  return out;
}

/** The base image at the root of the stage chain (resolved), or null. */
export function rootImage(model: DockerfileModel, i: number): string | null {
  const chain = stageChain(model, i);
  const root = chain[chain.length - 1]?.stage;
  if (!root || root.fromStage !== null) return null;
  return root.resolvedImage;
}

/** A shell word as an absolute image path (relative ones against WORKDIR, when no `cd` precedes
 * it in the RUN), or null. */
export function shellPath(model: DockerfileModel, instr: Instruction, w: Word): string | null {
  const v = w.value;
  if (v === null || v === '' || /[*?[]/.test(v)) return null;
  if (v.startsWith('/')) return normalizePosix(v);
  const cds = instr.shell?.commands.some((c) => c.span.end <= w.span.start && nameOf(c) === 'cd');
  if (cds) return null;
  const wd = model.workdirAt(instr.index);
  return wd === null ? null : normalizePosix(`${wd}/${v}`);
}

/** `p` equals `dir` or lies below it. */
export function under(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir === '/' ? '/' : dir + '/');
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/**
 * Why instruction `instr` may read or write image path `p` (or something below it), or null. A
 * RUN names it when a word holds its file name, or a glob whose fixed part is a folder above it;
 * a COPY/ADD when its destination is at or below it or above it; a RUN that runs a script or
 * `make` may read anything. Conservative: a false hit only costs a rewrite.
 */
export function touches(model: DockerfileModel, instr: Instruction, p: string): string | null {
  const where = `line ${line(instr)}`;
  if (instr.keyword === 'COPY' || instr.keyword === 'ADD') {
    const spec = copySpec(model, instr);
    const d = spec ? copyDestination(model, spec) : null;
    if (!d) return `${where} copies to a folder that cannot be resolved`;
    if (under(d.dest, p) || under(p, d.dest)) return `${where} copies into ${d.dest}`;
    return null;
  }
  if (instr.keyword !== 'RUN') return null;
  const name = basename(p);
  const sh = instr.shell;
  if (!sh) return `${where} runs a command that is not modelled`;
  if (instr.heredocs.some((h) => h.content.includes(name)))
    return `the heredoc on ${where} names ${name}`;
  const cwd = model.workdirAt(instr.index);
  if (cwd !== null && under(cwd, p)) return `${where} runs inside ${p}`;
  for (const c of sh.commands) {
    const words = [...(c.name ? [c.name] : []), ...c.args, ...c.assignments];
    for (const w of words) {
      const v = w.value ?? w.raw;
      const at = v.search(/[*?[]/);
      if (at >= 0 && v.startsWith('/')) {
        const fixed = v.slice(0, v.lastIndexOf('/', at) + 1).replace(/\/$/, '') || '/';
        if (under(p, fixed)) return `${where} names ${v}`;
        continue;
      }
      const q = w.value === null ? null : shellPath(model, instr, w);
      if (
        q !== null &&
        q !== '/' &&
        (w.value!.includes('/') || w.value!.includes('.') || cwd !== null)
      ) {
        if (under(q, p) || under(p, q)) return `${where} names ${w.value}`;
        continue;
      }
      if (
        (w.value === null || w.value.includes('/') || w.value.includes('.')) &&
        w.raw.includes(name)
      )
        return `${where} names ${name}`;
    }
    for (const r of c.redirects) if (r.raw.includes(name)) return `${where} names ${name}`;
    const n = nameOf(c);
    if (n !== null && (c.name!.value!.includes('/') || n === 'make' || n.endsWith('.sh')))
      return `${where} runs \`${c.name!.raw}\`, which may read it`;
    if (n !== null && ['sh', 'bash', 'dash'].includes(n) && c.args.length > 0)
      return `${where} runs a script, which may read it`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// RUN edits in the author's style

function lineIndent(model: DockerfileModel, offset: number): string {
  return indentOfLine(model.text, model.lineStarts, offset);
}

interface Style {
  multiline: boolean;
  /** `&&` starts the continuation line (else it ends the line before). */
  leading: boolean;
  indent: string;
}

/** How the author joins `&&` items across lines in a chain RUN. */
function chainStyle(model: DockerfileModel, instr: Instruction): Style {
  const items = instr.shell!.statements[0]!.items;
  for (let i = 1; i < items.length; i++) {
    const between = model.text.slice(items[i - 1]!.span.end, items[i]!.span.start);
    if (between.includes('\n'))
      return {
        multiline: true,
        leading: !between.trimStart().startsWith('&&'),
        indent: lineIndent(model, items[i]!.span.start),
      };
  }
  let indent = indentOf(model, instr) + '    ';
  for (let l = instr.line + 1; l <= instr.endLine; l++) {
    const start = model.lineStarts[l]!;
    const t = model.text.slice(start, lineEnd(model.text, model.lineStarts, l));
    if (t.trim() !== '' && !t.trim().startsWith('#')) {
      indent = lineIndent(model, start);
      break;
    }
  }
  return { multiline: instr.endLine > instr.line, leading: true, indent };
}

/** Append `command` at the end of a chain RUN, in its style. */
export function appendToRun(model: DockerfileModel, instr: Instruction, command: string): Edit {
  const items = instr.shell!.statements[0]!.items;
  const at = items[items.length - 1]!.span.end;
  const style = chainStyle(model, instr);
  if (!style.multiline) return { start: at, end: at, text: ` && ${command}` };
  const e = model.escapeChar;
  return {
    start: at,
    end: at,
    text: style.leading
      ? ` ${e}${model.eol}${style.indent}&& ${command}`
      : ` && ${e}${model.eol}${style.indent}${command}`,
  };
}

/** Drop item `i` of a chain RUN with the operator that joins it. */
export function removeFromRun(instr: Instruction, i: number): Edit {
  const items = instr.shell!.statements[0]!.items;
  if (i === 0) return { start: items[0]!.span.start, end: items[1]!.span.start, text: '' };
  return { start: items[i - 1]!.span.end, end: items[i]!.span.end, text: '' };
}

/** Remove a whole instruction (its lines with their EOL). */
export function removeLines(model: DockerfileModel, instr: Instruction): Edit {
  const start = model.lineStarts[instr.line]!;
  const next = instr.endLine + 1;
  const end = next < model.lineStarts.length ? model.lineStarts[next]! : model.text.length;
  if (end === model.text.length && !/\n$/.test(model.text) && start > 0) {
    const eol = model.text.slice(0, start).endsWith('\r\n') ? 2 : 1;
    return { start: start - eol, end, text: '' };
  }
  return { start, end, text: '' };
}

/**
 * Join chain RUN `b` onto the chain RUN `a` right before it: `b`'s keyword goes, its commands
 * follow `a`'s with `&&`; comment lines between them stay (inside the continuation, where the
 * builder drops them).
 */
export function joinRuns(model: DockerfileModel, a: Instruction, b: Instruction): Edit {
  const start = a.shell!.statements[0]!.span.end;
  const end = b.shell!.statements[0]!.span.start;
  const comments = model.comments
    .filter((cm) => cm.span.start >= start && cm.span.end <= end)
    .map((cm) => model.text.slice(model.lineStarts[cm.line]!, cm.span.end) + model.eol)
    .join('');
  let style = chainStyle(model, a);
  if (!style.multiline) {
    const bs = chainStyle(model, b);
    style = bs.multiline ? bs : { ...style, indent: indentOf(model, a) + '    ' };
  }
  const multi = style.multiline || comments !== '' || a.endLine > a.line || b.endLine > b.line;
  if (!multi) return { start, end, text: ' && ' };
  const e = model.escapeChar;
  return {
    start,
    end,
    text: style.leading
      ? ` ${e}${model.eol}${comments}${style.indent}&& `
      : ` && ${e}${model.eol}${comments}${style.indent}`,
  };
}

/** Same RUN flags (`--mount`, `--network`, ...) as written. */
export function sameFlags(model: DockerfileModel, a: Instruction, b: Instruction): boolean {
  const t = (i: Instruction) => i.flags.map((f) => model.text.slice(f.span.start, f.span.end));
  return JSON.stringify(t(a)) === JSON.stringify(t(b));
}

/** Why RUNs `from`..`to` (instruction indices, same stage) cannot become one RUN, or null. */
export function mergeBlocker(model: DockerfileModel, from: number, to: number): string | null {
  const a = model.instructions[from]!;
  for (let j = from; j <= to; j++) {
    const r = model.instructions[j]!;
    if (r.keyword !== 'RUN')
      return `the ${r.keyword} on line ${line(r)} stands between them (RUNs cannot merge across it)`;
    const ch = chainOf(r);
    if ('why' in ch) return ch.why;
    if (j < to && ch.stateful)
      return `the RUN on line ${line(r)} changes shell state (\`cd\`, \`export\`, ...) that a merge would carry into the next`;
    if (!sameFlags(model, a, r))
      return `the RUNs on lines ${line(a)} and ${line(r)} have different flags`;
  }
  return null;
}

/** The edits merging RUNs `from`..`to` into one. */
export function mergeRuns(model: DockerfileModel, from: number, to: number): Edit[] {
  const out: Edit[] = [];
  for (let j = from; j < to; j++)
    out.push(joinRuns(model, model.instructions[j]!, model.instructions[j + 1]!));
  return out;
}
