/**
 * The edits of a `multistage` split: the builder keeps its instructions, a new runtime stage
 * gets the plan's base, packages and artifacts, the carried ENV/LABEL/ARG/USER and the
 * runtime-only tail (CMD, ENTRYPOINT, EXPOSE, ...), with the comments above them.
 * Docs: docs/rules/multistage.md.
 */
import { indentOf, instructionLines, instructionText } from '../../src/toolkit/edits.js';
import { copySpec } from '../../src/toolkit/copy.js';
import { normalizePosix } from '../../src/model/dockerfile.js';
import type { DockerfileModel, Edit, Fix, Instruction, Skipped } from '../../src/model/types.js';
import {
  ID,
  RUNTIME_ONLY,
  HOUSEKEEPING,
  USER_COMMANDS,
  parseImage,
  cmdName,
  argValues,
  wordValue,
  under,
  destFor,
  commandsOf,
} from './shared.js';
import type { Analysis, Plan, Ecosystem } from './shared.js';
import { startFiles } from './start-files.js';

/**
 * ENV variables that only configure the build (compilers, package managers, cross-compilation):
 * they stay in the builder and are not carried into the runtime stage.
 */
function buildOnlyEnv(eco: Ecosystem, name: string, value: string | null): boolean {
  if (/^(CC|CXX|CPP|CFLAGS|CXXFLAGS|CPPFLAGS|LDFLAGS|MAKEFLAGS)$/.test(name)) return true;
  return eco.builderEnv(name, value);
}

export function pickName(model: DockerfileModel, options: string[]): string {
  const taken = new Set(model.stages.map((s) => s.name?.toLowerCase()).filter(Boolean));
  return options.find((o) => !taken.has(o)) ?? `${options[0]}-${model.stages.length}`;
}

/** Whole lines of [start, end) comments directly above an instruction (no blank line between). */
function attachedStart(model: DockerfileModel, instr: Instruction): number {
  let line = instr.line;
  const commentLines = new Set(model.comments.map((c) => c.line));
  while (line > 0 && commentLines.has(line - 1)) line--;
  return model.lineStarts[line]!;
}

function textOf(model: DockerfileModel, instr: Instruction): string[] {
  return instructionText(model, instr).split(/\r?\n/);
}

function commentsText(model: DockerfileModel, from: number, to: number): string[] {
  return model.comments
    .filter((c) => c.span.start >= from && c.span.start < to)
    .map((c) => model.text.slice(model.lineStarts[c.line]!, c.span.end));
}

/** Users a runtime base image has without creating them. */
function baseUsers(image: string): Set<string> {
  const { repo, tag } = parseImage(image);
  const users = ['root', 'nobody', 'daemon'];
  if (repo === 'node') users.push('node');
  if (repo.startsWith('gcr.io/distroless/')) users.push('nonroot');
  if (/^mcr\.microsoft\.com\/dotnet\//.test(repo) && Number(/^(\d+)\./.exec(tag)?.[1] ?? 0) >= 8)
    users.push('app');
  return new Set(users);
}

/** `to` for a COPY into the runtime stage: relative to WORKDIR when inside it. */
function relativeDest(to: string, workdir: string | null): string {
  const slash = to.endsWith('/');
  const abs = normalizePosix(to);
  if (!workdir || workdir === '/' || !under(abs, workdir)) return to;
  if (abs === workdir) return slash ? './' : '.';
  return `./${abs.slice(workdir.length + 1)}${slash ? '/' : ''}`;
}

/**
 * The lines of an ENV instruction for the runtime stage: variables that only configure the
 * build are left out (their names pushed to `dropped`); the original text when all are kept.
 */
function runtimeEnv(a: Analysis, eco: Ecosystem, instr: Instruction, dropped: string[]): string[] {
  const { model } = a;
  const args = instr.args;
  if (args.length === 0) return textOf(model, instr);
  // Legacy `ENV NAME value with spaces`: one variable.
  const legacy = !/^[A-Za-z_][A-Za-z0-9_]*=/.test(args[0]!.raw);
  const pairs = legacy
    ? [
        {
          name: args[0]!.raw,
          value: model.expand(
            args
              .slice(1)
              .map((w) => w.raw)
              .join(' '),
            instr.index,
          ),
          raw: '',
        },
      ]
    : args.map((w) => {
        const v = w.value ?? model.expand(w.raw, instr.index);
        const name = w.raw.slice(0, w.raw.indexOf('='));
        return { name, value: v === null ? null : v.slice(v.indexOf('=') + 1), raw: w.raw };
      });
  const keep = pairs.filter((p) => !buildOnlyEnv(eco, p.name, p.value));
  if (keep.length === pairs.length) return textOf(model, instr);
  dropped.push(...pairs.filter((p) => !keep.includes(p)).map((p) => p.name));
  if (keep.length === 0) return [];
  return [`ENV ${keep.map((p) => p.raw).join(' ')}`];
}

export function buildFix(
  a: Analysis,
  eco: Ecosystem,
  plan: Plan,
  builderName: string,
): Fix | Skipped {
  const { model } = a;
  const ruleId = `${ID}/${plan.eco}`;
  const runtimeName = pickName(model, ['runtime', 'final', 'app-runtime']);
  const instrs = a.instrs;
  const edits: Edit[] = [...plan.builderEdits];
  const from = a.fromInstr;
  if (!a.stage.name) {
    const last = from.args[from.args.length - 1]!;
    edits.push({ start: last.span.end, end: last.span.end, text: ` AS ${builderName}` });
  }
  // Instructions after the build step.
  const after = instrs.filter((i) => i.index > a.buildAt);
  const moved: Instruction[] = [];
  for (const i of after) {
    if (RUNTIME_ONLY.has(i.keyword)) moved.push(i);
    else if (i.keyword === 'COPY' || i.keyword === 'ADD') {
      const spec = copySpec(model, i);
      if (!spec || spec.from)
        return {
          ruleId,
          reason: `${i.keyword} --from after the build step`,
          at: i.span.start,
        };
      moved.push(i);
    } else if (i.keyword === 'RUN') {
      const cmds = commandsOf(i);
      if (
        !i.shell?.ok ||
        cmds.length === 0 ||
        cmds.some((c) => !HOUSEKEEPING.has(cmdName(c) ?? ''))
      )
        return {
          ruleId,
          reason: `RUN after the build step (line ${i.line + 1}) may need the toolchain in the runtime stage`,
          at: i.span.start,
        };
      moved.push(i);
    } else if (['ENV', 'LABEL', 'WORKDIR', 'ARG'].includes(i.keyword)) {
      /* copied below */
    } else
      return {
        ruleId,
        reason: `${i.keyword} after the build step`,
        at: i.span.start,
      };
  }
  // The USER: moved with the runtime-only tail, or (set before the build, still in effect)
  // copied; the RUNs before the build step that create users come along.
  const copied: Instruction[] = [];
  const userRuns = a.userRuns;
  const earlyUser = a.user && a.user.index <= a.buildAt ? a.user : null;
  if (a.user) {
    const w = a.user.args[0];
    const value = w ? wordValue(model, w.raw, w.value, a.user.index) : null;
    const name = value?.split(':')[0] ?? null;
    const creators = [...userRuns, ...moved.filter((m) => m.keyword === 'RUN')].filter((r) =>
      commandsOf(r).some(
        (c) => USER_COMMANDS.has(cmdName(c) ?? '') && argValues(c).includes(name ?? ''),
      ),
    );
    if (name === null)
      return {
        ruleId,
        reason: `USER ${w?.raw ?? ''}: the user is not known`,
        at: a.user.span.start,
      };
    if (!/^\d+$/.test(name) && creators.length === 0 && !baseUsers(plan.runtimeImage).has(name))
      return {
        ruleId,
        reason: `USER ${name} is not created in this stage: ${plan.runtimeImage} may not have it`,
        at: a.user.span.start,
      };
  }
  // The files the start command runs (scripts, what they source) come along.
  const start = startFiles(a, plan, moved);
  if ('skip' in start) return { ruleId, reason: start.skip, at: start.at };
  const copies = [...plan.copies, ...start.copies];
  // useradd/groupadd do not exist on alpine (busybox has adduser/addgroup).
  const rtImage = parseImage(plan.runtimeImage);
  if ((rtImage.repo === 'alpine' || /alpine/.test(rtImage.tag)) && !/alpine/.test(a.image.tag)) {
    const r = [...userRuns, ...moved].find((i) =>
      commandsOf(i).some((c) => ['useradd', 'groupadd'].includes(cmdName(c) ?? '')),
    );
    if (r)
      return {
        ruleId,
        reason: `${plan.runtimeImage} has no useradd/groupadd (line ${r.line + 1}): create the user with adduser there`,
        at: r.span.start,
      };
  }
  // ENV and LABEL are carried; ENV variables that only configure the build stay behind.
  const copiedText = new Map<Instruction, string[]>();
  const buildOnly: string[] = [];
  for (const i of instrs) {
    if (i.keyword === 'ENV') {
      const lines = runtimeEnv(a, eco, i, buildOnly);
      if (lines.length === 0) continue;
      copiedText.set(i, lines);
      copied.push(i);
    }
    if (i.keyword === 'LABEL') copied.push(i);
    if (i === earlyUser && !moved.includes(i)) copied.push(i);
  }
  const linesOf = (i: Instruction) => copiedText.get(i) ?? textOf(model, i);
  // Remove moved instructions: the tail after the last kept instruction goes as one block.
  const keptAll = instrs.filter((i) => !moved.includes(i));
  const lastKept = keptAll[keptAll.length - 1]!;
  const regionStart = instructionLines(model, lastKept).end;
  const lastInstr = instrs[instrs.length - 1]!;
  const regionEnd = moved.includes(lastInstr)
    ? instructionLines(model, lastInstr).end
    : regionStart;
  const movedLines: string[] = [];
  for (const m of moved) {
    if (m.index > lastKept.index) {
      const prev = model.instructions[m.index - 1]!;
      movedLines.push(...commentsText(model, prev.span.end, m.span.start));
    } else {
      const s = attachedStart(model, m);
      movedLines.push(...commentsText(model, s, m.span.start));
      edits.push({ start: s, end: instructionLines(model, m).end, text: '' });
    }
    movedLines.push(...(m.keyword === 'CMD' && plan.cmd ? [plan.cmd] : textOf(model, m)));
  }
  // ARGs used by what the runtime stage holds.
  const body = [
    ...copied.flatMap(linesOf),
    ...plan.env,
    ...(plan.deps ?? []),
    ...movedLines,
    ...userRuns.flatMap((i) => textOf(model, i)),
  ].join('\n');
  const argLines: string[] = [];
  const seen = new Set<string>();
  for (const i of instrs) {
    if (i.keyword !== 'ARG') continue;
    const name = /^([A-Za-z_][A-Za-z0-9_]*)/.exec(i.args[0]?.raw ?? '')?.[1];
    if (!name || seen.has(name)) continue;
    if (new RegExp(`\\$\\{?${name}\\b`).test(body)) {
      seen.add(name);
      argLines.push(...textOf(model, i));
    }
  }
  for (const g of model.instructions) {
    if (g.stage >= 0 || g.keyword !== 'ARG') continue;
    const name = /^([A-Za-z_][A-Za-z0-9_]*)/.exec(g.args[0]?.raw ?? '')?.[1];
    if (name && !seen.has(name) && new RegExp(`\\$\\{?${name}\\b`).test(body)) {
      seen.add(name);
      argLines.push(`ARG ${name}`);
    }
  }
  const wd = model.workdirAt(
    lastInstr.index + 1 <= a.stage.last ? lastInstr.index : lastInstr.index,
  );
  const finalWd = lastInstr.keyword === 'WORKDIR' ? null : wd;
  const lines: string[] = ['', `FROM ${plan.runtimeImage} AS ${runtimeName}`];
  lines.push(...argLines, ...plan.setup);
  lines.push(...copied.filter((i) => i.keyword !== 'USER').flatMap(linesOf), ...plan.env);
  const workdir = finalWd ?? model.workdirAt(a.buildAt);
  if (workdir) lines.push(`WORKDIR ${workdir}`);
  lines.push(...(plan.deps ?? []));
  for (const c of copies) {
    const to =
      c.to !== undefined
        ? relativeDest(c.to, workdir)
        : c.from === workdir
          ? '.'
          : destFor(c.from, workdir, c.dir);
    lines.push(`COPY --from=${builderName}${c.chown ? ` --chown=${c.chown}` : ''} ${c.from} ${to}`);
  }
  lines.push(...userRuns.flatMap((i) => textOf(model, i)));
  if (earlyUser && copied.includes(earlyUser)) lines.push(...textOf(model, earlyUser));
  lines.push(...movedLines);
  // Indentation of the builder's FROM line.
  const indent = indentOf(model, from);
  const out = lines.map((l) => (l === '' ? '' : l.startsWith(indent) ? l : indent + l));
  const eol = model.eol;
  const noFinalEol = regionEnd === model.text.length && !/\n$/.test(model.text);
  let text: string;
  if (regionStart === model.text.length && !/\n$/.test(model.text))
    text = out.map((l) => eol + l).join('');
  else text = out.join(eol) + (noFinalEol ? '' : eol);
  edits.push({ start: regionStart, end: regionEnd, text });
  const health = moved.some((m) => m.keyword === 'HEALTHCHECK')
    ? `The HEALTHCHECK command must exist in ${plan.runtimeImage}.`
    : undefined;
  const envNote = buildOnly.length
    ? `Build settings stay in the builder: ENV ${buildOnly.join(', ')}.`
    : undefined;
  const startNote = start.copies.length
    ? `The start command's ${start.copies.length > 1 ? 'files come' : 'file comes'} along: ${start.copies.map((c) => c.from).join(', ')}.`
    : undefined;
  const note = [eco.note, plan.noteExtra, startNote, health, envNote].filter(Boolean).join(' ');
  return {
    ruleId,
    message: plan.message,
    applicability: 'review',
    at: from.span.start,
    edits,
    note,
    data: {
      ...plan.data,
      ...(start.copies.length ? { startFiles: start.copies.map((c) => c.from) } : {}),
      builder: builderName,
      runtime: runtimeName,
      ...(buildOnly.length ? { builderOnlyEnv: buildOnly } : {}),
    },
    hadolint: [],
  };
}
