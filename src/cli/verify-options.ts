/** yargs options of `verify` (kept apart from the command so the CLI loads it cheaply). */
import type { Argv } from 'yargs';
import { buildOptions, selectionOptions } from './options.js';
import type { VerifyArgs } from './verify.js';

export function verifyOptions(y: Argv) {
  return buildOptions(selectionOptions(y))
    .positional('paths', {
      type: 'string',
      array: true,
      default: ['.'],
      describe: 'Dockerfiles or directories',
    })
    .option('unsafe', {
      type: 'boolean',
      describe: 'Also apply review fixes in the optimized build',
    })
    .option('config', { type: 'string', describe: 'Config file (default: the nearest one)' })
    .option('format', {
      choices: ['text', 'json'] as const,
      default: 'text' as const,
      describe: 'Output format',
    })
    .option('docker', {
      type: 'string',
      describe: 'Docker client (default: /usr/bin/docker if it exists, else docker on PATH)',
    })
    .option('edit', {
      type: 'string',
      describe:
        'File (context-relative) the cache test edits (default: a source file the Dockerfile copies)',
    })
    .option('timeout', { type: 'number', default: 1200, describe: 'Seconds allowed per build' })
    .option('run', {
      type: 'boolean',
      default: false,
      describe: 'Also docker run --rm both images and compare their output',
    })
    .option('cache-test', {
      type: 'boolean',
      default: true,
      describe: 'Edit a source file and rebuild (--no-cache-test to skip)',
    })
    .option('quiet', {
      alias: 'q',
      type: 'boolean',
      default: false,
      describe: 'No progress lines',
    });
}

export function verifyArgs(a: Record<string, unknown>): VerifyArgs {
  return {
    paths: (a.paths as string[] | undefined)?.length ? (a.paths as string[]) : ['.'],
    unsafe: a.unsafe as boolean | undefined,
    only: a.only as string | undefined,
    skip: a.skip as string | undefined,
    context: a.context as string | undefined,
    allowOutsideContext: a['allow-outside-context'] as boolean | undefined,
    config: a.config as string | undefined,
    format: (a.format as 'text' | 'json') ?? 'text',
    docker: a.docker as string | undefined,
    edit: a.edit as string | undefined,
    target: a.target as string | undefined,
    buildArg:
      a['build-arg'] === undefined
        ? undefined
        : (Array.isArray(a['build-arg']) ? a['build-arg'] : [a['build-arg']]).map(String),
    timeout: a.timeout as number | undefined,
    run: a.run as boolean | undefined,
    cacheTest: a['cache-test'] as boolean | undefined,
    quiet: a.quiet as boolean | undefined,
  };
}
