/** yargs options shared by the commands (fix, verify, explain). */
import type { Argv } from 'yargs';
import type { Config } from '../context/config.js';

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
    })
    .option('allow-outside-context', {
      type: 'boolean',
      describe: 'Accept a --context outside the repository and the working directory',
    });
}

/** `--target`, `--build-arg`: what docker build would be asked to build. */
export function buildOptions<T>(y: Argv<T>) {
  return y
    .option('target', { type: 'string', describe: 'Build this stage (docker build --target)' })
    .option('build-arg', {
      // One value per flag (repeat the flag): an array option would swallow the positional path.
      type: 'string',
      describe: 'KEY=VALUE as for docker build --build-arg (repeatable)',
    });
}

/** `--only a,b --only c` (or a config list) as ids; undefined when not given. */
export function splitList(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v])
    .flatMap((x) => String(x).split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The flags of fix/verify/explain that choose what the optimization does. */
export interface FixFlags {
  unsafe?: boolean;
  only?: unknown;
  skip?: unknown;
  cacheMounts?: boolean;
  /** false: `--no-dockerignore`. */
  dockerignore?: boolean;
}

/** Optimize options as every command builds them: the config file, overridden by the flags
 * (rules turned off in the config and `--skip` add up). */
export function optimizeOptionsFrom(flags: FixFlags, config: Config | null) {
  const cfgSkip = Object.entries(config?.rules ?? {})
    .filter(([, on]) => !on)
    .map(([id]) => id);
  const dockerignoreOn = flags.dockerignore ?? config?.dockerignore?.enabled ?? true;
  const skip = [
    ...(splitList(flags.skip) ?? []),
    ...cfgSkip,
    ...(dockerignoreOn ? [] : ['dockerignore']),
  ];
  return {
    unsafe: flags.unsafe ?? config?.unsafe ?? false,
    only: splitList(flags.only),
    skip: skip.length ? skip : undefined,
    cacheMounts: flags.cacheMounts ?? config?.cacheMounts ?? false,
    dockerignore: config?.dockerignore
      ? { add: config.dockerignore.add, keep: config.dockerignore.keep }
      : undefined,
  };
}
