/** yargs options of `fix` (kept apart from the command so the CLI loads it cheaply). */
import type { Argv } from 'yargs';
import { selectionOptions } from './options.js';

export function fixOptions(y: Argv) {
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
