/**
 * Command-line interface: `dockerfile-optimizer fix [paths..]`, `verify`, `explain`, `builds`,
 * `rules` (alias `dfo`). yargs wiring only: each command's module (fix.ts, verify.ts, explain.ts,
 * builds.ts, rules.ts) is imported when the command runs, so `--help` loads neither the Dockerfile parser
 * nor the transforms.
 */
import { ConfigError } from '../context/config.js';
import { UsageError } from '../errors.js';
import { packageVersion } from '../io/version.js';
import type { Transform } from '../model/types.js';
import { buildsCommandOptions } from './builds-options.js';
import { explainArgs, explainOptions } from './explain-options.js';
import { describeCommand, fastPath } from './fast.js';
import { fixOptions } from './fix-options.js';
import { defaultIO, EXIT_ERROR, EXIT_OK, PROG, type CliIO } from './io.js';
import { verifyArgs, verifyOptions } from './verify-options.js';

export type { CliIO } from './io.js';
export { EXIT_CHANGES, EXIT_ERROR, EXIT_OK } from './io.js';
export type { Format } from './fix.js';

const STDIN_TOKEN = '\u0000stdin';

/** Run the CLI; resolves to the exit code. */
export async function main(
  argv: string[],
  io: CliIO = defaultIO(),
  custom?: { transforms?: readonly Transform[] },
): Promise<number> {
  // `--help`, `--version` and `rules` start without yargs, the parser or the transforms.
  const fast = await fastPath(argv, io, custom?.transforms !== undefined);
  if (fast !== null) return fast;
  const { default: yargs } = await import('yargs');
  let exitCode = EXIT_OK;
  let failure: string | null = null;
  // yargs does not keep a lone `-` as a positional: carry it through under another name.
  argv = argv.map((a) => (a === '-' ? STDIN_TOKEN : a));
  const parser = yargs(argv)
    .scriptName(PROG)
    .usage(`${PROG} <command> [options]`)
    .command(
      'fix [paths..]',
      describeCommand('fix'),
      (y) => fixOptions(y),
      async (a) => {
        const { runFix } = await import('./fix.js');
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
            allowOutsideContext: a['allow-outside-context'],
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
      describeCommand('verify'),
      (y) => verifyOptions(y),
      async (a) => {
        const { runVerify } = await import('./verify.js');
        exitCode = await runVerify(verifyArgs(a), io, custom?.transforms);
      },
    )
    .command(
      'explain [dockerfile]',
      describeCommand('explain'),
      (y) => explainOptions(y),
      async (a) => {
        const { runExplain } = await import('./explain.js');
        exitCode = await runExplain(explainArgs(a), io, custom?.transforms);
      },
    )
    .command(
      'builds [paths..]',
      'List the build definitions found (compose, bake, skaffold, devcontainer, workflows): each Dockerfile with its context, target, args and where it is declared',
      (y) => buildsCommandOptions(y),
      async (a) => {
        const { runBuilds } = await import('./builds.js');
        exitCode = await runBuilds(
          (a.paths as string[] | undefined)?.length ? (a.paths as string[]) : ['.'],
          a.format,
          io,
        );
      },
    )
    .command(
      'rules',
      describeCommand('rules'),
      (y) => y.option('format', { choices: ['text', 'json'] as const, default: 'text' as const }),
      async (a) => {
        const { runRules } = await import('./rules.js');
        exitCode = runRules(io, a.format, custom?.transforms);
      },
    )
    .command(
      'lsp',
      describeCommand('lsp'),
      (y) =>
        y.option('stdio', {
          type: 'boolean',
          describe: 'Talk LSP over stdin/stdout (the only transport)',
        }),
      async () => {
        // Runs until the client sends `exit` (the connection then ends the process).
        const { startServer } = await import('../lsp/server.js');
        startServer();
        exitCode = await new Promise<number>(() => {});
      },
    )
    .demandCommand(1, 'a command is required (try: fix --dry-run .)')
    .strict()
    .help()
    .alias('h', 'help')
    .version('version', 'Show the version', packageVersion())
    .alias('v', 'version')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((msg, err) => {
      failure = msg ?? err?.message ?? 'invalid arguments';
      if (err && !(err instanceof UsageError) && !(err instanceof ConfigError) && !msg)
        failure = `internal error: ${err.message}`;
      // Throwing stops yargs from running the command after a failed validation.
      throw new UsageError(failure);
    });
  skipHelpCache(parser);
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

/**
 * yargs renders the whole help text (cliui, string-width: tens of ms of a short run) each time a
 * command's handler starts, and caches it for a failure message printed later
 * (yargs/build/lib/command.js). This CLI prints a failure as one line (the `fail` callback above)
 * and `--help` renders afresh, so the cache is never read: its filling is skipped. yargs has no
 * option for this; the usage object is internal, so a yargs without it is left as it is.
 */
function skipHelpCache(parser: object): void {
  const usage = (
    parser as {
      getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } };
    }
  )
    .getInternalMethods?.()
    .getUsageInstance?.();
  if (typeof usage?.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}
