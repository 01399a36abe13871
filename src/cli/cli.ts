/** Command-line interface: `dockerfile-optimizer fix [paths..]`, `rules` (alias `dfo`). */
import * as path from 'node:path';
import yargs, { type Argv } from 'yargs';
import {
  applyResult,
  optimize,
  selectTransforms,
  UsageError,
  type FileChange,
  type OptimizeResult,
} from '../api.js';
import {
  ConfigError,
  findConfig,
  loadConfig,
  type Config,
  type LoadedConfig,
} from '../context/config.js';
import { colorizeDiff, unifiedDiff } from '../engine/diff.js';
import { discover } from '../io/io.js';
import { transforms as registry } from '../../transforms/index.js';
import {
  counts,
  fixLine,
  githubAnnotations,
  jsonReport,
  sarifReport,
  skipLine,
  summaryLine,
  type FileOutcome,
} from './report.js';
import type { Transform } from '../model/types.js';
import { optimizeOptionsFrom, selectionOptions, splitList } from './options.js';
import { verifyArgs, verifyOptions } from '../verify/cli-options.js';
import { dryRunCacheLine, explainArgs, explainOptions, runExplain } from '../explain/explain.js';
import { buildsCommandOptions, runBuilds } from './builds.js';
import { Declared } from '../builds.js';

export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  readStdin: () => Promise<string>;
  cwd: string;
  env: Record<string, string | undefined>;
  stdoutIsTTY: boolean;
  /** stderr is a terminal (progress line). */
  stderrIsTTY?: boolean;
}

export const EXIT_OK = 0;
export const EXIT_CHANGES = 1;
export const EXIT_ERROR = 2;

const PROG = 'dockerfile-optimizer';
const STDIN_TOKEN = '\u0000stdin';
const PROGRESS_THRESHOLD = 50;

function defaultIO(): CliIO {
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      const { decodeDockerfile } = await import('../io/io.js');
      return decodeDockerfile(Buffer.concat(chunks));
    },
    cwd: process.cwd(),
    env: process.env,
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
  };
}

export type Format = 'diff' | 'json' | 'sarif' | 'github';

interface FixArgs {
  paths: string[];
  dryRun: boolean;
  unsafe?: boolean;
  only?: string | string[];
  skip?: string | string[];
  context?: string;
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

async function runFix(args: FixArgs, io: CliIO, custom?: readonly Transform[]): Promise<number> {
  const all = custom ?? registry;
  const known = (id: string) => all.some((t) => t.meta.id === id.split('/')[0]);
  // Validate --only/--skip once, up front (unknown ids are a usage error).
  selectTransforms(all, splitList(args.only), splitList(args.skip));
  let fixed: LoadedConfig | null = null;
  if (args.config) fixed = loadConfig(path.resolve(io.cwd, args.config), known);
  const configCache = new Map<string, LoadedConfig | null>();
  const configFor = (dir: string) => fixed ?? findConfig(dir, known, configCache);

  const { files, errors } = discover(args.paths, io.cwd);
  const outcomes: FileOutcome[] = errors.map((e) => ({ path: e.path, error: e.message }));
  // Pending edits of files shared by several Dockerfiles (a common .dockerignore).
  const pending = new Map<string, string>();
  const merged = new Map<string, FileChange>();
  let stdinResult: OptimizeResult | null = null;
  /** fix --dry-run: the cache line (source edit, before vs after) of each changed Dockerfile. */
  const cacheLines = new Map<FileOutcome, string>();
  const showProgress = files.length > PROGRESS_THRESHOLD && Boolean(io.stderrIsTTY) && !args.quiet;
  const contextDir = args.context ? path.resolve(io.cwd, args.context) : null;
  // Build definitions (compose, bake, ...): the declared contexts, unless --context overrides.
  const declared = await Declared.load(args.paths, io, { context: args.context });
  await declared.planIgnores(
    files.filter((f) => f.absolute !== '-').map((f) => f.absolute),
    optionsFor(args, null, custom, io.cwd),
  );

  for (const [n, { display, absolute: file }] of files.entries()) {
    const shown = file === '-' ? (args.stdinFilename ?? '-') : display;
    if (showProgress) io.stderr(`\r\u001b[K[${n + 1}/${files.length}] ${shown}`);
    try {
      let result: OptimizeResult;
      if (file === '-') {
        const source = await io.readStdin();
        const config = configFor(io.cwd);
        result = await optimize(source, {
          ...optionsFor(args, config?.config ?? null, custom, io.cwd),
          path: args.stdinFilename ?? 'Dockerfile',
          context: contextDir,
        });
        stdinResult = result;
      } else {
        const config = configFor(path.dirname(file));
        result = await declared.optimize(file, {
          ...optionsFor(args, config?.config ?? null, custom, io.cwd),
          context: contextDir ?? undefined,
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
      if (args.dryRun && !args.quiet && args.format === 'diff' && result.changed) {
        const abs = file === '-' ? path.resolve(io.cwd, args.stdinFilename ?? 'Dockerfile') : file;
        const line = dryRunCacheLine(
          result,
          abs,
          file === '-'
            ? contextDir
            : (contextDir ??
                (result as { contexts?: string[] }).contexts?.[0] ??
                path.dirname(file)),
        );
        if (line) cacheLines.set(outcomes[outcomes.length - 1]!, line);
      }
    } catch (err) {
      if (err instanceof UsageError || err instanceof ConfigError) throw err;
      outcomes.push({ path: shown, error: (err as Error).message });
    }
  }
  if (showProgress) io.stderr('\r\u001b[K');

  let changes = [...merged.values()];
  if (args.verify) {
    const { verifyGate } = await import('../verify/command.js');
    const gate = {
      ...args.verify,
      context: args.context,
      unsafe: args.unsafe,
      quiet: args.quiet,
      settingsFor: (file: string) => declared.settings(file, { context: args.context }),
    };
    changes = await verifyGate(outcomes, changes, gate, io);
  }
  if (!args.dryRun) {
    try {
      applyResult({ files: changes.filter((c) => c.absolutePath) });
    } catch (err) {
      outcomes.push({ path: '(write)', error: `write failed: ${(err as Error).message}` });
    }
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
        if (o.error) {
          io.stderr(`${PROG}: ${o.path}: ${o.error}\n`);
          continue;
        }
        if (args.quiet) continue;
        for (const f of o.result!.fixes) io.stderr(fixLine(o.path, f));
        for (const s of o.result!.skipped) if (!s.info) io.stderr(skipLine(o.path, s));
        if (cacheLines.has(o)) io.stderr(`${o.path}: ${cacheLines.get(o)}\n`);
      }
      break;
    }
  }
  if (args.format !== 'diff')
    for (const o of outcomes) if (o.error) io.stderr(`${PROG}: ${o.path}: ${o.error}\n`);
  // The closing summary (stderr), unless quiet or every input failed (the error lines say it all).
  if (!args.quiet && outcomes.some((o) => o.result)) io.stderr(summaryLine(c, args.dryRun));
  if (c.errors) return EXIT_ERROR;
  if (args.dryRun && anyChange) return EXIT_CHANGES;
  return EXIT_OK;
}

/** The first sentence of a paragraph (for one-line summaries). */
function firstSentence(text: string, max = 160): string {
  const m = /^(.*?[.])\s+(?=[A-Z`(])/s.exec(text);
  const s = (m ? m[1]! : text).replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1).trimEnd()}…` : s;
}

function runRules(io: CliIO, format: 'text' | 'json', custom?: readonly Transform[]): number {
  const all = custom ?? registry;
  if (format === 'json') {
    io.stdout(
      JSON.stringify(
        all.map((t) => t.meta),
        null,
        2,
      ) + '\n',
    );
    return EXIT_OK;
  }
  const idWidth = Math.max(4, ...all.map((t) => t.meta.id.length));
  const apWidth = Math.max(13, ...all.map((t) => t.meta.applicability.length));
  io.stdout(`${'rule'.padEnd(idWidth)}  ${'applicability'.padEnd(apWidth)}  what it fixes\n`);
  for (const t of all) {
    const m = t.meta;
    io.stdout(`${m.id.padEnd(idWidth)}  ${m.applicability.padEnd(apWidth)}  ${m.title}\n`);
    const pad = ' '.repeat(idWidth + 2);
    if (m.hadolint.length) io.stdout(`${pad}hadolint: ${m.hadolint.join(' ')}\n`);
    if (m.docs.why) io.stdout(`${pad}why: ${firstSentence(m.docs.why)}\n`);
    io.stdout(`${pad}docs: docs/rules/${m.id}.md\n`);
  }
  return EXIT_OK;
}

function fixOptions(y: Argv) {
  return selectionOptions(y)
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
    .option('unsafe', { type: 'boolean', describe: 'Also apply review fixes' })
    .option('format', {
      choices: ['diff', 'json', 'sarif', 'github'] as const,
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
      describe: 'Generate/complete .dockerignore (--no-dockerignore to turn off)',
    })
    .option('cache-mounts', {
      type: 'boolean',
      describe: 'Use BuildKit cache mounts instead of cache cleanup',
    })
    .option('config', {
      type: 'string',
      describe:
        'Config file (default: nearest .dockerfile-optimizer.json or package.json "dockerfileOptimizer")',
    })
    .option('quiet', {
      alias: 'q',
      type: 'boolean',
      default: false,
      describe: 'Print only the diff/result and errors',
    })
    .option('stdin-filename', {
      type: 'string',
      describe: 'Name shown for a Dockerfile read from stdin',
    })
    .option('verify', {
      type: 'boolean',
      describe: 'Build original and optimized with Docker; write a fix only if it builds',
    })
    .option('docker', { type: 'string', describe: 'Docker client for --verify' });
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
      (y) => fixOptions(y),
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
            config: a.config,
            quiet: a.quiet,
            verify: a.verify ? { docker: a.docker } : undefined,
          },
          io,
          custom?.transforms,
        );
      },
    )
    .command(
      'verify [paths..]',
      'Build the original and the optimized Dockerfile with Docker and compare size, layers, cache hits',
      (y) => verifyOptions(y),
      async (a) => {
        const { runVerify } = await import('../verify/command.js');
        exitCode = await runVerify(verifyArgs(a), io, custom?.transforms);
      },
    )
    .command(
      'explain [dockerfile]',
      'Show which build steps an edit of a file re-runs (BuildKit cache), before and after the fixes',
      (y) => explainOptions(y),
      async (a) => {
        exitCode = await runExplain(explainArgs(a), io, custom?.transforms);
      },
    )
    .command(
      'builds [paths..]',
      'List the build definitions found (compose, bake, skaffold, devcontainer, workflows): each Dockerfile with its context, target, args and where it is declared',
      (y) => buildsCommandOptions(y),
      async (a) => {
        exitCode = await runBuilds(
          (a.paths as string[] | undefined)?.length ? (a.paths as string[]) : ['.'],
          a.format,
          io,
        );
      },
    )
    .command(
      'rules',
      'List every rule: id, applicability, hadolint ids, what it fixes',
      (y) => y.option('format', { choices: ['text', 'json'] as const, default: 'text' as const }),
      (a) => {
        exitCode = runRules(io, a.format, custom?.transforms);
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
      if (err && !(err instanceof UsageError) && !(err instanceof ConfigError) && !msg)
        failure = `internal error: ${err.message}`;
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
