/** `dockerfile-optimizer fix`: optimize every file of the session, merge the changes of shared
 * files (one .dockerignore for several Dockerfiles), write them (or print the diff), report in
 * the chosen format (report/<format>.ts). */
import * as path from 'node:path';
import { optimize, withOptimizeSession, type FileChange, type OptimizeResult } from '../api.js';
import { Declared } from '../builds.js';
import { ConfigError, type Config } from '../context/config.js';
import { colorizeDiff, unifiedDiff } from '../engine/diff.js';
import { UsageError } from '../errors.js';
import { dryRunCacheLine } from '../explain/explain.js';
import { contextOutside, oneLine, showPath } from '../io/paths.js';
import { signalExitCode } from '../io/signals.js';
import { groupUnits, writeUnits } from '../io/write.js';
import type { Transform } from '../model/types.js';
import { transforms as registry } from '../../transforms/index.js';
import { EXIT_CHANGES, EXIT_ERROR, EXIT_OK, PROG, type CliIO } from './io.js';
import { optimizeOptionsFrom } from './options.js';
import { githubAnnotations } from './report/github.js';
import { jsonReport } from './report/json.js';
import { counts, type FileOutcome } from './report/outcome.js';
import { sarifReport } from './report/sarif.js';
import { fixLine, skipLine, summaryLine } from './report/text.js';
import { Session, type SessionFile } from './session.js';

export type Format = 'diff' | 'json' | 'sarif' | 'github';

export interface FixArgs {
  paths: string[];
  dryRun: boolean;
  unsafe?: boolean;
  only?: string | string[];
  skip?: string | string[];
  context?: string;
  /** --allow-outside-context: a --context outside the repository and the working directory. */
  allowOutsideContext?: boolean;
  format: Format;
  color: 'auto' | 'always' | 'never';
  dockerignore?: boolean;
  cacheMounts?: boolean;
  stdinFilename?: string;
  config?: string;
  quiet: boolean;
  /** fix --verify: build both with Docker; write only fixes whose optimized build succeeds. */
  verify?: { docker?: string; target?: string; buildArg?: string[]; timeout?: number };
}

function useColor(mode: FixArgs['color'], io: CliIO): boolean {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  return io.stdoutIsTTY;
}

/** Options for one Dockerfile: its config (nearest, or --config), overridden by CLI flags. */
function optionsFor(
  args: FixArgs,
  config: Config | null,
  custom: readonly Transform[] | undefined,
  cwd: string,
) {
  return {
    ...optimizeOptionsFrom(args, config),
    cwd,
    ...(custom ? { transforms: custom } : {}),
  };
}

/** One edit of a file shared by several Dockerfiles (a common .dockerignore) is reported once
 * per run: a review fix (not applied, so the next Dockerfile does not see it) with the same
 * rule, file and added lines as one already reported is dropped. */
function dropRepeatedSharedFixes(
  result: OptimizeResult,
  contextDir: string,
  seen: Set<string>,
): OptimizeResult {
  const fixes = result.fixes.filter((f) => {
    if (f.applied || f.files.length === 0 || !f.data || !('added' in f.data)) return true;
    const key = JSON.stringify([
      f.ruleId,
      f.files.map((p) => path.resolve(contextDir, p)),
      f.data.added,
    ]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return fixes.length === result.fixes.length ? result : { ...result, fixes };
}

/** `dockerfile-optimizer fix`: resolves to the exit code. */
export async function runFix(
  args: FixArgs,
  io: CliIO,
  custom?: readonly Transform[],
): Promise<number> {
  const all = custom ?? registry;
  const session = new Session({
    io,
    paths: args.paths,
    transforms: all,
    only: args.only,
    skip: args.skip,
    config: args.config,
  });
  const outside =
    args.context && !args.allowOutsideContext ? contextOutside(args.context, io.cwd) : null;
  if (outside) throw new UsageError(outside);
  // Pending edits of files shared by several Dockerfiles (a common .dockerignore).
  const pending = new Map<string, string>();
  const merged = new Map<string, FileChange>();
  /** Review fixes of a shared file (a common .dockerignore) already reported in this run. */
  const sharedReported = new Set<string>();
  let stdinResult = null as OptimizeResult | null;
  /** fix --dry-run: the cache line (source edit, before vs after) of each changed Dockerfile. */
  const cacheLines = new Map<OptimizeResult, string>();
  const contextDir = args.context ? path.resolve(io.cwd, args.context) : null;
  // Build definitions (compose, bake, ...): the declared contexts, unless --context overrides.
  const declared = await Declared.load(args.paths, io, { context: args.context });
  await declared.planIgnores(
    session.files.filter((f) => f.absolute !== '-').map((f) => f.absolute),
    optionsFor(args, null, custom, io.cwd),
  );

  const fixOne = async ({ absolute: file }: SessionFile): Promise<OptimizeResult> => {
    let result: OptimizeResult;
    if (file === '-') {
      const source = await io.readStdin();
      const config = session.configFor(io.cwd);
      result = await optimize(source, {
        ...optionsFor(args, config?.config ?? null, custom, io.cwd),
        path: args.stdinFilename ?? 'Dockerfile',
        context: contextDir,
      });
      stdinResult = result;
    } else {
      const config = session.configFor(path.dirname(file));
      result = await declared.optimize(file, {
        ...optionsFor(args, config?.config ?? null, custom, io.cwd),
        context: contextDir ?? undefined,
        pending,
      });
      // The context the result's file paths are relative to: --context, the (first) declared
      // one, else the Dockerfile's folder.
      const resultContext =
        contextDir ?? (result as { contexts?: string[] }).contexts?.[0] ?? path.dirname(file);
      result = dropRepeatedSharedFixes(result, resultContext, sharedReported);
      for (const change of result.files) {
        const key = change.absolutePath ?? change.path;
        const prior = merged.get(key);
        merged.set(
          key,
          prior ? { ...change, before: prior.before, snapshot: prior.snapshot } : change,
        );
        if (change.absolutePath && change.absolutePath !== path.resolve(file))
          pending.set(change.absolutePath, change.after);
      }
    }
    if (args.dryRun && !args.quiet && args.format === 'diff' && result.changed) {
      const abs = file === '-' ? path.resolve(io.cwd, args.stdinFilename ?? 'Dockerfile') : file;
      const line = dryRunCacheLine(
        result,
        abs,
        file === '-'
          ? contextDir
          : (contextDir ?? (result as { contexts?: string[] }).contexts?.[0] ?? path.dirname(file)),
      );
      if (line) cacheLines.set(result, line);
    }
    return result;
  };
  const outcomes: FileOutcome[] = [
    ...session.errors,
    // One session (as optimizeFiles): each context listed and each file read once for all.
    ...(await withOptimizeSession(() =>
      session.each(fixOne, {
        stdinName: args.stdinFilename,
        progress: !args.quiet,
        fatal: (err) => err instanceof UsageError || err instanceof ConfigError,
      }),
    )),
  ];
  let changes = [...merged.values()];
  if (args.verify) {
    const { verifyGate } = await import('./verify.js');
    const gate = {
      ...args.verify,
      context: args.context,
      unsafe: args.unsafe,
      quiet: args.quiet,
      settingsFor: (file: string) => declared.settings(file, { context: args.context }),
    };
    changes = await verifyGate(outcomes, changes, gate, io);
  }
  let interrupted: NodeJS.Signals | null = null;
  if (!args.dryRun) {
    ({ interrupted, changes } = await writePhase(outcomes, changes, io.cwd));
    if (stdinResult?.changed)
      for (const c of stdinResult.files.filter(
        (f) => f.absolutePath !== path.resolve(io.cwd, args.stdinFilename ?? 'Dockerfile'),
      ))
        io.stderr(
          `note: ${showPath(c.path)} is not written when the Dockerfile comes from stdin ` +
            '(only the Dockerfile is printed; fix --dry-run shows its diff)\n',
        );
  }
  const diff = unifiedDiff(changes) + (stdinResult && args.dryRun ? stdinResult.diff : '');
  const c = counts(outcomes);
  const anyChange = changes.length > 0 || (stdinResult?.changed ?? false);
  const stdinFixed = stdinResult !== null && !args.dryRun ? stdinResult.output : null;

  switch (args.format) {
    case 'json': {
      const doc = jsonReport(
        outcomes,
        changes,
        diff,
        args.dryRun,
        stdinFixed !== null ? { output: stdinFixed } : {},
      );
      io.stdout(JSON.stringify(doc, null, 2) + '\n');
      break;
    }
    case 'sarif':
      io.stdout(JSON.stringify(sarifReport(outcomes, all), null, 2) + '\n');
      if (stdinFixed !== null)
        io.stderr('note: with --format sarif the fixed stdin text is not printed\n');
      break;
    case 'github':
      io.stdout(githubAnnotations(outcomes));
      break;
    case 'diff': {
      if (args.dryRun) {
        if (diff) io.stdout(useColor(args.color, io) ? colorizeDiff(diff) : diff);
      } else if (stdinFixed !== null) io.stdout(stdinFixed);
      for (const o of outcomes) {
        const shownPath = showPath(o.path);
        if (o.error) {
          io.stderr(`${PROG}: ${shownPath}: ${oneLine(o.error)}\n`);
          continue;
        }
        if (args.quiet) continue;
        for (const f of o.result!.fixes) io.stderr(fixLine(shownPath, f));
        for (const s of o.result!.skipped) if (!s.info) io.stderr(skipLine(shownPath, s));
        const cacheLine = cacheLines.get(o.result!);
        if (cacheLine) io.stderr(`${shownPath}: ${cacheLine}\n`);
      }
      break;
    }
  }
  if (args.format !== 'diff')
    for (const o of outcomes)
      if (o.error) io.stderr(`${PROG}: ${showPath(o.path)}: ${oneLine(o.error)}\n`);
  // The closing summary (stderr), unless quiet or every input failed (the error lines say it all).
  if (!args.quiet && outcomes.some((o) => o.result)) io.stderr(summaryLine(c, args.dryRun));
  if (interrupted) {
    io.stderr(`${PROG}: interrupted (${interrupted}): the files not written are unchanged\n`);
    return signalExitCode(interrupted);
  }
  if (c.errors) return EXIT_ERROR;
  if (args.dryRun && anyChange) return EXIT_CHANGES;
  return EXIT_OK;
}

/**
 * Write the changes: the files of one Dockerfile (and of Dockerfiles sharing a file, such as one
 * .dockerignore) as a unit (src/io/write.ts). A unit that cannot be written turns each of its
 * Dockerfiles' outcomes into an error naming the file and the cause. Resolves to the changes
 * actually written and the signal that stopped the phase, if any.
 */
async function writePhase(
  outcomes: FileOutcome[],
  changes: FileChange[],
  cwd: string,
): Promise<{ interrupted: NodeJS.Signals | null; changes: FileChange[] }> {
  const keyOf = (c: FileChange) => c.absolutePath ?? c.path;
  const writable = new Map(changes.filter((c) => c.absolutePath).map((c) => [keyOf(c), c]));
  const owners = outcomes.filter(
    (o) => !o.error && o.result?.changed && o.result.files.some((c) => writable.has(keyOf(c))),
  );
  const groups = groupUnits(
    owners.map((o) => o.result!.files.map(keyOf).filter((k) => writable.has(k))),
  );
  const unwritten = new Set<string>();
  const units = groups.map((g) => {
    const keys = [...new Set(g.flatMap((i) => owners[i]!.result!.files.map(keyOf)))].filter((k) =>
      writable.has(k),
    );
    return {
      changes: keys.map((k) => writable.get(k)!),
      onError: (err: { file: string | null; reason: string }) => {
        for (const k of keys) unwritten.add(k);
        for (const i of g) {
          const o = owners[i]!;
          const other = err.file !== null && err.file !== o.path ? `${err.file}: ` : '';
          o.error = `not written: ${other}${err.reason}`;
        }
      },
    };
  });
  const { interrupted } = await writeUnits(units, { cwd });
  return { interrupted, changes: changes.filter((c) => !unwritten.has(keyOf(c))) };
}
