/** yargs options shared by the commands (fix, verify, explain). */
import type { Argv } from 'yargs';

/** `--only`, `--skip`, `--context`: which rules, over which build context. */
export function selectionOptions<T>(y: Argv<T>) {
  return y
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
    });
}

/** `--target`, `--build-arg`: what docker build would be asked to build. */
export function buildOptions<T>(y: Argv<T>) {
  return y
    .option('target', { type: 'string', describe: 'Build this stage (docker build --target)' })
    .option('build-arg', {
      type: 'string',
      array: true,
      describe: 'KEY=VALUE as for docker build --build-arg (repeatable)',
    });
}
