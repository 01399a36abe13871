/**
 * package-hygiene: edits of a RUN in its author's style: append a command at the end or right
 * after a given command, prepend one, insert a word, remove a chain item, remove a RUN, join two
 * RUNs (`&&` on one line, leading or trailing `&&` continuations, `set -e` statements, heredocs).
 * Each returns an Edit, or a reason it cannot be done safely. See docs/rules/package-hygiene.md.
 */
import { indentOfLine, lineEnd } from '../../src/model/text.js';
import type {
  DockerfileModel,
  Edit,
  Instruction,
  SimpleCommand,
  Statement,
  Word,
} from '../../src/model/types.js';
import { indentOf } from '../../src/toolkit/edits.js';
import type { RunInfo } from './run.js';

export function esc(model: DockerfileModel): string {
  return model.escapeChar;
}

export interface ChainStyle {
  multiline: boolean;
  leading: boolean;
  indent: string;
}

export function lineIndent(model: DockerfileModel, offset: number): string {
  return indentOfLine(model.text, model.lineStarts, offset);
}

/** Indentation of the first continuation line of a shell-form RUN (or RUN indent + 4). */
export function continuationIndent(model: DockerfileModel, instr: Instruction): string {
  for (let l = instr.line + 1; l <= instr.endLine; l++) {
    const start = model.lineStarts[l]!;
    const content = model.text.slice(start, lineEnd(model.text, model.lineStarts, l));
    if (content.trim() === '' || content.trim().startsWith('#')) continue;
    return lineIndent(model, start);
  }
  return indentOf(model, instr) + '    ';
}

/** Indentation for a new `&& cmd` line when the RUN shows none: the continuation indent, but no
 * deeper than one step (package lists are often indented further than the commands). */
export function commandIndent(model: DockerfileModel, instr: Instruction): string {
  const base = indentOf(model, instr);
  const cont = continuationIndent(model, instr);
  const step = cont.startsWith(base) ? cont.slice(base.length) : cont;
  if (step.startsWith('\t')) return base + '\t';
  return step.length > 4 ? base + '    ' : cont;
}

/** How the author joins `&&` items across lines in this RUN. */
export function chainStyle(model: DockerfileModel, instr: Instruction): ChainStyle {
  const shell = instr.shell!;
  let found: ChainStyle | null = null;
  for (const st of shell.statements) {
    for (let i = 1; i < st.items.length; i++) {
      const between = model.text.slice(st.items[i - 1]!.span.end, st.items[i]!.span.start);
      if (!between.includes('\n')) continue;
      found = {
        multiline: true,
        leading: !between.trimStart().startsWith('&&'),
        indent: lineIndent(model, st.items[i]!.span.start),
      };
    }
  }
  return found ?? { multiline: false, leading: true, indent: commandIndent(model, instr) };
}

/** How the author separates `;` statements across lines (null when they do not). */
export function statementBreak(model: DockerfileModel, instr: Instruction): string | null {
  const sts = instr.shell!.statements;
  let indent: string | null = null;
  for (let i = 1; i < sts.length; i++) {
    const between = model.text.slice(sts[i - 1]!.span.end, sts[i]!.span.start);
    if (between.includes('\n')) indent = lineIndent(model, sts[i]!.span.start);
  }
  return indent;
}

export function isMultiline(instr: Instruction): boolean {
  return instr.heredocs.length === 0 && instr.endLine > instr.line;
}

/** The skip reason for a rewrite that adds or removes shell syntax in a non-POSIX RUN. */
export function notPosix(info: RunInfo): string {
  return `${info.nonPosix}: adding or removing shell syntax (\`&&\`, \`rm -rf\`, a statement) could change what it does`;
}

/**
 * An edit appending `command` at the end of the RUN, or a reason it cannot be done safely.
 */
/**
 * Why a command added at the end of the RUN may never run: the RUN can stop before it at `exit`
 * or `exec <command>` (`...; exit 0 && rm -rf ...` would never remove anything). Null when not.
 */
export function endsEarly(instr: Instruction): string | null {
  const stop = instr.shell!.commands.find(
    (c) =>
      c.name?.value === 'exit' ||
      (c.name?.value === 'exec' && c.args.some((a) => !/^\d*[<>]/.test(a.raw))),
  );
  return stop
    ? `the RUN can stop at \`${stop.name!.raw}\` before a command added at its end runs`
    : null;
}

export function appendCommand(
  model: DockerfileModel,
  info: RunInfo,
  command: string,
): Edit | string {
  const { instr } = info;
  if (info.nonPosix) return notPosix(info);
  const sts = instr.shell!.statements;
  const last = sts[sts.length - 1];
  if (!last) return 'the RUN has no command';
  if (last.terminator === '&') return 'the RUN ends with a background command';
  const stop = endsEarly(instr);
  if (stop) return stop;
  const e = esc(model);
  const eol = model.eol;
  if (sts.length > 1 && info.errexit) {
    // A new statement in the author's separator style.
    let at = last.span.end;
    let semi = false;
    if (last.terminator === ';') {
      const m = /^[ \t]*;/.exec(model.text.slice(at));
      if (m) {
        at += m[0].length;
        semi = true;
      }
    }
    if (info.heredoc) {
      return { start: at, end: at, text: eol + lineIndent(model, last.span.start) + command };
    }
    const sep = semi ? '' : ';';
    const brk = statementBreak(model, instr);
    if (brk !== null && isMultiline(instr))
      return { start: at, end: at, text: `${sep} ${e}${eol}${brk}${command}` };
    return { start: at, end: at, text: `${sep} ${command}` };
  }
  const at = last.span.end;
  if (info.heredoc || !isMultiline(instr)) return { start: at, end: at, text: ` && ${command}` };
  const style = chainStyle(model, instr);
  const text = style.leading
    ? ` ${e}${eol}${style.indent}&& ${command}`
    : ` && ${e}${eol}${style.indent}${command}`;
  return { start: at, end: at, text };
}

/**
 * An edit running `command` right after the command `after` (a top-level install), so that a
 * build step after the install in the same RUN (`npm ci && npm run build`) does not carry it; at
 * the end of the RUN when the install is its last command. Or a reason it cannot be done safely.
 */
export function appendAfter(
  model: DockerfileModel,
  info: RunInfo,
  after: SimpleCommand,
  command: string,
): Edit | string {
  if (info.nonPosix) return notPosix(info);
  const sts = info.instr.shell!.statements;
  const st = sts[after.statement]!;
  const item = st.items[after.position];
  if (after.nested || !item || item.command !== after || st.terminator === '&')
    return appendCommand(model, info, command);
  const isLast = after.position === st.items.length - 1;
  if (isLast && after.statement === sts.length - 1) return appendCommand(model, info, command);
  const e = esc(model);
  const eol = model.eol;
  const at = item.span.end;
  if (!isLast) {
    const next = st.items[after.position + 1]!;
    if (next.op !== '&&') return appendCommand(model, info, command);
    const between = model.text.slice(at, next.span.start);
    if (!between.includes('\n')) return { start: at, end: at, text: ` && ${command}` };
    const indent = lineIndent(model, next.span.start);
    return between.trimStart().startsWith('&&')
      ? { start: at, end: at, text: ` && ${e}${eol}${indent}${command}` }
      : { start: at, end: at, text: ` ${e}${eol}${indent}&& ${command}` };
  }
  // The install ends a statement that more statements follow.
  if (info.errexit) {
    if (info.heredoc)
      return { start: at, end: at, text: eol + lineIndent(model, st.span.start) + command };
    const m = st.terminator === ';' ? /^[ \t]*;/.exec(model.text.slice(at)) : null;
    if (m) {
      const end = at + m[0].length;
      const next = sts[after.statement + 1]!;
      if (model.text.slice(end, next.span.start).includes('\n'))
        return {
          start: end,
          end,
          text: ` ${e}${eol}${lineIndent(model, next.span.start)}${command};`,
        };
      return { start: end, end, text: ` ${command};` };
    }
  }
  return { start: at, end: at, text: ` && ${command}` };
}

/**
 * An edit running `command` before the first package command of the RUN, or a reason it cannot
 * be done safely.
 */
export function prependCommand(
  model: DockerfileModel,
  info: RunInfo,
  command: string,
  before: SimpleCommand,
): Edit | string {
  const { instr } = info;
  if (info.nonPosix) return notPosix(info);
  const sts = instr.shell!.statements;
  const e = esc(model);
  const eol = model.eol;
  const st = sts[before.statement]!;
  if (sts.length === 1) {
    const at = st.items[0]!.span.start;
    const style = chainStyle(model, instr);
    if (info.heredoc || !style.multiline) return { start: at, end: at, text: `${command} && ` };
    const text = style.leading
      ? `${command} ${e}${eol}${style.indent}&& `
      : `${command} && ${e}${eol}${style.indent}`;
    return { start: at, end: at, text };
  }
  if (!info.errexit) return 'the RUN has several statements without `set -e`';
  const at = st.span.start;
  if (info.heredoc) return { start: at, end: at, text: command + eol + lineIndent(model, at) };
  const prev = sts[before.statement - 1];
  if (prev && model.text.slice(prev.span.end, at).includes('\n'))
    return { start: at, end: at, text: `${command}; ${e}${eol}${lineIndent(model, at)}` };
  return { start: at, end: at, text: `${command}; ` };
}

export function insertAfter(w: Word, text: string): Edit {
  return { start: w.span.end, end: w.span.end, text };
}

export function removeItem(model: DockerfileModel, st: Statement, i: number): Edit {
  const items = st.items;
  if (i === 0) return { start: items[0]!.span.start, end: items[1]!.span.start, text: '' };
  return { start: items[i - 1]!.span.end, end: items[i]!.span.end, text: '' };
}

export function removeRun(model: DockerfileModel, instr: Instruction): Edit {
  // Whole lines of the RUN, with its EOL (comments above it stay above the next instruction).
  const start = model.lineStarts[instr.line]!;
  const endLine = instr.endLine;
  const end =
    endLine + 1 < model.lineStarts.length ? model.lineStarts[endLine + 1]! : model.text.length;
  return { start, end, text: '' };
}

/** Join RUN `b` onto RUN `a` (both single `&&` chains): drop `b`'s keyword, keep comments. */
export function joinRuns(
  model: DockerfileModel,
  a: Instruction,
  aInfo: RunInfo,
  b: Instruction,
  bInfo: RunInfo,
): Edit {
  const aSt = a.shell!.statements[0]!;
  const start = aSt.span.end;
  const end = b.argsSpan.start;
  const comments = model.comments
    .filter((cm) => cm.span.start >= start && cm.span.end <= end)
    .map((cm) => model.text.slice(model.lineStarts[cm.line]!, cm.span.end));
  const e = esc(model);
  const eol = model.eol;
  let style = chainStyle(model, a);
  if (!style.multiline) {
    const bs = chainStyle(model, b);
    if (bs.multiline) style = bs;
  }
  if (!style.multiline && comments.length === 0 && !isMultiline(a) && !isMultiline(b))
    return { start, end, text: ' && ' };
  if (!style.multiline)
    style = {
      ...style,
      indent: isMultiline(a) ? commandIndent(model, a) : indentOf(model, a) + '    ',
    };
  const kept = comments.map((l) => l + eol).join('');
  void bInfo;
  void aInfo;
  const text = style.leading
    ? ` ${e}${eol}${kept}${style.indent}&& `
    : ` && ${e}${eol}${kept}${style.indent}`;
  return { start, end, text };
}

export function editsOverlap(edits: Edit[]): boolean {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  return sorted.some((e, i) => i > 0 && sorted[i - 1]!.end > e.start);
}
