/**
 * dependency-cache: planning per full copy (`planForCopy`).
 *
 * Walks the instructions after the copy to the first install, checks what runs between them and
 * hands a move plan to move.ts, or returns a skip with its reason; a build with no install to move
 * is reported by builds.ts; installs already before the copy get an info note (`alreadyOrdered`).
 * Rules and decisions: docs/rules/dependency-cache.md.
 */
import { IMAGE_WD, imageWorkdir } from '../../src/model/image-path.js';
import type { IgnoreFile } from '../../src/context/ignore.js';
import type {
  BuildContext,
  DockerfileModel,
  Finding,
  Instruction,
  SimpleCommand,
} from '../../src/model/types.js';
import { ID, type Install, envFor, INERT, SETTINGS } from './env.js';
import {
  benign,
  analyseCommand,
  installShape,
  mayInstall,
  INSTALL_NAMES,
} from './installs/index.js';
import { buildsSource } from './installs/go.js';
import { type FullCopy, fullCopy, sourceCopyFor } from './copy.js';
import { chainPlan, touchesCopy } from './chain.js';
import { contextFree } from './setup-steps.js';
import { moveFix } from './move.js';
import { firstLine } from './text.js';
import { goDownloadFix } from './go-download.js';
import { buildSkip, earlierInstall } from './builds.js';

/**
 * Installs that already run before a full copy holding their sources: say why nothing changes
 * (an info note, once per RUN: `noted`).
 */
export function alreadyOrdered(
  model: DockerfileModel,
  ctx: BuildContext,
  ignore: IgnoreFile,
  copy: FullCopy,
  noted: Set<number>,
): Finding[] {
  const out: Finding[] = [];
  const stage = model.stages[copy.instr.stage]!;
  const copyText = firstLine(model, copy.instr);
  for (let i = stage.first + 1; i < copy.instr.index; i++) {
    const run = model.instructions[i]!;
    if (run.keyword !== 'RUN' || !run.shell || noted.has(i)) continue;
    // (a RUN of no command an analyser knows: no install, no variables to work out)
    if (!run.shell.commands.some(mayInstall)) continue;
    const env = envFor(model, ctx, ignore, copy, run, imageWorkdir(model, i) ?? IMAGE_WD);
    // (the kind and label need no context read; a copy of the whole context holds every
    // install's sources, a copy of a folder only when the analysis with the context says so)
    const found = run.shell.commands
      .map((c) => installShape(env, c))
      .find((a): a is Install => a !== null && !a.ignore);
    if (!found) continue;
    if (copy.srcDir !== '') {
      const full = analyseCommand(env, found.cmd);
      if (!full || !sourceCopyFor(env, [full])) continue;
    }
    noted.add(i);
    out.push({
      ruleId: `${ID}/${found.kind}`,
      reason: `${found.label ?? INSTALL_NAMES[found.kind]} runs before \`${copyText}\` (nothing to move): source edits leave it cached`,
      at: run.span.start,
      info: true,
    });
  }
  return out;
}

export function planForCopy(
  model: DockerfileModel,
  ctx: BuildContext,
  ignore: IgnoreFile,
  copy: FullCopy,
  later: Instruction[],
): Finding | null {
  const between: Instruction[] = [];
  /** The first instruction between the copy and the install that may read the source. */
  const blocking = () =>
    between.find(
      (i) =>
        !INERT.has(i.keyword) &&
        !SETTINGS.has(i.keyword) &&
        !contextFree(model, ctx, ignore, copy, i),
    );
  const blockerReason = (b: Instruction) =>
    `a ${b.keyword} at line ${b.line + 1} runs between the copy and the install and may prepare it`;
  let build: Finding | null = null;
  for (const run of later) {
    // A later full copy (`COPY src ./src/` then `COPY . .`): plan for that one instead.
    if ((run.keyword === 'COPY' || run.keyword === 'ADD') && fullCopy(model, ctx, run)) return null;
    if (run.keyword !== 'RUN' || !run.shell) {
      between.push(run);
      continue;
    }
    const cwd = imageWorkdir(model, run.index);
    const env = envFor(model, ctx, ignore, copy, run, cwd ?? '');
    const plan = chainPlan(env, run, cwd);
    if (plan && !plan.installs.length) {
      // A `cd` we cannot follow comes before an install.
      const env2 = { ...env, cwd: cwd ?? IMAGE_WD };
      const a = run.shell.commands.map((c) => analyseCommand(env2, c)).find((x) => x && !x.ignore);
      if (a && !sourceCopyFor(env2, [{ ...a, skip: a.skip ?? plan.skip }])) return null;
      if (a) return { ruleId: `${ID}/${a.kind}`, reason: plan.skip!, at: run.span.start };
    } else if (plan) {
      const first = plan.installs[0]!;
      const skip = (reason: string) => ({
        ruleId: `${ID}/${first.kind}`,
        reason,
        at: run.span.start,
      });
      // A copy of tool or config files (`COPY .yarn ./.yarn`), not of the install's sources.
      if (!sourceCopyFor(env, plan.installs)) return null;
      if (first.skip) return skip(first.skip);
      if (plan.skip) return skip(plan.skip);
      if (plan.installs.some((i) => i.after) && earlierInstall(model, env, copy, first.kind)) {
        between.push(run);
        continue;
      }
      const blocker = blocking();
      if (blocker) return skip(blockerReason(blocker));
      return moveFix({ model, ctx, copy, run, between, installs: plan.installs, env, chain: plan });
    }
    const installs: Install[] = [];
    const others: SimpleCommand[] = [];
    for (const c of run.shell.commands) {
      const a = cwd === null ? null : analyseCommand(env, c);
      if (a) installs.push(a);
      else others.push(c);
    }
    const go = run.shell.commands.some((c) => buildsSource(c) === 'go');
    if (!installs.length || installs.every((i) => i.ignore)) {
      if (go) return goDownloadFix(model, ctx, ignore, copy, run, between);
      // A build that also downloads the dependencies: said once, unless an install follows.
      build ??= buildSkip(model, env, copy, run, cwd);
      between.push(run);
      continue;
    }
    const first = installs[0]!;
    const ruleId = `${ID}/${first.kind}`;
    const skip = (reason: string) => ({ ruleId, reason, at: run.span.start });
    if (!sourceCopyFor(env, installs)) return null;
    if (cwd === null) return skip('the working directory of the install is not known');
    if (!run.shell.ok) return skip('the shell parser cannot read this RUN');
    for (const i of installs)
      if (i.skip) return { ruleId: `${ID}/${i.kind}`, reason: i.skip, at: run.span.start };
    // A split the author already made: the later install only covers the project itself.
    if (installs.some((i) => i.after) && earlierInstall(model, env, copy, first.kind)) {
      between.push(run);
      continue;
    }
    const nested = run.shell.commands.find((c) => c.nested);
    if (nested) return skip('the install sits inside a compound command (if, for, pipe, subshell)');
    for (const c of run.shell.commands) {
      const why = touchesCopy(env, c, cwd);
      if (why) return skip(why);
    }
    const other = others.find((c) => !benign(c));
    if (other)
      return skip(
        `the same RUN also runs \`${[other.name?.raw ?? '', ...other.args.slice(0, 1).map((a) => a.raw)].join(' ').trim()}\`, which may need the copied source`,
      );
    const blocker = blocking();
    if (blocker) return skip(blockerReason(blocker));
    return moveFix({ model, ctx, copy, run, between, installs, env });
  }
  return build;
}
