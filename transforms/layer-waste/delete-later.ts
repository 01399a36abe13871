/**
 * `layer-waste/delete-later`: a file or folder one RUN writes (a download, a clone, a build
 * folder) and a later RUN of the same stage removes. The removal cannot shrink the earlier layer:
 * the bytes ship, hidden. The removal moves into the RUN that writes them (safe when nothing in
 * between reads them), or the RUNs merge: adjacent ones safely, a longer run of RUNs for review.
 */
import type { Edit, Instruction, SimpleCommand, Word } from '../../src/model/types.js';
import {
  appendToRun,
  chainOf,
  fix,
  line,
  mergeBlocker,
  mergeRuns,
  nameOf,
  removeFromRun,
  removeLines,
  shellPath,
  skip,
  touches,
  under,
  type Ctx,
} from './shared.js';

const KIND = 'delete-later';

export interface Written {
  path: string;
  cmd: SimpleCommand;
  /** What wrote it, for messages (`curl -o`, `git clone`, `mkdir`). */
  by: string;
}

function optionValue(args: Word[], short: string[], long: string[]): Word | null {
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === null) continue;
    if (short.includes(v) || long.includes(v)) return args[i + 1] ?? null;
    for (const l of long)
      if (v.startsWith(l + '=')) {
        const w = args[i]!;
        const cut = l.length + 1;
        return { raw: w.raw.slice(cut), value: v.slice(cut), span: w.span };
      }
  }
  return null;
}

/** The archive `tar -c` writes (`-cf F`, `czf F`, `-c -f F`, `--file=F`), or null. */
function tarCreateFile(args: Word[]): Word | null {
  let create = false;
  let file: Word | null = null;
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === null) return null;
    if (v === '--create') create = true;
    else if (v === '--file' || v === '-f') file = args[i + 1] ?? null;
    else if (v.startsWith('--file=')) {
      const w = args[i]!;
      file = { raw: w.raw.slice(7), value: v.slice(7), span: w.span };
    } else if (/^-?[A-Za-z]+$/.test(v) && (v.startsWith('-') ? !v.startsWith('--') : i === 0)) {
      const letters = v.replace(/^-/, '');
      if (letters.includes('c')) create = true;
      // In a bundle, `f` takes the next word as its value (only as the bundle's last letter).
      if (letters.endsWith('f')) file = args[i + 1] ?? null;
      else if (letters.includes('f')) return null;
    }
  }
  return create ? file : null;
}

/** Paths a RUN writes that this rule can name: `curl -o F`, `wget -O F`, `git clone URL DIR`,
 * `tar -cf F`, `mkdir [-p] DIR`. */
export function writes(c: Ctx, run: Instruction): Written[] {
  const out: Written[] = [];
  for (const cmd of run.shell?.commands ?? []) {
    const n = nameOf(cmd);
    const add = (w: Word | null, by: string) => {
      const p = w ? shellPath(c.model, run, w) : null;
      if (p && p !== '/') out.push({ path: p, cmd, by });
    };
    if (n === 'curl') add(optionValue(cmd.args, ['-o'], ['--output']), 'curl -o');
    else if (n === 'wget') add(optionValue(cmd.args, ['-O'], ['--output-document']), 'wget -O');
    else if (n === 'git' && cmd.args[0]?.value === 'clone') {
      const pos = cmd.args.slice(1).filter((a) => a.value !== null && !a.value.startsWith('-'));
      // Options with values (`--branch x`, `-b x`, `--depth 1`) would shift the positions.
      const valued = cmd.args.some((a) =>
        [
          '-b',
          '--branch',
          '--depth',
          '-o',
          '--origin',
          '-c',
          '--config',
          '--reference',
          '-j',
          '--jobs',
          '--filter',
        ].includes(a.value ?? ''),
      );
      if (!valued && pos.length === 2) add(pos[1]!, 'git clone');
    } else if (n === 'tar') {
      const f = tarCreateFile(cmd.args);
      if (f) add(f, 'tar -c');
    } else if (n === 'mkdir')
      for (const a of cmd.args) if (a.value && !a.value.startsWith('-')) add(a, 'mkdir');
  }
  return out;
}

interface Removal {
  cmd: SimpleCommand;
  /** Operands as image paths (null: a glob or variable). */
  paths: (string | null)[];
}

function removals(c: Ctx, run: Instruction): Removal[] {
  const out: Removal[] = [];
  for (const cmd of run.shell?.commands ?? []) {
    if (nameOf(cmd) !== 'rm') continue;
    const ops = cmd.args.filter((a) => !(a.value ?? a.raw).startsWith('-'));
    if (cmd.args.some((a) => a.value === '--')) continue;
    out.push({ cmd, paths: ops.map((a) => shellPath(c.model, run, a)) });
  }
  return out;
}

/** Does a command of the RUN other than `except` name `p` (or a folder above/below it)? */
function namedBy(c: Ctx, run: Instruction, p: string, except: SimpleCommand): boolean {
  for (const cmd of run.shell?.commands ?? []) {
    if (cmd === except) continue;
    for (const w of [...(cmd.name ? [cmd.name] : []), ...cmd.args]) {
      const q = shellPath(c.model, run, w);
      if (q !== null && q !== '/' && (under(q, p) || under(p, q))) return true;
      if (q === null && w.raw.includes(p.slice(p.lastIndexOf('/') + 1))) return true;
    }
  }
  return false;
}

export function checkDeleteLater(c: Ctx): void {
  const { model } = c;
  const done = new Set<number>();
  for (const b of model.instructions) {
    if (b.keyword !== 'RUN' || b.stage < 0) continue;
    for (const rm of removals(c, b)) {
      if (done.has(b.index)) break;
      for (const q of rm.paths) {
        if (q === null) continue;
        // The latest earlier RUN of the stage that writes q or something inside it.
        const stage = model.stages[b.stage]!;
        let a: Instruction | null = null;
        let w: Written | null = null;
        for (let j = b.index - 1; j > stage.first && !a; j--) {
          const i = model.instructions[j]!;
          if (i.keyword !== 'RUN') continue;
          const hit = writes(c, i).find((x) => under(x.path, q));
          if (hit) {
            a = i;
            w = hit;
          }
        }
        if (!a || !w) continue;
        // Already removed in the RUN that writes it.
        if (removals(c, a).some((r) => r.paths.some((p) => p !== null && under(w!.path, p))))
          continue;
        done.add(b.index);
        check(c, a, w, b, rm, q);
        break;
      }
    }
  }
}

function check(c: Ctx, a: Instruction, w: Written, b: Instruction, rm: Removal, q: string): void {
  const { model } = c;
  const what = `${w.path} (written by \`${w.by}\` on line ${line(a)})`;
  const message = (how: string) =>
    `${what} is removed by a later RUN (line ${line(b)}): the removal cannot shrink the earlier layer, so the image still ships it; ${how}`;
  for (const r of [a, b]) {
    const ch = chainOf(r);
    if ('why' in ch) {
      skip(
        c,
        KIND,
        b,
        `${what} is removed by the RUN on line ${line(b)}, but ${ch.why}; not rewritten`,
      );
      return;
    }
  }
  // Readers between the two RUNs, and in the removing RUN itself.
  let reader: string | null = null;
  for (let j = a.index + 1; j < b.index && !reader; j++)
    reader = touches(model, model.instructions[j]!, w.path);
  const bReads = namedBy(c, b, w.path, rm.cmd);
  const bCmds = (chainOf(b) as { cmds: SimpleCommand[] }).cmds;
  const rmPos = bCmds.indexOf(rm.cmd);
  const aCh = chainOf(a) as { cmds: SimpleCommand[]; stateful: boolean };
  // Move the rm: it removes only what A wrote, nothing between reads it.
  const movable =
    !reader &&
    !bReads &&
    rmPos >= 0 &&
    rm.paths.every((p) => p !== null && writes(c, a).some((x) => p === x.path)) &&
    (!aCh.stateful ||
      rm.cmd.args.every((x) => (x.value ?? '').startsWith('/') || (x.value ?? '').startsWith('-')));
  const adjacent = model.instructions[a.index + 1] === b;
  if (movable) {
    const text = model.text.slice(rm.cmd.span.start, rm.cmd.span.end);
    const edits: Edit[] = [appendToRun(model, a, text)];
    edits.push(bCmds.length === 1 ? removeLines(model, b) : removeFromRun(b, rmPos));
    fix(c, KIND, a, {
      message: message(`move \`${text}\` into the RUN that writes it`),
      applicability: 'safe',
      edits,
      data: { path: w.path, writtenAt: line(a), removedAt: line(b) },
    });
    return;
  }
  const why =
    reader ??
    (bReads
      ? `the RUN on line ${line(b)} reads it before removing it`
      : `\`${model.text.slice(rm.cmd.span.start, rm.cmd.span.end)}\` removes more than that RUN wrote`);
  const blocker = mergeBlocker(model, a.index, b.index);
  if (blocker) {
    skip(
      c,
      KIND,
      b,
      `${what} is removed on line ${line(b)}, but ${why}, and ${blocker}; not rewritten`,
    );
    return;
  }
  const safe = adjacent;
  fix(c, KIND, a, {
    message: message(
      adjacent
        ? 'merge the two RUNs so it never reaches a layer'
        : `merge the RUNs of lines ${line(a)}-${line(b)} so it never reaches a layer`,
    ),
    applicability: safe ? 'safe' : 'review',
    edits: mergeRuns(model, a.index, b.index),
    ...(safe
      ? {}
      : {
          note: `${why}: the RUNs in between join too (one layer, one cache step)`,
        }),
    data: { path: w.path, writtenAt: line(a), removedAt: line(b) },
  });
}
