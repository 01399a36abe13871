/** `dockerfile-optimizer verify [paths..]` and the `fix --verify` gate (the verify library is
 * src/verify/). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { displayPath, optimizeFile, type FileChange } from '../api.js';
import type { LoadedConfig } from '../context/config.js';
import { readDockerfile } from '../io/io.js';
import type { Transform } from '../model/types.js';
import { defaultDockerBin, dockerUnavailable, type DockerClient } from '../verify/docker.js';
import { formatReport, jsonDocument, verifyExitCode } from '../verify/report.js';
import { verify, type VerifyReport } from '../verify/verify.js';
import { transforms as registry } from '../../transforms/index.js';
import { PROG, type CliIO } from './io.js';
import { optimizeOptionsFrom } from './options.js';
import type { FileOutcome } from './report/outcome.js';
import { Session } from './session.js';

export interface VerifyArgs {
  paths: string[];
  unsafe?: boolean;
  only?: string | string[];
  skip?: string | string[];
  context?: string;
  config?: string;
  format: 'text' | 'json';
  docker?: string;
  edit?: string;
  target?: string;
  buildArg?: string[];
  /** Seconds per build. */
  timeout?: number;
  run?: boolean;
  cacheTest?: boolean;
  quiet?: boolean;
}

export function dockerClient(
  docker: string | undefined,
  env: Record<string, string | undefined>,
): DockerClient {
  return { bin: docker ?? defaultDockerBin(), env: { ...env } };
}

/** Optimize options as `fix` builds them: the nearest config, overridden by the flags. */
function fixOptions(args: VerifyArgs, config: LoadedConfig | null, cwd: string) {
  return { ...optimizeOptionsFrom(args, config?.config ?? null), cwd };
}

/** Run `verify`; resolves to the exit code (see verifyExitCode). */
export async function runVerify(
  args: VerifyArgs,
  io: CliIO,
  custom?: readonly Transform[],
): Promise<number> {
  const session = new Session({
    io,
    paths: args.paths,
    transforms: custom ?? registry,
    only: args.only,
    skip: args.skip,
    config: args.config,
  });
  const client = dockerClient(args.docker, io.env);
  const why = await dockerUnavailable(client);
  if (why) {
    io.stderr(
      `${PROG}: verify needs a Docker engine: ${why} (scripts/docker-setup.sh starts one)\n`,
    );
    return 2;
  }
  const verifyOne = async (f: { display: string; absolute: string }) => {
    const config = session.configFor(path.dirname(f.absolute));
    const options = fixOptions(args, config, io.cwd);
    const contextDir = args.context ? path.resolve(io.cwd, args.context) : path.dirname(f.absolute);
    const result = await optimizeFile(f.absolute, {
      ...options,
      context: contextDir,
      ...(custom ? { transforms: custom } : {}),
    });
    const progress =
      args.quiet || args.format === 'json'
        ? undefined
        : (l: string) => io.stderr(`${f.display}: ${l}\n`);
    const report = await verify({
      client,
      dockerfile: f.absolute,
      contextDir,
      original: readDockerfile(f.absolute).text,
      result,
      unsafe: options.unsafe,
      target: args.target,
      buildArgs: args.buildArg,
      edit: args.edit,
      cacheTest: args.cacheTest ?? true,
      run: args.run ?? false,
      buildTimeoutMs: args.timeout ? args.timeout * 1000 : undefined,
      display: { dockerfile: f.display, context: displayPath(contextDir, io.cwd) },
      progress,
    });
    if (args.format === 'text')
      io.stdout(formatReport(report) + (session.files.length > 1 ? '\n' : ''));
    if (report.verdict === 'optimized-build-failed')
      io.stderr(
        `${PROG}: ${f.display}: THE OPTIMIZED DOCKERFILE FAILS TO BUILD where the original builds: ${report.optimized.build.error ?? ''}\n`,
      );
    return report;
  };
  const outcomes = await session.each(verifyOne, {
    refuseStdin: 'verify needs a Dockerfile on disk (not stdin)',
  });
  const reports: VerifyReport[] = outcomes.flatMap((o) => (o.result ? [o.result] : []));
  const errors = [...session.errors, ...outcomes]
    .filter((o) => o.error !== undefined)
    .map((o) => ({ path: o.path, error: o.error! }));
  if (args.format === 'json')
    io.stdout(JSON.stringify(jsonDocument(reports, errors), null, 2) + '\n');
  for (const e of errors) io.stderr(`${PROG}: ${e.path}: ${e.error}\n`);
  return verifyExitCode(reports, errors);
}

export interface GateArgs {
  docker?: string;
  context?: string;
  target?: string;
  buildArg?: string[];
  timeout?: number;
  unsafe?: boolean;
  quiet?: boolean;
}

/**
 * `fix --verify`: build the original and the optimized Dockerfile of every changed file; a file
 * whose optimized build fails (or cannot be verified) keeps none of its changes and gets an error
 * outcome. Resolves to the changes that may be written.
 */
export async function verifyGate(
  outcomes: FileOutcome[],
  changes: FileChange[],
  args: GateArgs,
  io: CliIO,
): Promise<FileChange[]> {
  const changed = outcomes.filter((o) => o.result?.changed);
  if (!changed.length) return changes;
  const drop = new Set<string>();
  const client = dockerClient(args.docker, io.env);
  const why = await dockerUnavailable(client);
  for (const o of changed) {
    const result = o.result!;
    const file = path.resolve(io.cwd, o.path);
    const keyOf = (c: FileChange) => c.absolutePath ?? c.path;
    const refuse = (msg: string) => {
      for (const c of result.files) drop.add(keyOf(c));
      outcomes.push({ path: o.path, error: `${msg}; the fix was NOT written` });
    };
    if (why) {
      refuse(`cannot verify: ${why}`);
      continue;
    }
    if (!fs.existsSync(file) || !result.files.some((c) => c.absolutePath)) {
      refuse('cannot verify a Dockerfile read from stdin');
      continue;
    }
    const contextDir = args.context ? path.resolve(io.cwd, args.context) : path.dirname(file);
    if (!args.quiet)
      io.stderr(`${o.path}: verify: building the original and the optimized Dockerfile ...\n`);
    try {
      const r = await verify({
        client,
        dockerfile: file,
        contextDir,
        original: readDockerfile(file).text,
        result,
        unsafe: args.unsafe ?? false,
        target: args.target,
        buildArgs: args.buildArg,
        cacheTest: false,
        waste: false,
        buildTimeoutMs: args.timeout ? args.timeout * 1000 : undefined,
      });
      if (!r.optimized.build.ok) {
        const orig = r.original.build.ok ? 'where the original builds' : 'and so does the original';
        refuse(
          `!!! THE OPTIMIZED DOCKERFILE FAILS TO BUILD ${orig}: ${r.optimized.build.error ?? ''}`,
        );
      } else if (!args.quiet) {
        const size =
          r.size && r.size.before
            ? `, image ${(r.size.before / 1e6).toFixed(1)} MB -> ${(r.size.after / 1e6).toFixed(1)} MB`
            : '';
        io.stderr(`${o.path}: verify: the optimized Dockerfile builds${size}\n`);
      }
    } catch (err) {
      refuse(`cannot verify: ${(err as Error).message}`);
    }
  }
  return changes.filter((c) => !drop.has(c.absolutePath ?? c.path));
}
