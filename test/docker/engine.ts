/**
 * The Docker engines for the docker suite: each test file gets a private dockerd of its own
 * (scripts/docker-setup.sh with DFO_DOCKER_DIR=/tmp/dfo-docker-<name>, one debootstrapped base
 * shared by all), tagged for the examples' FROM names. Separate engines because BuildKit merges
 * identical steps of concurrent builds on one engine, and a `--no-cache` build (verify's cold
 * builds) then makes the other file's cached steps re-run: the cache assertions failed at random.
 * Without dockerd to start, an engine that answers (DOCKER_HOST) is shared instead.
 * Outside CI, with no engine and no dockerd, the suite is skipped (one line says why); under
 * CI=true a failed set-up fails the suite.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultDockerBin, dockerUnavailable, type DockerClient } from '../../src/verify/docker.js';
import { hasCommand, ROOT } from '../helpers.js';

export { ROOT } from '../helpers.js';
const SETUP_TIMEOUT_MS = 20 * 60_000;

/** dockerd is installed (it lives in /usr/sbin, off the PATH of non-root users). */
const hasDockerd = () => hasCommand('dockerd') || fs.existsSync('/usr/sbin/dockerd');

export type Engine =
  | { client: DockerClient; dir: string | null; skip?: undefined }
  | { skip: string; client?: undefined; dir?: undefined };

/** The engines the test files use (.ci/run prepares them while the unit suite runs). */
export const ENGINES = ['apt', 'cache', 'cli', 'layer'] as const;
/** The state folder of a test file's private engine. */
export const engineDir = (name: (typeof ENGINES)[number]) => `/tmp/dfo-docker-${name}`;

export async function ensureEngine(name: (typeof ENGINES)[number]): Promise<Engine> {
  const ci = process.env.CI === 'true' || process.env.CI === '1';
  const chosen = process.env.DFO_DOCKER;
  const answering =
    (await dockerUnavailable({ bin: chosen ?? defaultDockerBin(), env: {} })) === null;
  if (!answering && !ci && !hasDockerd())
    return {
      skip: `no Docker engine answers (${process.env.DOCKER_HOST ?? 'default socket'}) and there is no dockerd to start`,
    };
  const dir = hasDockerd() ? engineDir(name) : null;
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/docker-setup.sh')], {
    encoding: 'utf8',
    timeout: SETUP_TIMEOUT_MS,
    env: dir
      ? {
          ...process.env,
          DFO_DOCKER_DIR: dir,
          DFO_ROOTFS_DIR: '/tmp/dfo-docker-rootfs',
          DFO_PRIVATE_ENGINE: '1',
        }
      : process.env,
  });
  // The client is chosen after the set-up: on a fresh machine it installs Debian's docker.io, whose
  // 20.10 client has BuildKit built in (a newer `docker` on the PATH may lack buildx).
  const last = /export DOCKER_HOST=(\S+)/.exec(r.stdout ?? '');
  const bin = chosen ?? /export DFO_DOCKER=(\S+)/.exec(r.stdout ?? '')?.[1] ?? defaultDockerBin();
  if (r.status !== 0 || !last) {
    const tail =
      (r.stderr ?? '').trim().split('\n').slice(-3).join(' | ') ||
      r.error?.message ||
      `exit ${r.status}`;
    const why = `scripts/docker-setup.sh failed: ${tail}`;
    if (ci) throw new Error(why);
    return { skip: why };
  }
  process.env.DOCKER_HOST = last[1];
  const client: DockerClient = { bin, env: { DOCKER_HOST: last[1] } };
  const still = await dockerUnavailable(client);
  if (still) {
    if (ci) throw new Error(still);
    return { skip: still };
  }
  return { client, dir };
}
