/**
 * `layer-waste/purge-later`: packages installed in one RUN and purged (`apt-get purge/remove`,
 * `apk del`) in a later one. The purge shrinks nothing: the install layer keeps them. Review fix:
 * one RUN that installs, builds and purges; a build that spans other instructions (or many RUNs)
 * is pointed at a multi-stage build instead.
 */
import type { Instruction, SimpleCommand } from '../../src/model/types.js';
import { fix, line, mergeBlocker, mergeRuns, nameOf, skip, type Ctx } from './shared.js';

const KIND = 'purge-later';
/** More RUNs than this between install and purge: a multi-stage build is the better fix. */
const MAX_BETWEEN = 4;

const APT = new Set(['apt-get', 'apt']);

/** Package names (or an apk `--virtual` name) of the command's install, or its purge. */
function packages(cmd: SimpleCommand, mode: 'install' | 'purge'): string[] {
  const n = nameOf(cmd);
  const args = cmd.args.map((a) => a.value);
  if (args.some((a) => a === null)) return [];
  const vals = args as string[];
  const subAt = vals.findIndex((v) => !v.startsWith('-'));
  const sub = vals[subAt];
  const names = (from: number, skipNext: Set<string>) => {
    const out: string[] = [];
    for (let i = from; i < vals.length; i++) {
      const v = vals[i]!;
      if (skipNext.has(v)) {
        i++;
        continue;
      }
      if (!v.startsWith('-')) out.push(v.replace(/[=:].*$/, ''));
    }
    return out;
  };
  if (n && APT.has(n)) {
    if (mode === 'install' && sub === 'install')
      return names(subAt + 1, new Set(['-o', '-t', '--target-release']));
    if (mode === 'purge' && (sub === 'purge' || sub === 'remove'))
      return names(subAt + 1, new Set(['-o']));
    return [];
  }
  if (n === 'apk') {
    if (mode === 'install' && sub === 'add') {
      const v = vals.findIndex((x) => x === '--virtual' || x === '-t');
      if (v >= 0 && vals[v + 1]) return [vals[v + 1]!];
      return names(subAt + 1, new Set(['-X', '--repository', '--virtual', '-t']));
    }
    if (mode === 'purge' && sub === 'del') return names(subAt + 1, new Set());
  }
  return [];
}

export function checkPurgeLater(c: Ctx): void {
  const { model } = c;
  for (const p of model.instructions) {
    if (p.keyword !== 'RUN' || p.stage < 0 || !p.shell) continue;
    const purged = p.shell.commands.flatMap((cmd) => packages(cmd, 'purge'));
    if (purged.length === 0) continue;
    const stage = model.stages[p.stage]!;
    let inst: Instruction | null = null;
    let names: string[] = [];
    for (let j = p.index - 1; j > stage.first && !inst; j--) {
      const i = model.instructions[j]!;
      if (i.keyword !== 'RUN' || !i.shell) continue;
      const got = i.shell.commands.flatMap((cmd) => packages(cmd, 'install'));
      const both = purged.filter((x) => got.includes(x));
      if (both.length) {
        inst = i;
        names = both;
      }
    }
    // Installed in the same RUN (or not by this Dockerfile): nothing ships twice.
    if (
      !inst ||
      p.shell.commands.some((cmd) => packages(cmd, 'install').some((x) => names.includes(x)))
    )
      continue;
    const list = names.map((n) => `\`${n}\``).join(', ');
    const what = `${list} installed on line ${line(inst)} and purged on line ${line(p)}`;
    const between = p.index - inst.index - 1;
    const blocker =
      between > MAX_BETWEEN
        ? `${between} instructions stand between them`
        : mergeBlocker(model, inst.index, p.index);
    if (blocker) {
      skip(
        c,
        KIND,
        p,
        `${what}: the purge does not shrink the install layer, but ${blocker}; a multi-stage build (build in one stage, COPY --from the result) is the fix here (see the multistage transform)`,
      );
      continue;
    }
    fix(c, KIND, inst, {
      message: `${what}: a purge in a later RUN does not shrink the layer that installed them, so the image still ships them; install, build and purge in one RUN`,
      applicability: 'review',
      edits: mergeRuns(model, inst.index, p.index),
      note: 'one RUN means one cache step: a change to any part re-runs the install',
      data: { packages: names, installedAt: line(inst), purgedAt: line(p) },
    });
  }
}
