/** Command-line interface: `dockerfile-optimizer fix [paths..]` (alias `dfo`). */
import * as path from 'node:path';
import yargs from 'yargs';
import {
  applyResult,
  optimize,
  optimizeFile,
  UsageError,
  type FileChange,
  type OptimizeResult,
} from './api.js';
import { colorizeDiff, unifiedDiff } from './engine/diff.js';
import { discover } from './io.js';
import type { FixReport, SkipReport } from './engine/loop.js';
import type { Transform } from './types.js';

export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  readStdin: () => Promise<string>;
  cwd: string;
  env: Record<string, string | undefined>;
  stdoutIsTTY: boolean;
}

export const EXIT_OK = 0;
export const EXIT_CHANGES = 1;
export const EXIT_ERROR = 2;

const PROG = 'dockerfile-optimizer';
const STDIN_TOKEN = '\u0000stdin';

function defaultIO(): CliIO {
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return decodeStdin(Buffer.concat(chunks));
    },
    cwd: process.cwd(),
    env: process.env,
    stdoutIsTTY: Boolean(process.stdout.isTTY),
  };
}

async function decodeStdin(buf: Buffer): Promise<string> {
  const { decodeDockerfile } = await import('./io.js');
  return decodeDockerfile(buf);
}

interface FixArgs {
  paths: string[];
  dryRun: boolean;
  unsafe: boolean;
  only?: string | string[];
  skip?: string | string[];
  context?: string;
  format: 'diff' | 'json';
  color: 'auto' | 'always' | 'never';
  dockerignore: boolean;
  cacheMounts: boolean;
  stdinFilename?: string;
}

interface FileOutcome {
  path: string;
  result?: OptimizeResult;
  error?: string;
}

function splitList(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  const items = (Array.isArray(v) ? v : [v])
    .flatMap((x) => String(x).split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  return items;
}

function useColor(mode: FixArgs['color'], io: CliIO): boolean {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  return io.stdoutIsTTY;
}

function fixLine(file: string, f: FixReport): string {
  const tag = f.applied ? '' : ' [review: not applied; use --unsafe]';
  const note = f.note ? `    ${f.note}\n` : '';
  return `${file}:${f.line} ${f.ruleId}: ${f.message}${tag}\n${note}`;
}

function skipLine(file: string, s: SkipReport): string {
  return `${file}:${s.line} ${s.ruleId}: skipped: ${s.reason}\n`;
}

async function runFix(args: FixArgs, io: CliIO, custom?: readonly Transform[]): Promise<number> {
  const only = splitList(args.only);
  const skip = [...(splitList(args.skip) ?? []), ...(args.dockerignore ? [] : ['dockerignore'])];
  const common = {
    unsafe: args.unsafe,
    only,
    skip: skip.length ? skip : undefined,
    cacheMounts: args.cacheMounts,
    cwd: io.cwd,
    ...(custom ? { transforms: custom } : {}),
  };
  const { files, errors } = discover(args.paths, io.cwd);
  const outcomes: FileOutcome[] = errors.map((e) => ({ path: e.path, error: e.message }));
  // Pending edits of files shared by several Dockerfiles (a common .dockerignore).
  const pending = new Map<string, string>();
  const merged = new Map<string, FileChange>();
  let stdinOutput: string | null = null;
  let stdinResult: OptimizeResult | null = null;

  for (const { display, absolute: file } of files) {
    const shown = file === '-' ? (args.stdinFilename ?? '-') : display;
    try {
      let result: OptimizeResult;
      if (file === '-') {
        const source = await io.readStdin();
        result = await optimize(source, {
          ...common,
          path: args.stdinFilename ?? 'Dockerfile',
          context: args.context ? path.resolve(io.cwd, args.context) : null,
        });
        stdinOutput = result.output;
        stdinResult = result;
      } else {
        result = await optimizeFile(file, {
          ...common,
          context: args.context ? path.resolve(io.cwd, args.context) : undefined,
          pending,
        });
        for (const change of result.files) {
          const key = change.absolutePath ?? change.path;
          const prior = merged.get(key);
          merged.set(key, prior ? { ...change, before: prior.before } : change);
          if (change.absolutePath && change.absolutePath !== path.resolve(file))
            pending.set(change.absolutePath, change.after);
        }
      }
      outcomes.push({ path: shown, result });
    } catch (err) {
      if (err instanceof UsageError) throw err;
      outcomes.push({ path: shown, error: (err as Error).message });
    }
  }

  const changes = [...merged.values()];
  const diff = unifiedDiff(changes) + (stdinResult && args.dryRun ? stdinResult.diff : '');
  const failed = outcomes.some((o) => o.error);
  const anyChange = changes.length > 0 || (stdinResult?.changed ?? false);

  if (args.format === 'json') {
    const doc = {
      version: 1,
      dryRun: args.dryRun,
      files: outcomes.map((o) => ({
        path: o.path,
        changed: o.result?.changed ?? false,
        error: o.error ?? null,
        fixes: (o.result?.fixes ?? []).map((f) => ({
          rule: f.ruleId,
          transform: f.transform,
          line: f.line,
          message: f.message,
          applicability: f.applicability,
          applied: f.applied,
          files: f.files,
          ...(f.note !== undefined ? { note: f.note } : {}),
          ...(f.data !== undefined ? { data: f.data } : {}),
        })),
        skipped: (o.result?.skipped ?? []).map((s) => ({
          rule: s.ruleId,
          transform: s.transform,
          line: s.line,
          reason: s.reason,
        })),
      })),
      changedFiles: changes.map((c) => ({ path: c.path, created: c.before === null })),
      diff,
    };
    if (!args.dryRun) writeChanges(changes, outcomes, io);
    if (stdinOutput !== null && !args.dryRun) {
      // JSON goes to stdout; the stdin result is in `output`.
      (doc as Record<string, unknown>).output = stdinOutput;
    }
    io.stdout(JSON.stringify(doc, null, 2) + '\n');
  } else {
    // stdout carries only the diff (--dry-run) or the fixed Dockerfile (stdin); reports go to stderr.
    const report = args.dryRun || files.some((f) => f.absolute === '-') ? io.stderr : io.stdout;
    if (args.dryRun) {
      if (diff) io.stdout(useColor(args.color, io) ? colorizeDiff(diff) : diff);
    } else {
      writeChanges(changes, outcomes, io);
      if (stdinOutput !== null) io.stdout(stdinOutput);
    }
    for (const o of outcomes) {
      if (o.error) {
        io.stderr(`${PROG}: ${o.path}: ${o.error}\n`);
        continue;
      }
      for (const f of o.result!.fixes) report(fixLine(o.path, f));
      for (const s of o.result!.skipped) report(skipLine(o.path, s));
    }
    const applied = outcomes.reduce(
      (n, o) => n + (o.result?.fixes.filter((f) => f.applied).length ?? 0),
      0,
    );
    const review = outcomes.reduce(
      (n, o) => n + (o.result?.fixes.filter((f) => !f.applied).length ?? 0),
      0,
    );
    const checked = outcomes.length;
    const changedCount = outcomes.filter((o) => o.result?.changed).length;
    const verb = args.dryRun ? 'would apply' : 'applied';
    const reviewNote = review
      ? `; ${review} review fix${review === 1 ? '' : 'es'} not applied (use --unsafe)`
      : '';
    const errorNote = failed ? `; ${outcomes.filter((o) => o.error).length} error(s)` : '';
    // When every input failed, the error lines say it all.
    if (outcomes.some((o) => o.result))
      report(
        `${checked} file${checked === 1 ? '' : 's'} checked, ${changedCount} ${args.dryRun ? 'to change' : 'changed'}: ${verb} ${applied} fix${applied === 1 ? '' : 'es'}${reviewNote}${errorNote}\n`,
      );
  }
  if (failed) return EXIT_ERROR;
  if (args.dryRun && anyChange) return EXIT_CHANGES;
  return EXIT_OK;
}

function writeChanges(changes: FileChange[], outcomes: FileOutcome[], io: CliIO): void {
  try {
    applyResult({ files: changes.filter((c) => c.absolutePath) });
  } catch (err) {
    outcomes.push({ path: '(write)', error: `write failed: ${(err as Error).message}` });
    void io;
  }
}

/** Run the CLI; resolves to the exit code. */
export async function main(
  argv: string[],
  io: CliIO = defaultIO(),
  custom?: { transforms?: readonly Transform[] },
): Promise<number> {
  let exitCode = EXIT_OK;
  let failure: string | null = null;
  // yargs does not keep a lone `-` as a positional: carry it through under another name.
  argv = argv.map((a) => (a === '-' ? STDIN_TOKEN : a));
  const parser = yargs(argv)
    .scriptName(PROG)
    .usage(`${PROG} <command> [options]`)
    .command(
      'fix [paths..]',
      'Rewrite Dockerfiles for faster, smaller builds (safe fixes; --dry-run shows the diff)',
      (y) =>
        y
          .positional('paths', {
            type: 'string',
            array: true,
            default: ['.'],
            describe: 'Dockerfiles or directories; - for stdin',
          })
          .option('dry-run', {
            type: 'boolean',
            default: false,
            describe: 'Write nothing; print the unified diff (exit 1 when there are changes)',
          })
          .option('unsafe', {
            type: 'boolean',
            default: false,
            describe: 'Also apply review fixes',
          })
          .option('only', {
            type: 'string',
            describe: 'Only these transforms or rules (comma-separated)',
          })
          .option('skip', {
            type: 'string',
            describe: 'Skip these transforms or rules (comma-separated)',
          })
          .option('context', {
            type: 'string',
            describe: "Build context directory (default: the Dockerfile's directory)",
          })
          .option('format', {
            choices: ['diff', 'json'] as const,
            default: 'diff' as const,
            describe: 'Output format',
          })
          .option('color', {
            choices: ['auto', 'always', 'never'] as const,
            default: 'auto' as const,
            describe: 'Color the diff',
          })
          .option('dockerignore', {
            type: 'boolean',
            default: true,
            describe: 'Generate/complete .dockerignore (--no-dockerignore to turn off)',
          })
          .option('cache-mounts', {
            type: 'boolean',
            default: false,
            describe: 'Use BuildKit cache mounts instead of cache cleanup',
          })
          .option('stdin-filename', {
            type: 'string',
            describe: 'Name shown for a Dockerfile read from stdin',
          }),
      async (a) => {
        exitCode = await runFix(
          {
            paths: (a.paths as string[] | undefined)?.length
              ? (a.paths as string[]).map((p) => (p === STDIN_TOKEN ? '-' : p))
              : ['.'],
            dryRun: a['dry-run'],
            unsafe: a.unsafe,
            only: a.only,
            skip: a.skip,
            context: a.context,
            format: a.format,
            color: a.color,
            dockerignore: a.dockerignore,
            cacheMounts: a['cache-mounts'],
            stdinFilename: a['stdin-filename'],
          },
          io,
          custom?.transforms,
        );
      },
    )
    .demandCommand(1, 'a command is required (try: fix --dry-run .)')
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((msg, err) => {
      failure = msg ?? err?.message ?? 'invalid arguments';
      if (err && !(err instanceof UsageError) && !msg) failure = `internal error: ${err.message}`;
      // Throwing stops yargs from running the command after a failed validation.
      throw new UsageError(failure);
    });
  let helpOutput = '';
  try {
    await parser.parseAsync(argv, {}, (_err, _argv, output) => {
      if (output) helpOutput = output;
    });
  } catch (err) {
    failure ??= (err as Error).message;
  }
  if (helpOutput && !failure) io.stdout(helpOutput + '\n');
  if (failure) {
    const oneLine = String(failure)
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .join(' ');
    io.stderr(`${PROG}: ${oneLine}\n`);
    return EXIT_ERROR;
  }
  return exitCode;
}
