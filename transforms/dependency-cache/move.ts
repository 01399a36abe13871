/**
 * dependency-cache: the fix. One `MovePlan` (copy, install RUN, what runs between, installs,
 * the chain split) becomes the edits: the manifest COPY and the install before the full copy
 * (`moveFix`), or the install part of a RUN split off before it (`splitFix`). See
 * docs/rules/dependency-cache.md ("Fix safety", "Decisions").
 */
import { imageWorkdir } from '../../src/model/image-path.js';
import { instructionLines } from '../../src/toolkit/edits.js';
import type {
  BuildContext,
  DockerfileModel,
  Edit,
  Finding,
  Fix,
  Instruction,
} from '../../src/model/types.js';
import { ID, type Install, type Env, under, INERT, SETTINGS, cmdText } from './env.js';
import {
  type FullCopy,
  type ManifestFile,
  manifests,
  providedBefore,
  copyLines,
  readsProblem,
} from './copy.js';
import {
  blockStart,
  removalSpan,
  blockText,
  withInserts,
  runFlagsText,
  firstLine,
  moversNote,
} from './text.js';
import { INSTALL_NAMES } from './installs/index.js';
import type { ChainPlan } from './chain.js';

/** Everything the fix needs to know: found by plan.ts, turned into edits here. */
export interface MovePlan {
  model: DockerfileModel;
  ctx: BuildContext;
  /** The full copy the install moves above. */
  copy: FullCopy;
  /** The RUN holding the install. */
  run: Instruction;
  /** Instructions between the copy and the RUN (settings, inert ones, context-free set-ups). */
  between: Instruction[];
  installs: Install[];
  /** The environment of the RUN below the copy. */
  env: Env;
  /** How the RUN splits into its install part and the rest (absent: the whole RUN moves). */
  chain?: ChainPlan;
}

/** A move plan whose manifests are known: the files to copy first and their COPY lines. */
interface SplitPlan extends MovePlan {
  chain: ChainPlan;
  files: ManifestFile[];
  lines: string[];
}

export function moveFix(move: MovePlan): Finding {
  const { model, ctx, copy, run, between, installs, env, chain: plan } = move;
  const real = installs.filter((i) => !i.ignore);
  const first = real[0]!;
  const ruleId = `${ID}/${first.kind}`;
  const skip = (reason: string) => ({ ruleId, reason, at: run.span.start });
  if (!ctx.available) {
    const named = real.every((i) => i.kind === 'pip' && i.needs.length > 0);
    if (!named)
      return skip(
        'no build context: the manifests this install reads cannot be seen (give the context directory)',
      );
  }
  const files = manifests(model, ctx, copy, real, env);
  if (typeof files === 'string') return skip(files);
  const lines = copyLines(model, copy, files);
  if (typeof lines === 'string') return skip(lines);
  for (const d of plan?.cdDirs ?? [])
    if (under(copy.destDir, d) !== null && !files.some((f) => under(d, f.imagePath) !== null))
      return skip(`the install runs in ${d} (\`cd\`), which only the full copy creates`);
  const copyText = firstLine(model, copy.instr);
  const why = readsProblem(env, copy, copyText, real, files, providedBefore(model, ctx, copy));
  if (why) return skip(why);
  if (plan && plan.prefix < plan.items.length)
    return splitFix({ ...move, installs: real, files, lines, chain: plan });
  const settings = between.filter((i) => SETTINGS.has(i.keyword));
  const movers = between.filter((i) => !INERT.has(i.keyword) && !SETTINGS.has(i.keyword));
  const copyStart = blockStart(model, copy.instr, -1);
  const runStart = blockStart(model, run, copy.instr.endLine);
  const inserts = real.flatMap((i) => i.inserts ?? []);
  const afterCmds = real.flatMap((i) => i.after ?? []);
  const flags = runFlagsText(model, run);
  const indent = model.text.slice(model.lineStarts[copy.instr.line]!, copy.instr.span.start);
  const runIndent = model.text.slice(model.lineStarts[run.line]!, run.span.start);
  const afterLines = afterCmds.map((c) => runIndent + ['RUN', ...flags, c].join(' '));
  const eol = model.eol;
  const edits: Edit[] = [];
  if (settings.length === 0 && movers.length === 0) {
    const moved = withInserts(blockText(model, runStart, run), runStart, inserts);
    edits.push({
      start: copyStart,
      end: copyStart,
      text: lines.map((l) => indent + l + eol).join('') + moved + eol,
    });
    const rm = removalSpan(model, runStart, run);
    if (afterLines.length) {
      const { end } = instructionLines(model, run);
      const lastNoNl = end === model.text.length && !/\n$/.test(model.text);
      edits.push({ start: runStart, end, text: afterLines.join(eol) + (lastNoNl ? '' : eol) });
    } else edits.push({ ...rm, text: '' });
  } else {
    // Settings or tool set-ups between: the install keeps its place, the full copy moves below
    // it. The manifest COPY takes the full copy's place, or (with tool set-ups between, settings
    // or not) goes right before the install, so a manifest edit does not re-run the set-ups.
    const expandedHere = model.expand(copy.instr.logical.text, copy.instr.index);
    const expandedThere = model.expand(copy.instr.logical.text, run.index);
    if (expandedHere === null || expandedHere !== expandedThere)
      return skip(
        `an ${settings.find((s) => s.keyword !== 'WORKDIR' && s.keyword !== 'USER')?.keyword ?? 'ENV'} between the copy and the install changes a variable the copy uses`,
      );
    const relDest = !(copy.spec.dest.value ?? '/').startsWith('/');
    if (relDest && imageWorkdir(model, copy.instr.index) !== imageWorkdir(model, run.index))
      return skip(
        'a WORKDIR between the copy and the install changes where the relative copy lands',
      );
    const manifestText = lines.map((l) => indent + l + eol).join('');
    if (!movers.length) {
      const copyLinesSpan = instructionLines(model, copy.instr);
      edits.push({ start: copyStart, end: copyLinesSpan.end, text: manifestText });
    } else {
      edits.push({ ...removalSpan(model, copyStart, copy.instr), text: '' });
      edits.push({ start: runStart, end: runStart, text: manifestText });
    }
    for (const ins of inserts) edits.push({ start: ins.at, end: ins.at, text: ins.text });
    const { end } = instructionLines(model, run);
    const lastNoNl = end === model.text.length && !/\n$/.test(model.text);
    const moved = [blockText(model, copyStart, copy.instr), ...afterLines];
    edits.push({
      start: end,
      end,
      text: lastNoNl ? moved.map((l) => eol + l).join('') : moved.map((l) => l + eol).join(''),
    });
  }
  const review = !ctx.available || inserts.length > 0;
  const list = files.map((f) => f.source);
  const what = INSTALL_NAMES[first.kind];
  const manifestsText = list.length
    ? `copy only ${list.join(', ')} first`
    : 'the files it reads are already in place';
  let message = `${what} re-runs on every source edit because it follows \`${copyText}\`: ${manifestsText} and install before the full copy`;
  if (inserts.length)
    message += `, with the source-dependent part (${afterCmds.join('; ') || 'none'}) after it`;
  const fix: Fix = {
    ruleId,
    message: message + '.',
    applicability: review ? 'review' : 'safe',
    at: run.span.start,
    edits,
    data: {
      ecosystem: first.kind,
      manifests: list,
      install: model.text.slice(run.span.start, run.span.end),
      copy: copyText,
      ...(afterCmds.length ? { after: afterCmds } : {}),
    },
  };
  if (!ctx.available)
    fix.note =
      'no build context: manifests inferred from the command; nested includes are not copied';
  else if (inserts.length)
    fix.note = `the moved install gets${inserts.map((i) => i.text).join('')}; check the project still builds`;
  const kept = moversNote(model, movers);
  if (kept) fix.note = fix.note ? `${fix.note}; ${kept}` : kept;
  return fix;
}

/**
 * Install and build in one RUN: the leading install part becomes a RUN of its own before the full
 * copy (same flags, the author's layout up to the last install command), the RUN after the copy
 * keeps the rest (with the `cd`/`set`/`export` items the install part ran first).
 */
function splitFix(split: SplitPlan): Finding {
  const { model, ctx, copy, run, between, installs, files, lines, chain: plan } = split;
  const first = installs[0]!;
  const ruleId = `${ID}/${first.kind}`;
  const skip = (reason: string) => ({ ruleId, reason, at: run.span.start });
  const text = model.text;
  const items = plan.items;
  const lastMoved = items[plan.prefix - 1]!.item;
  const firstRest = items[plan.prefix]!.item;
  const head = text.slice(run.span.start, items[0]!.item.span.start);
  const inserts = installs.flatMap((i) => i.inserts ?? []);
  const afterCmds = installs.flatMap((i) => i.after ?? []);
  const moved = withInserts(
    text.slice(run.span.start, lastMoved.span.end),
    run.span.start,
    inserts,
  );
  const state = plan.state
    .map((i) => text.slice(items[i]!.item.span.start, items[i + 1]!.item.span.start))
    .join('');
  const rest =
    head +
    state +
    afterCmds.map((c) => c + ' && ').join('') +
    text.slice(firstRest.span.start, run.span.end);
  const eol = model.eol;
  const indent = text.slice(model.lineStarts[copy.instr.line]!, copy.instr.span.start);
  const runIndent = text.slice(model.lineStarts[run.line]!, run.span.start);
  const copyStart = blockStart(model, copy.instr, -1);
  const settings = between.filter((i) => SETTINGS.has(i.keyword));
  const movers = between.filter((i) => !INERT.has(i.keyword) && !SETTINGS.has(i.keyword));
  const edits: Edit[] = [];
  if (settings.length === 0 && movers.length === 0) {
    edits.push({
      start: copyStart,
      end: copyStart,
      text: lines.map((l) => indent + l + eol).join('') + runIndent + moved + eol,
    });
    edits.push({ start: run.span.start, end: run.span.end, text: rest });
  } else {
    const expandedHere = model.expand(copy.instr.logical.text, copy.instr.index);
    const expandedThere = model.expand(copy.instr.logical.text, run.index);
    if (expandedHere === null || expandedHere !== expandedThere)
      return skip(
        'an ENV or ARG between the copy and the install changes a variable the copy uses',
      );
    const relDest = !(copy.spec.dest.value ?? '/').startsWith('/');
    if (relDest && imageWorkdir(model, copy.instr.index) !== imageWorkdir(model, run.index))
      return skip(
        'a WORKDIR between the copy and the install changes where the relative copy lands',
      );
    const manifestText = lines.map((l) => indent + l + eol).join('');
    const tail = moved + eol + blockText(model, copyStart, copy.instr) + eol + runIndent + rest;
    if (!movers.length) {
      edits.push({
        start: copyStart,
        end: instructionLines(model, copy.instr).end,
        text: manifestText,
      });
      edits.push({ start: run.span.start, end: run.span.end, text: tail });
    } else {
      // Tool set-ups between (maybe settings too): the manifest COPY goes right before the install.
      const runStart = blockStart(model, run, copy.instr.endLine);
      edits.push({ ...removalSpan(model, copyStart, copy.instr), text: '' });
      edits.push({
        start: runStart,
        end: run.span.end,
        text: manifestText + text.slice(runStart, run.span.start) + tail,
      });
    }
  }
  const review = !ctx.available || inserts.length > 0 || plan.review.length > 0;
  const list = files.map((f) => f.source);
  const copyText = firstLine(model, copy.instr);
  const restCmd = firstRest.command ? cmdText(firstRest.command) : firstLine(model, firstRest);
  const manifestsText = list.length
    ? `copy only ${list.join(', ')} first`
    : 'the files it reads are already in place';
  const notes = [
    ...(inserts.length
      ? [
          `the moved install gets${inserts.map((i) => i.text).join('')} and \`${afterCmds.join(' && ')}\` runs after the copy`,
        ]
      : []),
    ...plan.review,
    ...(moversNote(model, movers) ? [moversNote(model, movers)!] : []),
  ];
  const fix: Fix = {
    ruleId,
    message: `${INSTALL_NAMES[first.kind]} re-runs on every source edit because it shares a RUN after \`${copyText}\` with \`${restCmd}\`: ${manifestsText}, install in a RUN of its own before the full copy, and keep the rest after it.`,
    applicability: review ? 'review' : 'safe',
    at: run.span.start,
    edits,
    data: {
      ecosystem: first.kind,
      manifests: list,
      install: moved,
      rest,
      copy: copyText,
      ...(afterCmds.length ? { after: afterCmds } : {}),
    },
  };
  if (notes.length) fix.note = notes.join('; ');
  return fix;
}
