/**
 * The split rules of `multistage` (`multistage/<ecosystem>`): analyse the last stage, find its
 * build with the ecosystem table, check what every ecosystem needs (a start command, no `cd`,
 * users it can carry), and turn the ecosystem's plan into a fix or a skip.
 * Docs: docs/rules/multistage.md.
 */
import type { CheckContext, DockerfileModel, Finding, Stage } from '../../src/model/types.js';
import {
  ID,
  HOUSEKEEPING,
  USER_COMMANDS,
  parseImage,
  cmdName,
  stageInstrs,
  installed,
  removesPackages,
  isToolchain,
  isSkip,
  commandsOf,
  startWords,
} from './shared.js';
import type { Analysis, Outcome, Ecosystem } from './shared.js';
import { pickName, buildFix } from './runtime-stage.js';
import { ECOSYSTEMS } from './ecosystems/index.js';

function analyse(model: DockerfileModel, ctx: CheckContext, stage: Stage): Analysis | null {
  const instrs = stageInstrs(model, stage);
  const packages: string[] = [];
  let mgr: 'apt' | 'apk' | null = null;
  for (const i of instrs) {
    const cmds = commandsOf(i);
    let toolchainHere = false;
    for (const c of cmds) {
      const inst = installed(c);
      if (!inst) continue;
      mgr = inst.mgr;
      packages.push(...inst.pkgs);
      if (inst.pkgs.some(isToolchain)) toolchainHere = true;
    }
    // docker-library style: the toolchain is purged in the same RUN.
    if (toolchainHere && cmds.some(removesPackages)) return null;
  }
  return {
    model,
    ctx,
    stage,
    instrs,
    fromInstr: instrs[0]!,
    image: parseImage(stage.resolvedImage ?? stage.image),
    buildAt: -1,
    packages,
    mgr,
    user: [...instrs].reverse().find((i) => i.keyword === 'USER') ?? null,
    userRuns: [],
  };
}

/** The first ecosystem of the table whose build the stage runs, and its build step. */
function detect(a: Analysis): { eco: Ecosystem; buildAt: number } | null {
  for (const eco of ECOSYSTEMS) {
    const at = eco.detect(a);
    if (at >= 0) return { eco, buildAt: at };
  }
  return null;
}

/**
 * The RUNs up to the build step that create users (useradd, adduser, ...): they are copied
 * into the runtime stage, so they must do nothing else.
 */
function analyseUsers(a: Analysis): { skip: string; at: number } | null {
  if (!a.user) return null;
  for (const i of a.instrs) {
    if (i.index > a.buildAt || i.index > a.user.index) break;
    const cmds = commandsOf(i);
    if (!cmds.some((c) => USER_COMMANDS.has(cmdName(c) ?? ''))) continue;
    if (cmds.some((c) => !HOUSEKEEPING.has(cmdName(c) ?? '')))
      return {
        skip: `the user is created in a RUN that also does other work (line ${i.line + 1}): it cannot be copied into the runtime stage alone`,
        at: i.span.start,
      };
    a.userRuns.push(i);
  }
  return null;
}

export function checkBuild(model: DockerfileModel, ctx: CheckContext): Finding[] {
  const stage = model.stages[model.stages.length - 1];
  if (!stage) return [];
  const a = analyse(model, ctx, stage);
  if (!a) return [];
  const found = detect(a);
  if (!found) return [];
  a.buildAt = found.buildAt;
  const buildInstr = model.instructions[found.buildAt]!;
  const at = buildInstr.span.start;
  const eco = found.eco;
  const ruleId = `${ID}/${eco.id}`;
  if (stage.fromStage !== null)
    return [
      { ruleId, reason: `the last stage builds FROM stage ${stage.image}: split it by hand`, at },
    ];
  if (stage.resolvedImage === null)
    return [{ ruleId, reason: `the base image ${stage.image} cannot be resolved`, at }];
  // What the runtime stage runs must be known: an image without CMD/ENTRYPOINT may be a
  // toolchain image on purpose (CI, `docker run image make test`).
  if (!startWords(a))
    return [{ ruleId, reason: 'no CMD/ENTRYPOINT: cannot tell what the runtime stage runs', at }];
  // A `cd` in a RUN that builds moves the output somewhere the paths below do not see (pip
  // installs into the environment, wherever it runs).
  if (eco.id !== 'python') {
    const pred = eco.isBuild;
    for (const i of a.instrs) {
      const cmds = commandsOf(i);
      if (cmds.some(pred) && cmds.some((c) => ['cd', 'pushd'].includes(cmdName(c) ?? '')))
        return [
          {
            ruleId,
            reason: `\`cd\` in the build RUN (line ${i.line + 1}): cannot tell where the build output lands`,
            at: i.span.start,
          },
        ];
    }
  }
  const users = analyseUsers(a);
  if (users) return [{ ruleId, reason: users.skip, at: users.at }];
  const outcome: Outcome = eco.acceptsBase(a.image)
    ? eco.plan(a)
    : { skip: `${eco.build} on ${stage.image}: no known runtime base for this image` };
  if (!outcome) return [];
  if (isSkip(outcome)) return [{ ruleId, reason: outcome.skip, at: outcome.at ?? at }];
  const builderName = stage.name ?? pickName(model, ['builder', 'build-stage']);
  return [buildFix(a, eco, outcome, builderName)];
}
