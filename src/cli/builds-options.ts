/** yargs options of `builds` (kept apart from the command so the CLI loads it cheaply). */
import type { Argv } from 'yargs';

export function buildsCommandOptions(y: Argv) {
  return y
    .positional('paths', {
      type: 'string',
      array: true,
      default: ['.'],
      describe: 'Folders or Dockerfiles to find build definitions for',
    })
    .option('format', {
      choices: ['text', 'json'] as const,
      default: 'text' as const,
      describe: 'Output format',
    });
}
