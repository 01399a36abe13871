/**
 * dependency-cache: paths an install reads besides its manifests.
 *
 * Variables the RUN sets (ARG/ENV, `export`, `VAR=value` prefixes, `bundle config`), each tool's
 * own variables (`PIP_*`, `npm_config_*`, `GOFLAGS`, ...) and options naming files
 * (`--userconfig`, `-s settings.xml`). Checked against the full copy in copy.ts. See docs/rules/dependency-cache.md.
 */
import { joinImage } from '../../src/model/image-path.js';
import { normalizePosix } from '../../src/model/dockerfile.js';
import type { DockerfileModel, Instruction, SimpleCommand, Word } from '../../src/model/types.js';
import { type Read, type Env, base } from './env.js';
import { isExport, setAssignment } from './vars.js';

export { isExport, runVars, setAssignment } from './vars.js';

/** The variables one command sees (its own `VAR=value` prefixes included). */
export function commandVars(env: Env, cmd: SimpleCommand): Map<string, string | null> {
  if (!cmd.assignments.length) return env.vars;
  const vars = new Map(env.vars);
  for (const w of cmd.assignments) setAssignment(vars, w);
  return vars;
}

/** Variables each tool reads its settings from (by command name). */
export const TOOL_VARS: Record<string, RegExp> = {
  pip: /^PIP_/,
  uv: /^UV_/,
  poetry: /^POETRY_/,
  pipenv: /^(PIPENV_|PIP_)/,
  npm: /^npm_config_/i,
  yarn: /^(YARN_|npm_config_)/i,
  pnpm: /^(PNPM_|npm_config_)/i,
  bun: /^(BUN_|npm_config_)/i,
  corepack: /^COREPACK_/,
  go: /^GO(FLAGS|PROXY|WORK|ENV|MODCACHE)$/,
  bundle: /^BUNDLE_/,
  gem: /^(GEM_|BUNDLE_)/,
  composer: /^COMPOSER(_|$)/,
  mvn: /^MAVEN_(OPTS|CONFIG|ARGS)$/,
  gradle: /^GRADLE_(OPTS|USER_HOME)$/,
  dotnet: /^NUGET_/,
};

/** Variables whose value is a path even without a `/` (`COMPOSER=composer.dev.json`). */
export const PATH_VARS =
  /^(PIP_CONFIG_FILE|PIP_CONSTRAINT|PIP_REQUIREMENT|PIP_CERT|PIP_CLIENT_CERT|PIP_FIND_LINKS|PIPENV_PIPFILE|NPM_CONFIG_(USERCONFIG|GLOBALCONFIG|CAFILE|PNPMFILE)|YARN_RC_FILENAME|YARN_YARN_PATH|YARN_CACHE_FOLDER|BUNDLE_GEMFILE|BUNDLE_APP_CONFIG|COMPOSER|COMPOSER_VENDOR_DIR|UV_CONFIG_FILE|UV_CONSTRAINT|UV_OVERRIDE|UV_BUILD_CONSTRAINT|UV_FIND_LINKS|UV_PROJECT|UV_WORKING_DIRECTORY|UV_PROJECT_ENVIRONMENT|GOWORK|GOENV)$/i;

/** The tool whose variables a command reads (`python -m pip` is pip). */
export function toolOf(cmd: SimpleCommand): string | null {
  const name = base(cmd.name?.value);
  if (/^pip[0-9.]*$/.test(name)) return 'pip';
  if (
    /^python[0-9.]*$/.test(name) &&
    cmd.args[0]?.value === '-m' &&
    /^pip[0-9.]*$/.test(cmd.args[1]?.value ?? '')
  )
    return 'pip';
  if (name === 'bundler') return 'bundle';
  if (/^(mvnw?|gradlew?)$/.test(name)) return name.replace(/w$/, '');
  if (name === 'composer.phar') return 'composer';
  return name in TOOL_VARS ? name : null;
}

/**
 * A word naming a local path: an absolute or relative path, or a `file:` URL (`what` = a path
 * even without `/`). Null for URLs, `~`, flags and plain values.
 */
export function localPath(value: string, cwd: string, bare = false): string | null {
  let v = value.trim();
  if (!v) return null;
  const file = /^file:(\/\/)?/i.exec(v);
  if (file) v = v.slice(file[0].length) || '/';
  // URLs (`https://`, `git@host:repo`), home folders and flags are not paths of the source.
  else if (v.includes(':') || v.startsWith('~') || v.startsWith('-')) return null;
  if (v.startsWith('/')) return normalizePosix(v);
  if (
    file ||
    v.startsWith('./') ||
    v.startsWith('../') ||
    v === '.' ||
    v === '..' ||
    v.includes('/')
  )
    return joinImage(cwd, v);
  if (bare && /^[\w.@+-]+$/.test(v) && !/^(0|1|true|false|yes|no|on|off|none|null)$/i.test(v))
    return joinImage(cwd, v);
  return null;
}

/** Paths the tool's variables name (`PIP_FIND_LINKS=/app/wheels`, `GOFLAGS=-mod=vendor`). */
export function envReads(env: Env, cmd: SimpleCommand): Read[] {
  const tool = toolOf(cmd);
  const scope = tool ? TOOL_VARS[tool] : undefined;
  if (!scope) return [];
  let label: string | undefined;
  const out: Read[] = [];
  for (const [name, value] of commandVars(env, cmd)) {
    if (!scope.test(name)) continue;
    const bare = PATH_VARS.test(name);
    const what = `\`${name}=${value ?? ''}\``;
    const does = `points \`${(label ??= cmdLabel(cmd))}\` at`;
    if (value === null) {
      if (bare) out.push({ path: null, what: `\`${name}\``, does });
      continue;
    }
    for (const tok of value.split(name === 'GOPROXY' ? /[\s,|]+/ : /\s+/)) {
      if (name === 'GOFLAGS') {
        out.push(...goFlagReads(env, tok, what));
        continue;
      }
      // `-Dmaven.repo.local=/app/.m2`, `-s /app/settings.xml`: the value after `=`.
      const v = tok.startsWith('-') && tok.includes('=') ? tok.slice(tok.indexOf('=') + 1) : tok;
      const p = localPath(v, env.cwd, bare);
      if (p !== null) out.push({ path: p, what, does });
    }
  }
  return out;
}

/** An option table (option -> what the tool does with its path) from what it does -> options. */
export function readOpts(byDoes: Record<string, string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [does, names] of Object.entries(byDoes)) for (const n of names) out[n] = does;
  return out;
}

/**
 * Paths named by options of the command (`--userconfig ci.npmrc`, `--gemfile=x`, `-s settings.xml`),
 * for the options in `opts` (name -> what the tool does with the path).
 */
export function optionReads(env: Env, cmd: SimpleCommand, opts: Record<string, string>): Read[] {
  const out: Read[] = [];
  const a = cmd.args;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!.value;
    if (v === null) continue;
    let opt: string | null = null;
    let value: string | null | undefined;
    let raw = a[i]!.raw;
    if (v in opts) {
      opt = v;
      value = a[i + 1]?.value;
      raw += ' ' + (a[i + 1]?.raw ?? '');
      i++;
    } else {
      const eq = v.indexOf('=');
      if (eq > 0 && v.slice(0, eq) in opts) {
        opt = v.slice(0, eq);
        value = v.slice(eq + 1);
      }
    }
    if (opt === null) continue;
    if (value == null) {
      out.push({ path: null, what: `\`${raw.trim()}\``, does: opts[opt]! });
      continue;
    }
    const p = localPath(value, env.cwd, true);
    if (p !== null) out.push({ path: p, what: `\`${raw.trim()}\``, does: opts[opt]! });
  }
  return out;
}

/** The command as a short label (`pip install`, `npm ci`, `go mod download`). */
export function cmdLabel(cmd: SimpleCommand): string {
  const words = [cmd.name?.raw ?? ''];
  const args = cmd.args.filter((a) => a.value !== null && !a.value.startsWith('-'));
  for (const a of args) {
    words.push(a.raw);
    if (!['pip', 'mod', 'global'].includes(a.value!) || words.length === 3) break;
  }
  if (toolOf(cmd) === 'pip' && /^python/.test(base(cmd.name?.value))) words.splice(1, 0, '-m');
  return words.join(' ');
}

/** What an install writes into the project (node_modules, .venv, vendor). */
export function venvOutput(cmd: SimpleCommand, path: string): Read {
  return { path, what: `\`${cmdLabel(cmd)}\``, does: 'writes', output: true };
}

export function projectDir(cmd: SimpleCommand, env: Env, envVars: string[] = []): string | null {
  const a = cmd.args;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!.value;
    if (v === '-C' || v === '--directory' || v === '--project') {
      const d = a[i + 1]?.value;
      return d == null ? null : joinImage(env.cwd, d);
    }
    const m = /^--(?:directory|project)=(.+)$/.exec(v ?? '');
    if (m) return joinImage(env.cwd, m[1]!);
  }
  const vars = commandVars(env, cmd);
  for (const name of envVars) {
    if (!vars.has(name)) continue;
    const d = vars.get(name);
    return d == null ? null : d === '' ? env.cwd : joinImage(env.cwd, d);
  }
  return env.cwd;
}

/** What a go flag (an argument or a GOFLAGS word) makes go read: `-mod=vendor`, `-modfile=F`. */
export function goFlagReads(env: Env, flag: string, what: string): Read[] {
  if (/^--?mod=vendor$/.test(flag))
    return [{ path: joinImage(env.cwd, 'vendor'), what, does: 'makes go read' }];
  const mf = /^--?modfile=(.+)$/.exec(flag);
  return mf ? [{ path: joinImage(env.cwd, mf[1]!), what, does: 'makes go read' }] : [];
}
