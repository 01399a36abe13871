/**
 * dependency-cache/go-mod-download: a lone `go build` after the full copy gets a
 * `go mod download` (with go.mod/go.sum copied first) before the copy; a review fix. See docs/rules/dependency-cache.md.
 */
import { imageWorkdir, joinImage } from '../../src/model/image-path.js';
import type { IgnoreFile } from '../../src/context/ignore.js';
import type { BuildContext, DockerfileModel, Finding, Instruction } from '../../src/model/types.js';
import {
  ID,
  type Install,
  envFor,
  contextPath,
  inContext,
  vals,
  base,
  subcommand,
  INERT,
  SETTINGS,
} from './env.js';
import { goReads, goModProblem, buildsSource } from './installs/go.js';
import { type FullCopy, manifests, providedBefore, copyLines, readsProblem } from './copy.js';
import { blockStart, firstLine } from './text.js';

/** Only `go build` after the full copy: add `go mod download` before it (review). */
export function goDownloadFix(
  model: DockerfileModel,
  ctx: BuildContext,
  ignore: IgnoreFile,
  copy: FullCopy,
  run: Instruction,
  between: Instruction[],
): Finding | null {
  const ruleId = `${ID}/go-mod-download`;
  const skip = (reason: string) => ({ ruleId, reason, at: run.span.start });
  const stage = model.stages[copy.instr.stage]!;
  // Already downloads before the copy: nothing to add.
  for (let i = stage.first; i < copy.instr.index; i++) {
    const instr = model.instructions[i]!;
    if (instr.shell?.commands.some((c) => base(c.name?.value) === 'go' && vals(c).includes('mod')))
      return null;
  }
  if (!ctx.available) return null;
  const wd = imageWorkdir(model, copy.instr.index);
  if (wd === null || wd !== copy.destDir) return null;
  if (imageWorkdir(model, run.index) !== wd) return null;
  const env = envFor(model, ctx, ignore, copy, run, wd);
  const gomodPath = contextPath(env, joinImage(wd, 'go.mod'));
  if (gomodPath === null || !inContext(env, gomodPath)) return null;
  // The command that compiles: `go build`, `go install`, ... (named in the messages).
  const build = run.shell!.commands.find((c) => buildsSource(c) !== null)!;
  const buildName = `go ${subcommand(build)?.value ?? 'build'}`;
  const problem = goModProblem(env, wd);
  if (problem) return skip(problem);
  const vendor = contextPath(env, joinImage(wd, 'vendor/modules.txt'));
  if (vendor !== null && inContext(env, vendor))
    // Already right: a vendored module downloads nothing (a note, not a rewrite given up).
    return {
      ...skip(`the module is vendored: ${buildName} reads vendor/, nothing to download`),
      info: true,
    };
  if (between.some((i) => !INERT.has(i.keyword) && !SETTINGS.has(i.keyword))) return null;
  const gomod = env.ctx.readFile(gomodPath) ?? '';
  if (!/^\s*require\b/m.test(gomod)) return null;
  const install: Install = {
    kind: 'go-mod-download',
    cmd: run.shell!.commands[0]!,
    needs: [
      { path: joinImage(wd, 'go.mod'), required: true },
      { path: joinImage(wd, 'go.sum'), required: false },
    ],
  };
  const files = manifests(model, ctx, copy, [install], env);
  if (typeof files === 'string') return skip(files);
  const lines = copyLines(model, copy, files);
  if (typeof lines === 'string') return skip(lines);
  const copyText = firstLine(model, copy.instr);
  // GOFLAGS=-mod=vendor, GOPROXY=file://... into the copied tree: the download would need it.
  const why = readsProblem(
    env,
    copy,
    copyText,
    [{ ...install, reads: goReads(env, build) }],
    files,
    providedBefore(model, ctx, copy),
  );
  if (why) return skip(why);
  const mounts = run.flags
    .filter((f) => f.name === 'mount' && f.options.type === 'cache')
    .map((f) => model.text.slice(f.span.start, f.span.end));
  const copyStart = blockStart(model, copy.instr, -1);
  const indent = model.text.slice(model.lineStarts[copy.instr.line]!, copy.instr.span.start);
  const text = [...lines, ['RUN', ...mounts, 'go mod download'].join(' ')]
    .map((l) => indent + l + model.eol)
    .join('');
  return {
    ruleId,
    message: `${buildName} downloads every module again on each source edit because only \`${copyText}\` precedes it: copy ${files.map((f) => f.source).join(', ')} and run \`go mod download\` before the full copy.`,
    applicability: 'review',
    at: run.span.start,
    edits: [{ start: copyStart, end: copyStart, text }],
    note: 'adds a RUN step; with a cache mount on the module cache, the download lands in the mount',
    data: { ecosystem: 'go', manifests: files.map((f) => f.source), copy: copyText },
  };
}
