/**
 * dependency-cache: the analyser table.
 *
 * Each install command name maps to the analyser of its ecosystem (installs/<ecosystem>.ts), which
 * returns what the install reads (`Install`), a reason it cannot move (`skip`), or null when the
 * command is not an install. `benign` lists commands that never read the copied source.
 * Rules and decisions: docs/rules/dependency-cache.md.
 */
import type { SimpleCommand } from '../../../src/model/types.js';
import { type Kind, type Install, type Env, vals, base, withoutContext } from '../env.js';
import { pip, poetry, uv, pipenv, isPip } from './python.js';
import { node } from './node.js';
import { goMod } from './go.js';
import { bundler } from './ruby.js';
import { composer } from './php.js';
import { maven, gradle } from './jvm.js';
import { dotnet } from './dotnet.js';
import { cargo } from './rust.js';

/** Commands that never read the copied source (system packages, tool set-up, cleanup). */
export function benign(cmd: SimpleCommand): boolean {
  const name = base(cmd.name?.value);
  const v = vals(cmd);
  const sub = v.find((a) => a !== null && !a.startsWith('-'));
  if (
    ['apt-get', 'apt', 'apk', 'yum', 'dnf', 'microdnf', 'true', 'echo', 'set', 'mkdir'].includes(
      name,
    )
  )
    return true;
  // Removing caches (absolute, home or variable paths), never a relative path of the sources.
  if (name === 'rm') return cmd.args.every((a) => /^(-|\/|~\/|"?\$)/.test(a.raw));
  if (name === 'corepack') return true;
  if (['npm', 'yarn', 'pnpm'].includes(name) && ['cache', 'config', 'set'].includes(sub ?? ''))
    return true;
  if (
    ['npm', 'pnpm', 'yarn', 'bun'].includes(name) &&
    v.some((a) => a === '-g' || a === '--global' || a === 'global')
  )
    return true;
  if (
    ['poetry', 'pipenv', 'bundle', 'composer', 'pip', 'pip3', 'gem'].includes(name) &&
    sub === 'config'
  )
    return true;
  if (name === 'composer' && (sub === 'clear-cache' || sub === 'self-update')) return true;
  if (name === 'gem' && sub === 'install')
    return v.every((a) => a !== null && !a.includes('/') && !a.endsWith('.gem'));
  if (name === 'pip' && sub === 'cache') return true;
  return false;
}

/** Whether `analyseCommand` may find an install in `cmd`: its name is one an analyser knows
 * (or pip's), the one thing it looks at before anything of the RUN (its variables, the context). */
export function mayInstall(cmd: SimpleCommand): boolean {
  return Object.hasOwn(ANALYSERS, base(cmd.name?.value)) || isPip(cmd) !== null;
}

/** The install a command runs, or null when it is not one. */
export function analyseCommand(env: Env, cmd: SimpleCommand): Install | null {
  const name = base(cmd.name?.value);
  const pipArgs = isPip(cmd);
  if (pipArgs) {
    const r = pip(env, cmd, pipArgs);
    // `pip install --upgrade pip` and friends read no file: a tool set-up, not an install.
    return r.needs.length || r.skip ? r : null;
  }
  return Object.hasOwn(ANALYSERS, name) ? ANALYSERS[name]!(env, cmd) : null;
}

/**
 * `analyseCommand` without reading the build context, for callers that use only whether the
 * command is an install, its kind, its label and `ignore`: each analyser decides these from the
 * command, its variables and its working directory before it reads anything, so they are those
 * of `analyseCommand` with the context too (a test holds every analyser to it); needs, reads,
 * globs and skips are those of a run without a context. No manifest is read or parsed and no
 * walk made (an earlier install of a kind, the note on an install already before a copy of the
 * whole context).
 */
export function installShape(env: Env, cmd: SimpleCommand): Install | null {
  return analyseCommand(withoutContext(env), cmd);
}

/** The analyser of each install command name (pip is recognised by `isPip`). */
export const ANALYSERS: Record<string, (env: Env, cmd: SimpleCommand) => Install | null> = {
  poetry,
  uv,
  pipenv,
  ...Object.fromEntries(
    (['npm', 'yarn', 'pnpm', 'bun'] as const).map((t) => [
      t,
      (env: Env, cmd: SimpleCommand) => node(env, cmd, t),
    ]),
  ),
  go: goMod,
  bundle: bundler,
  bundler,
  composer,
  'composer.phar': composer,
  mvn: maven,
  mvnw: maven,
  gradle,
  gradlew: gradle,
  dotnet,
  cargo,
};

export const INSTALL_NAMES: Record<Kind, string> = {
  pip: 'pip install',
  poetry: 'poetry install',
  uv: 'uv sync',
  pipenv: 'pipenv install',
  npm: 'npm install',
  yarn: 'yarn install',
  pnpm: 'pnpm install',
  bun: 'bun install',
  'go-mod-download': 'go mod download',
  bundler: 'bundle install',
  composer: 'composer install',
  maven: 'the Maven dependency download',
  gradle: 'the Gradle dependency download',
  dotnet: 'dotnet restore',
  cargo: 'the cargo build',
};
