/** yargs options of `explain` (kept apart from the command so the CLI loads it cheaply). */
import type { Argv } from 'yargs';
import { buildOptions } from './options.js';

export interface ExplainArgs {
  dockerfile: string;
  context?: string;
  edit?: string[];
  target?: string;
  buildArg?: string[];
  format: 'text' | 'json';
  after: boolean;
  unsafe?: boolean;
}

export function explainOptions(y: Argv) {
  return buildOptions(y)
    .positional('dockerfile', {
      type: 'string',
      default: '.',
      describe: 'A Dockerfile, or a directory holding one',
    })
    .option('context', {
      type: 'string',
      describe: "Build context directory (default: the Dockerfile's directory)",
    })
    .option('edit', {
      // One value per flag (repeat the flag): an array option would swallow the positional path.
      type: 'string',
      describe:
        'File to edit, context-relative or from here (repeatable; default: a source file and each manifest)',
    })
    .option('format', {
      choices: ['text', 'json'] as const,
      default: 'text' as const,
      describe: 'Output format',
    })
    .option('after', {
      type: 'boolean',
      default: true,
      describe: 'Also show the picture after the fixes (--no-after: only the file as it is)',
    })
    .option('unsafe', { type: 'boolean', describe: 'Count review fixes in "after fix" too' });
}

export function explainArgs(a: Record<string, unknown>): ExplainArgs {
  const list = (v: unknown) =>
    v === undefined ? undefined : (Array.isArray(v) ? v : [v]).map(String);
  return {
    dockerfile: (a.dockerfile as string | undefined) ?? '.',
    context: a.context as string | undefined,
    edit: list(a.edit),
    target: a.target as string | undefined,
    buildArg: list(a['build-arg']),
    format: (a.format as 'text' | 'json') ?? 'text',
    after: (a.after as boolean | undefined) ?? true,
    unsafe: a.unsafe as boolean | undefined,
  };
}
