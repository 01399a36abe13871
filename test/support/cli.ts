/**
 * Run the CLI in process (`main` from src/cli.ts) with captured stdout/stderr: one runner for
 * every suite that drives the CLI (explain, ecosystem, docker).
 */
import { main, type CliIO } from '../../src/cli/cli.js';
import type { Transform } from '../../src/model/types.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** Fields of the CliIO to override (env, stdin, TTY flags, ...). */
  io?: Partial<CliIO>;
  /** Transforms to run instead of the registry. */
  transforms?: readonly Transform[];
}

/** Run `dockerfile-optimizer <argv>` in `cwd` (no stdin, empty env, not a TTY unless overridden). */
export async function runCli(
  argv: string[],
  cwd: string,
  options: CliRunOptions = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    readStdin: async () => '',
    cwd,
    env: {},
    stdoutIsTTY: false,
    ...options.io,
  };
  const code = await main(
    argv,
    io,
    options.transforms ? { transforms: options.transforms } : undefined,
  );
  return { code, stdout, stderr };
}
