/** The Docker CLI, through child_process only: builds, image facts, runs, removal. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';

export interface DockerClient {
  /** Client binary (`/usr/bin/docker`, `docker`, or --docker PATH). */
  bin: string;
  /** Environment for every call (DOCKER_HOST and friends pass through). */
  env: Record<string, string | undefined>;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they arrived (build logs). */
  output: string;
  timedOut: boolean;
  seconds: number;
  /** The binary could not be started (ENOENT, EACCES). */
  spawnError?: string;
}

/** Keep at most this much of a build's output (the tail matters for errors). */
const MAX_OUTPUT = 4 * 1024 * 1024;

/** `/usr/bin/docker` when it exists (Debian's 20.10 client has BuildKit built in; a newer client
 * without buildx fails with BuildKit), else `docker` on PATH. */
export function defaultDockerBin(exists: (p: string) => boolean = fs.existsSync): string {
  return exists('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
}

/** Run the client with a hard time limit (SIGTERM, then SIGKILL 5 s later). */
export function runDocker(
  client: DockerClient,
  args: string[],
  options: { timeoutMs: number; cwd?: string; env?: Record<string, string | undefined> },
): Promise<RunResult> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let output = '';
    let timedOut = false;
    const env = { ...process.env, ...client.env, ...(options.env ?? {}) };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const child = spawn(client.bin, args, {
      cwd: options.cwd,
      env: env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const clip = (s: string) => (s.length > MAX_OUTPUT ? s.slice(s.length - MAX_OUTPUT) : s);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout = clip(stdout + d);
      output = clip(output + d);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr = clip(stderr + d);
      output = clip(output + d);
    });
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
      killTimer.unref();
    }, options.timeoutMs);
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({
        code: null,
        stdout,
        stderr,
        output,
        timedOut,
        seconds: seconds(),
        spawnError: err.message,
      });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      resolve({ code, stdout, stderr, output, timedOut, seconds: seconds() });
    });
  });
}

/** Is the engine reachable? Resolves to null when it is, else one line saying why not. */
export async function dockerUnavailable(client: DockerClient): Promise<string | null> {
  const r = await runDocker(client, ['version', '--format', '{{.Server.Version}}'], {
    timeoutMs: 20_000,
  });
  if (r.spawnError) return `cannot run the Docker client ${client.bin}: ${r.spawnError}`;
  if (r.timedOut) return `the Docker engine did not answer within 20 s (${hostOf(client)})`;
  if (r.code !== 0)
    return `no Docker engine at ${hostOf(client)}: ${lastLine(r.stderr) || `exit ${r.code}`}`;
  return null;
}

function hostOf(client: DockerClient): string {
  return client.env.DOCKER_HOST ?? process.env.DOCKER_HOST ?? 'the default socket';
}

export function lastLine(s: string): string {
  const lines = s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

export interface BuildRequest {
  contextDir: string;
  dockerfile: string;
  tag: string;
  target?: string;
  buildArgs?: string[];
  noCache?: boolean;
  timeoutMs: number;
}

export interface BuildRun {
  ok: boolean;
  seconds: number;
  log: string;
  builder: 'buildkit' | 'legacy';
  /** One line saying why it failed. */
  error?: string;
}

/** `docker build` with BuildKit (unless DOCKER_BUILDKIT=0 is set), plain progress, host network. */
export async function build(client: DockerClient, req: BuildRequest): Promise<BuildRun> {
  const legacy = (client.env.DOCKER_BUILDKIT ?? process.env.DOCKER_BUILDKIT) === '0';
  const args = ['build', '--network=host', '-f', req.dockerfile, '-t', req.tag];
  if (!legacy) args.push('--progress=plain');
  if (req.noCache) args.push('--no-cache');
  if (req.target) args.push('--target', req.target);
  for (const a of req.buildArgs ?? []) args.push('--build-arg', a);
  args.push(req.contextDir);
  const r = await runDocker(client, args, {
    timeoutMs: req.timeoutMs,
    env: { DOCKER_BUILDKIT: legacy ? '0' : '1' },
  });
  const out: BuildRun = {
    ok: r.code === 0 && !r.timedOut,
    seconds: r.seconds,
    log: r.output,
    builder: legacy ? 'legacy' : 'buildkit',
  };
  if (r.spawnError) out.error = `cannot run ${client.bin}: ${r.spawnError}`;
  else if (r.timedOut) out.error = `build timed out after ${Math.round(req.timeoutMs / 1000)} s`;
  else if (!out.ok) out.error = buildError(r.output) || `docker build exited with ${r.code}`;
  return out;
}

/** The line that says why a build failed (BuildKit's `error:`/`ERROR:` lines, legacy's last). */
export function buildError(log: string): string {
  const lines = log.split('\n').map((l) => l.trim());
  const hit = [...lines]
    .reverse()
    .find((l) =>
      /^(error|ERROR)[: ]|failed to solve|executor failed|returned a non-zero code/.test(l),
    );
  return (hit ?? lastLine(log)).slice(0, 400);
}

export interface LayerEntry {
  /** The history's CreatedBy, shortened (`RUN apt-get update`). */
  createdBy: string;
  size: number;
}

export interface ImageFacts {
  id: string;
  size: number;
  /** Filesystem layers (RootFS.Layers). */
  layers: number;
  /** History entries, oldest first. */
  history: LayerEntry[];
}

/** `docker image inspect` + `docker history --no-trunc --human=false`. */
export async function imageFacts(client: DockerClient, ref: string): Promise<ImageFacts> {
  const ins = await runDocker(client, ['image', 'inspect', ref], { timeoutMs: 60_000 });
  if (ins.code !== 0) throw new Error(`docker image inspect ${ref}: ${lastLine(ins.stderr)}`);
  const doc = (
    JSON.parse(ins.stdout) as { Id: string; Size: number; RootFS?: { Layers?: string[] } }[]
  )[0]!;
  const hist = await runDocker(
    client,
    ['history', '--no-trunc', '--human=false', '--format', '{{json .}}', ref],
    { timeoutMs: 60_000 },
  );
  if (hist.code !== 0) throw new Error(`docker history ${ref}: ${lastLine(hist.stderr)}`);
  const history = hist.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { CreatedBy: string; Size: string | number })
    .map((h) => ({ createdBy: shortCreatedBy(h.CreatedBy), size: Number(h.Size) || 0 }))
    .reverse();
  return { id: doc.Id, size: doc.Size, layers: doc.RootFS?.Layers?.length ?? 0, history };
}

/** `/bin/sh -c #(nop)  CMD ...`, `RUN /bin/sh -c apt-get ... # buildkit` -> Dockerfile-like text. */
export function shortCreatedBy(s: string): string {
  let t = s.trim().replace(/\s+# buildkit$/, '');
  t = t.replace(/^\/bin\/sh -c #\(nop\)\s+/, '');
  t = t.replace(/^\/bin\/sh -c /, 'RUN ');
  t = t.replace(/^RUN \/bin\/sh -c /, 'RUN ');
  t = t.replace(/^\|\d+ (?:\S+=\S*\s+)*\/bin\/sh -c /, 'RUN ');
  return t;
}

/** `docker run --rm --name NAME` with a time limit (a container still running then is removed). */
export async function runImage(
  client: DockerClient,
  ref: string,
  name: string,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  const r = await runDocker(client, ['run', '--rm', '--name', name, '--network=host', ref], {
    timeoutMs,
  });
  if (r.timedOut) await runDocker(client, ['rm', '--force', name], { timeoutMs: 60_000 });
  return { code: r.code, stdout: r.stdout, stderr: r.stderr, timedOut: r.timedOut };
}

/** Remove images by tag or id (missing ones are fine). */
export async function removeImages(client: DockerClient, refs: string[]): Promise<void> {
  const list = [...new Set(refs.filter(Boolean))];
  if (!list.length) return;
  await runDocker(client, ['image', 'rm', '--force', ...list], { timeoutMs: 120_000 });
}
