/**
 * What the language server knows about one Dockerfile: the fixes `fix` would report for the
 * editor's (unsaved) text over the build context and config found on disk as `fix` finds them
 * (the contexts declared by compose, bake, ... through `optimizeDeclared`, as `fix` does; else
 * the Dockerfile's folder), and the workspace edits of the code actions. No LSP connection here: plain functions the
 * server (src/lsp/server.ts) and the tests call. See README "Editors".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { OptimizeOptions, OptimizeResult } from '../api.js';
import { buildsFor, findBuilds, optimizeDeclared, type BuildDecl } from '../builds.js';
import { optimizeOptionsFrom, splitList } from '../cli/options.js';
import { ConfigError, findConfig, type LoadedConfig } from '../context/config.js';
import { packageRoot } from '../io/version.js';
import {
  contextAfter,
  diskContext,
  explain,
  filesNamedByFix,
  type ExplainResult,
} from '../explain/explain.js';
import type { FixReport } from '../engine/loop.js';
import type { BuildContext } from '../model/types.js';
import { transforms as registry } from '../../transforms/index.js';
import { configRuleCheck } from '../model/rules.js';
import { computeLineStarts, detectEol, indentOfLine, lineOfOffset } from '../model/text.js';

/** The client's settings (`dockerfileOptimizer.*` in VS Code, `settings` in Neovim). */
export interface ServerSettings {
  /** Also apply review fixes in "fix all". */
  unsafe?: boolean;
  /** Only these transforms or rules (comma-separated string or list). */
  only?: string | string[];
  /** Not these transforms or rules. */
  skip?: string | string[];
}

export interface Analysis {
  /** The Dockerfile's absolute path. */
  file: string;
  /** The build context directory (the first declared one, else the Dockerfile's folder). */
  contextDir: string;
  /** The builds declared for the Dockerfile (compose, bake, ...; empty: none). */
  builds: BuildDecl[];
  /** Where the context came from (`context . from compose.yaml service web`); null: default. */
  origin: string | null;
  /** The options `fix` would use (config + settings), without `unsafe`. */
  options: OptimizeOptions;
  /** `fix` (safe) on the text: its `fixes` lists review fixes too (applied: false). */
  result: OptimizeResult;
  /** A config or usage problem: reported as one diagnostic, nothing else. */
  error: string | null;
}

const known = configRuleCheck(registry);

/** The config file that applies to a Dockerfile (null: none); a broken one throws ConfigError. */
export function configFor(file: string): LoadedConfig | null {
  return findConfig(path.dirname(file), known, new Map());
}

/** Optimize the editor's text as `fix` would optimize the file on disk. */
export async function analyse(
  file: string,
  text: string,
  settings: ServerSettings = {},
): Promise<Analysis> {
  const builds = await declaredBuilds(file);
  let contextDir = builds[0]?.context ?? path.dirname(file);
  let origin: string | null = null;
  // Declared builds: optimizeDeclared picks the context(s); messages are relative to the folder
  // of the file that declares them (usually the repository root, where `fix` is run).
  const base: OptimizeOptions = builds.length
    ? { path: file, cwd: path.dirname(builds[0]!.source.file) }
    : // The context as a folder: optimize reads its ignore files as fix does (through a link;
      // an existing one that cannot be read is an error, never "absent").
      { path: file, cwd: contextDir, context: contextDir };
  let options: OptimizeOptions = base;
  try {
    const config = configFor(file);
    const fromConfig = optimizeOptionsFrom(
      { only: settings.only, skip: settings.skip },
      config?.config ?? null,
    );
    options = { ...base, ...fromConfig, unsafe: false };
    const result = await optimizeDeclared(file, builds, { ...options, text });
    contextDir = result.contexts[0] ?? contextDir;
    origin = result.origin;
    return { file, contextDir, builds, origin, options, result, error: null };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (err instanceof ConfigError || (err as { kind?: string }).kind === 'usage') {
      const empty: OptimizeResult = {
        output: text,
        diff: '',
        fixes: [],
        skipped: [],
        suppressed: [],
        files: [],
        changed: false,
      };
      return { file, contextDir, builds, origin, options, result: empty, error: msg };
    }
    throw err;
  }
}

/** The result of applying fixes: `fix` (unsafe false) or `fix --unsafe`, or one rule only. */
export async function fixResult(
  a: Analysis,
  text: string,
  how: { unsafe: boolean; rule?: string },
): Promise<OptimizeResult> {
  const opts: OptimizeOptions = { ...a.options, unsafe: how.unsafe };
  if (how.rule) {
    opts.only = [how.rule];
    opts.skip = (a.options.skip ?? []).filter((s) => s !== how.rule);
  }
  return optimizeDeclared(a.file, a.builds, { ...opts, text });
}

/** The builds declared for a Dockerfile (compose, bake, skaffold, devcontainer, workflows found
 * from its folder up to the repository root); a malformed definition counts as none. */
async function declaredBuilds(file: string): Promise<BuildDecl[]> {
  try {
    return buildsFor(await findBuilds([file], path.dirname(file), process.env), file);
  } catch {
    return [];
  }
}

/** The smallest single replacement turning `before` into `after` (offsets into `before`). */
export function changedRegion(
  before: string,
  after: string,
): { start: number; end: number; text: string } | null {
  if (before === after) return null;
  let s = 0;
  const max = Math.min(before.length, after.length);
  while (s < max && before.charCodeAt(s) === after.charCodeAt(s)) s++;
  let e = 0;
  while (
    e < max - s &&
    before.charCodeAt(before.length - 1 - e) === after.charCodeAt(after.length - 1 - e)
  )
    e++;
  return { start: s, end: before.length - e, text: after.slice(s, after.length - e) };
}

/** Line/character (UTF-16) of an offset. */
export function positionAt(text: string, offset: number): { line: number; character: number } {
  const starts = computeLineStarts(text);
  const line = lineOfOffset(starts, offset);
  return { line, character: offset - starts[line]! };
}

export interface FileEditPlan {
  uri: string;
  /** null: the file is new (create it first). */
  before: string | null;
  after: string;
}

/** Every file a fix result changes, the Dockerfile first. */
export function filePlans(
  result: OptimizeResult,
  dockerfile: string,
  text: string,
): FileEditPlan[] {
  const plans: FileEditPlan[] = [];
  if (result.output !== text)
    plans.push({ uri: pathToFileURL(dockerfile).href, before: text, after: result.output });
  for (const f of result.files) {
    if (!f.absolutePath || path.resolve(f.absolutePath) === path.resolve(dockerfile)) continue;
    plans.push({ uri: pathToFileURL(f.absolutePath).href, before: f.before, after: f.after });
  }
  return plans;
}

/** The comment that silences a rule on the next instruction, indented like that line. */
export function ignoreComment(text: string, line0: number, ruleId: string) {
  const starts = computeLineStarts(text);
  const indent = indentOfLine(text, starts, starts[line0] ?? text.length);
  return `${indent}# dockerfile-optimizer ignore=${ruleId}${detectEol(text)}`;
}

export const docsUrl = (f: Pick<FixReport, 'transform'>) => {
  const root = packageRoot();
  if (!root) return undefined;
  const local = path.join(root, 'docs/rules', `${f.transform}.md`);
  return fs.existsSync(local) ? pathToFileURL(local).href : undefined;
};

/** What a source edit re-runs from a step on, before and after the fixes, as Markdown. */
export function cacheHover(a: Analysis, text: string, line1: number): string | null {
  let ctx: BuildContext;
  let before: ExplainResult;
  try {
    ctx = diskContext(a.contextDir, a.file);
    const avoid = a.result.changed
      ? filesNamedByFix(
          { text, context: ctx },
          { text: a.result.output, context: contextAfter(ctx, a.result) },
        )
      : [];
    before = explain({ text, context: ctx, avoid });
  } catch {
    return null;
  }
  const step = before.steps.find((s) => s.line === line1);
  if (!step) return null;
  const source = before.edits.find((e) => e.kind === 'source');
  if (!source) return null;
  const out: string[] = [`**${step.buildkit.prefix}** ${step.instruction}`, ''];
  const from = source.reruns.filter((r) => r.line >= line1);
  const listed = (rs: typeof from) =>
    rs.map(
      (r) =>
        `- \`${r.buildkit.prefix}\` ${r.instruction.slice(0, 80)}${r.reason ? ` (expensive: ${r.reason})` : ''}${r.certain ? '' : ' (maybe)'}`,
    );
  if (!source.reruns.some((r) => r.line === line1))
    out.push(`Editing \`${source.path}\` does not re-run this step (it stays cached).`);
  else out.push(`Editing \`${source.path}\` re-runs this step and what follows:`, ...listed(from));
  if (a.result.changed) {
    try {
      const after = explain({
        text: a.result.output,
        context: contextAfter(ctx, a.result),
        edits: [source.path],
      });
      const e = after.edits[0]!;
      out.push(
        '',
        `After the safe fixes, the same edit re-runs ${e.reruns.length} of ${after.steps.length} steps (now ${source.reruns.length}).`,
      );
    } catch {
      /* the fixed text could not be explained: say nothing about it */
    }
  }
  return out.join('\n');
}

export { splitList };
