/**
 * Transform `dependency-cache`: install dependencies before the full copy of the sources.
 *
 * When a stage copies the whole context (or a sub-folder holding the manifests) and then runs a
 * dependency install, every source edit invalidates the copy and re-runs the install. The fix
 * copies only the files the install reads (the manifests, found in the real build context) and
 * moves the install above the full copy.
 *
 * Decisions where the issue leaves room:
 * - Shape: the install RUN moves as whole lines (with the comment lines directly above it) to just
 *   before the full copy (and its comment lines), after the new manifest COPY. When WORKDIR, ENV,
 *   ARG or USER instructions sit between the copy and the install, the install keeps its place
 *   (its environment is unchanged) and the full copy moves below it instead.
 * - Any other instruction between them (RUN, COPY, ADD, VOLUME, SHELL, ONBUILD) may prepare the
 *   install: skipped. Except steps that read nothing from the context (`contextFree`): a
 *   `COPY --from` of a tool outside the copied tree, and RUNs of an allow-list of tool set-ups
 *   (`npm install -g NAME`, `pip install --upgrade pip`, `python -m venv /abs`, `corepack
 *   enable`, `mkdir -p /abs`, `apt-get install -y NAME`, `apk add NAME`, `dnf install -y NAME`
 *   and their cache cleanups, unless the copy lands in a folder packages install into) with no
 *   path into the copied tree; they stay before the install and
 *   the full copy moves below it (the manifest COPY goes right before the install).
 * - Only the copy of the whole context, or of a folder holding a manifest of the install
 *   (`sourceCopyFor`), is the copy an install moves above: a copy of tool or config folders
 *   (`COPY .yarn ./.yarn`) is what the install may need.
 * - Every other path an install reads or writes (`Read`: option values, the tool's variables,
 *   paths in copied config files, node_modules/vendor/.venv it writes) is checked against what the
 *   full copy puts there (`readProblem`): files of the context not copied with the manifests or
 *   by an earlier COPY keep the install where it is, with a reason naming the path.
 * - Install and build in one RUN (`npm ci && npm run build`): the RUN is read as a chain; its
 *   leading part of installs and source-free commands (`cd DIR` resolved against WORKDIR, `set`,
 *   `export`) becomes a RUN of its own (same flags, the author's layout) before the full copy, and
 *   the RUN after the copy keeps the rest, repeating the `cd`/`set`/`export` items. Only when the
 *   split cannot change the outcome: an `&&` boundary in the last statement without `||`, or a
 *   statement boundary under `set -e` after a single command. Repeated `cd`/`export` and a cleanup
 *   left after the build (it no longer shrinks the install layer) make it `review`. Anything else
 *   in the RUN that we cannot prove source-free is skipped: a wrong rewrite is worse than none.
 * - The manifest COPY uses the keyword COPY (also for `ADD . .`), carries `--chown`, `--chmod`
 *   and `--link` of the full copy, writes sources as context paths (under the full copy's source
 *   folder) and one COPY per target folder (monorepos), destinations relative when the author's
 *   was (`.` stays `.`). Optional files (lock files, `.npmrc`, ...) are copied only when present in
 *   the context after `.dockerignore`; a required one that is missing is a skip.
 * - Poetry without `--no-root`, uv without `--no-install-project`, Composer without
 *   `--no-scripts --no-autoloader`: the install also needs the source (the project itself,
 *   scripts, the autoloader). The fix adds those flags to the moved install and runs the
 *   source-dependent part after the full copy (`poetry install --only-root`, the original
 *   `uv sync`, `composer dump-autoload`); as it changes the commands it is a `review` fix.
 * - Cargo is always skipped (a plain reorder cannot build dependencies without the sources).
 * - An install that already runs before the full copy (and none after it) is reported as a
 *   Skipped saying so, so users learn why nothing changed. The engine keeps the skips of its
 *   last pass, so after a move in the same run the moved install is reported this way too.
 * - Without a context on disk, only `pip install -r FILE` (the command names its manifest) is
 *   rewritten, as a `review` fix: nested includes cannot be seen.
 */
import { cleanRelative } from '../../src/context/context.js';
import { IMAGE_WD, imageWorkdir, inImageWorkdir, joinImage } from '../../src/model/image-path.js';
import {
  copyDestination,
  copySpec,
  isWholeContext,
  matchSource,
  sourceValue,
  type CopySpec,
} from '../../src/toolkit/copy.js';
import { instructionLines } from '../../src/toolkit/edits.js';
import { loadIgnore, type IgnoreFile } from '../../src/context/ignore.js';
import { normalizePosix, unquote } from '../../src/model/dockerfile.js';
import { commandBase } from '../../src/model/shell.js';
import { PIP_VALUE_OPTIONS } from '../../src/toolkit/packages/pip.js';
import type {
  BuildContext,
  ChainItem,
  CheckContext,
  DockerfileModel,
  Edit,
  Finding,
  Fix,
  Instruction,
  SimpleCommand,
  Span,
  Transform,
  Word,
} from '../../src/model/types.js';

const ID = 'dependency-cache';

type Kind =
  | 'pip'
  | 'poetry'
  | 'uv'
  | 'pipenv'
  | 'npm'
  | 'yarn'
  | 'pnpm'
  | 'bun'
  | 'go-mod-download'
  | 'bundler'
  | 'composer'
  | 'maven'
  | 'gradle'
  | 'dotnet'
  | 'cargo';

/** A file the install reads, as an absolute image path. */
interface Need {
  path: string;
  required: boolean;
  /** A manifest that makes a copy holding it the install's source copy (default: `required`). */
  primary?: boolean;
}

/**
 * A path an install reads or writes besides the manifests it copies (a `--find-links` folder,
 * a config file named by an ENV, its node_modules): when the full copy puts something there, the
 * install cannot move above it.
 */
interface Read {
  /** Absolute image path, or null when a variable naming it has no known value. */
  path: string | null;
  /** How the Dockerfile names it, in backquotes (`--find-links wheels/`, `PIP_CONFIG_FILE=...`). */
  what: string;
  /** What the install does with it (`reads packages from a local folder`). */
  does: string;
  /** The install writes it (node_modules, .venv, vendor): the copy would land over its output. */
  output?: boolean;
}

/** What one install command needs, or why it cannot move. */
interface Install {
  kind: Kind;
  cmd: SimpleCommand;
  needs: Need[];
  /** Needs computed by globbing the context (image dir + context-relative pattern); `primary`
   * globs match manifests (project files), the others tool files (wrappers, Yarn releases). */
  globs?: { dir: string; pattern: RegExp; primary?: boolean }[];
  /** Other paths it reads or writes (checked against what the full copy provides). */
  reads?: Read[];
  skip?: string;
  /** Text to insert into the RUN (source offset + text), making the moved install source-free. */
  inserts?: { at: number; text: string }[];
  /** Commands to run after the full copy (the source-dependent part). */
  after?: string[];
  /** The install only covers the source-dependent part of an earlier split: not an opportunity. */
  ignore?: boolean;
}

interface Env {
  model: DockerfileModel;
  ctx: BuildContext;
  ignore: IgnoreFile;
  /** Working directory of the RUN (absolute image path). */
  cwd: string;
  /** Context folder the full copy takes, and where it lands in the image. */
  srcDir: string;
  destDir: string;
  /** Variables the RUN's commands see: ARG/ENV, `export`s of the RUN (a command's own
   * `VAR=value` prefixes are added per command). */
  vars: Map<string, string | null>;
}

// ---------------------------------------------------------------------------------------------
// Paths

/** The Env of a RUN below the full copy `copy`, in working directory `cwd`. */
function envFor(
  model: DockerfileModel,
  ctx: BuildContext,
  ignore: IgnoreFile,
  copy: { srcDir: string; destDir: string },
  run: Instruction,
  cwd: string,
): Env {
  const { srcDir, destDir } = copy;
  return { model, ctx, ignore, cwd, srcDir, destDir, vars: runVars(model, run) };
}

function imageDir(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

/** Path of `p` relative to `dir` when inside it (`''` for the dir itself), else null. */
function under(dir: string, p: string): string | null {
  if (p === dir) return '';
  const prefix = dir.endsWith('/') ? dir : dir + '/';
  return p.startsWith(prefix) ? p.slice(prefix.length) : null;
}

function contextPath(env: Env, imagePath: string): string | null {
  const rel = under(env.destDir, imagePath);
  if (rel === null) return null;
  return env.srcDir === '' ? rel : rel === '' ? env.srcDir : `${env.srcDir}/${rel}`;
}

/** Context file present after `.dockerignore`. */
function inContext(env: Env, p: string): boolean {
  return (
    env.ctx.available && env.ctx.exists(p) && !env.ctx.isDirectory(p) && !env.ignore.ignores(p)
  );
}

function readContext(env: Env, imagePath: string): string | null {
  const p = contextPath(env, imagePath);
  return p === null || !inContext(env, p) ? null : env.ctx.readFile(p);
}

// ---------------------------------------------------------------------------------------------
// Shell helpers

const vals = (cmd: SimpleCommand): (string | null)[] => cmd.args.map((a) => a.value);

/** The last path segment (a command's basename, a file's name). */
function base(name: string | null | undefined): string {
  return commandBase(name ?? '');
}

/** First non-option argument (the subcommand), skipping options that take a value. */
function subcommand(cmd: SimpleCommand, withValue: Set<string> = new Set()): Word | null {
  for (let i = 0; i < cmd.args.length; i++) {
    const v = cmd.args[i]!.value;
    if (v === null) return null;
    if (v.startsWith('-')) {
      if (withValue.has(v)) i++;
      continue;
    }
    return cmd.args[i]!;
  }
  return null;
}

/**
 * The value of the last `NAME VALUE` or `NAME=VALUE` option of a command: undefined when absent,
 * null when the value is not a literal (`--gemfile=$GEMFILE`).
 */
function optionValue(cmd: SimpleCommand, name: string): string | null | undefined {
  let out: string | null | undefined;
  const a = cmd.args;
  for (let i = 0; i < a.length; i++) {
    const w = a[i]!;
    if (w.value === name) out = a[++i]?.value ?? null;
    else if ((w.value ?? w.raw).startsWith(name + '='))
      out = w.value === null ? null : w.value.slice(name.length + 1);
  }
  return out;
}

function has(cmd: SimpleCommand, ...flags: string[]): boolean {
  return cmd.args.some((a) => a.value !== null && flags.includes(a.value));
}

function hasPrefix(cmd: SimpleCommand, ...flags: string[]): boolean {
  return cmd.args.some((a) => a.value !== null && flags.some((f) => a.value!.startsWith(f)));
}

// ---------------------------------------------------------------------------------------------
// Paths an install reads besides its manifests: options, variables, config files

/**
 * Variables a RUN sees: ARG/ENV values plus the `export NAME=value`s of the RUN itself, and
 * Bundler settings it makes (`bundle config set --local path vendor/bundle` = BUNDLE_PATH).
 */
function runVars(model: DockerfileModel, run: Instruction): Map<string, string | null> {
  const vars = model.varsAt(run.index);
  for (const c of run.shell?.commands ?? []) {
    const words = isExport(c) ? c.args : c.name === null ? c.assignments : [];
    for (const w of words) setAssignment(vars, w);
    if (/^bundler?$/.test(base(c.name?.value)) && c.args[0]?.value === 'config') {
      const rest = c.args.slice(1).filter((a) => !/^(set|--local|--global)$/.test(a.value ?? ''));
      const key = rest[0]?.value;
      if (key && rest.length === 2)
        vars.set(`BUNDLE_${key.toUpperCase().replace(/[.-]/g, '_')}`, rest[1]!.value);
    }
  }
  return vars;
}

/** `export ...` (a declaration command: its keyword has no literal value in the shell model). */
function isExport(cmd: SimpleCommand): boolean {
  return cmd.name !== null && (cmd.name.value ?? cmd.name.raw) === 'export';
}

/** `NAME=value` (the shell model keeps assignments raw): the value when literal, else null. */
function setAssignment(vars: Map<string, string | null>, w: Word): void {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(w.raw);
  if (!m) return;
  const raw = m[2]!;
  // Quotes and escapes as the shell removes them (`unquote`: null on `$`); command substitution
  // and a leading `~` (tilde expansion) have no literal value.
  vars.set(m[1]!, raw.includes('`') || raw.startsWith('~') ? null : unquote(raw));
}

/** The variables one command sees (its own `VAR=value` prefixes included). */
function commandVars(env: Env, cmd: SimpleCommand): Map<string, string | null> {
  if (!cmd.assignments.length) return env.vars;
  const vars = new Map(env.vars);
  for (const w of cmd.assignments) setAssignment(vars, w);
  return vars;
}

/** Variables each tool reads its settings from (by command name). */
const TOOL_VARS: Record<string, RegExp> = {
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
const PATH_VARS =
  /^(PIP_CONFIG_FILE|PIP_CONSTRAINT|PIP_REQUIREMENT|PIP_CERT|PIP_CLIENT_CERT|PIP_FIND_LINKS|PIPENV_PIPFILE|NPM_CONFIG_(USERCONFIG|GLOBALCONFIG|CAFILE|PNPMFILE)|YARN_RC_FILENAME|YARN_YARN_PATH|YARN_CACHE_FOLDER|BUNDLE_GEMFILE|BUNDLE_APP_CONFIG|COMPOSER|COMPOSER_VENDOR_DIR|UV_CONFIG_FILE|UV_CONSTRAINT|UV_OVERRIDE|UV_BUILD_CONSTRAINT|UV_FIND_LINKS|UV_PROJECT|UV_WORKING_DIRECTORY|UV_PROJECT_ENVIRONMENT|GOWORK|GOENV)$/i;

/** The tool whose variables a command reads (`python -m pip` is pip). */
function toolOf(cmd: SimpleCommand): string | null {
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
function localPath(value: string, cwd: string, bare = false): string | null {
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
function envReads(env: Env, cmd: SimpleCommand): Read[] {
  const tool = toolOf(cmd);
  const scope = tool ? TOOL_VARS[tool] : undefined;
  if (!scope) return [];
  const label = cmdLabel(cmd);
  const out: Read[] = [];
  for (const [name, value] of commandVars(env, cmd)) {
    if (!scope.test(name)) continue;
    const bare = PATH_VARS.test(name);
    const what = `\`${name}=${value ?? ''}\``;
    const does = `points \`${label}\` at`;
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
function readOpts(byDoes: Record<string, string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [does, names] of Object.entries(byDoes)) for (const n of names) out[n] = does;
  return out;
}

/**
 * Paths named by options of the command (`--userconfig ci.npmrc`, `--gemfile=x`, `-s settings.xml`),
 * for the options in `opts` (name -> what the tool does with the path).
 */
function optionReads(env: Env, cmd: SimpleCommand, opts: Record<string, string>): Read[] {
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
function cmdLabel(cmd: SimpleCommand): string {
  const words = [cmd.name?.raw ?? ''];
  const args = cmd.args.filter((a) => a.value !== null && !a.value.startsWith('-'));
  for (const a of args) {
    words.push(a.raw);
    if (!['pip', 'mod', 'global'].includes(a.value!) || words.length === 3) break;
  }
  if (toolOf(cmd) === 'pip' && /^python/.test(base(cmd.name?.value))) words.splice(1, 0, '-m');
  return words.join(' ');
}

// ---------------------------------------------------------------------------------------------
// Ecosystems

/** `-r`/`-c` includes of a requirements file (recursively); a reason when it installs local code. */
function pipRequirements(env: Env, file: string, needs: Need[], seen: Set<string>): string | null {
  if (seen.has(file)) return null;
  seen.add(file);
  needs.push({ path: file, required: true });
  if (!env.ctx.available) return null;
  const text = readContext(env, file);
  if (text === null) return null;
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  for (const raw of lines) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    const m = /^(-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+|(?<=^-[rc]))(\S+)/.exec(line);
    if (m) {
      const why = pipRequirements(env, joinImage(imageDir(file), m[2]!), needs, seen);
      if (why) return why;
      continue;
    }
    const base = file.replace(/^.*\//, '');
    if (
      /^(-e|--editable)\b/.test(line) &&
      !/^(-e|--editable)\s*(git\+|hg\+|svn\+|bzr\+|https?:)/.test(line)
    )
      return `${base} installs a local path (\`${line}\`), which needs the source`;
    if (/^(-f|--find-links)\s*[=\s]\s*(?![a-z]+:)/.test(line))
      return `${base} reads packages from a local folder (\`${line}\`)`;
    if (/^(-i|--index-url|--extra-index-url)\s*[=\s]\s*(file:|\.|\/)/.test(line))
      return `${base} reads packages from a local index (\`${line}\`)`;
    if (
      /^(\.|\/|~)|^file:|@\s*file:/.test(line) ||
      (/\.(whl|tar\.gz|zip)$/.test(line) && !/:\/\//.test(line))
    )
      return `${base} installs a local path (\`${line}\`), which needs the source`;
  }
  return null;
}

/** pip options whose value is a path pip reads (index and link folders, certificates). */
const PIP_READ_OPTS = readOpts({
  'reads packages from': ['-f', '--find-links'],
  'reads its package index from': ['-i', '--index-url', '--extra-index-url'],
  'reads a certificate from': ['--cert', '--client-cert'],
});

/** pip options naming a requirements-format file (copied as a manifest, includes followed). */
const PIP_FILE_OPTS = new Set([
  '-r',
  '--requirement',
  '-c',
  '--constraint',
  '--override',
  '--overrides',
  '-b',
  '--build-constraint',
]);

function pip(env: Env, cmd: SimpleCommand, args: Word[]): Install {
  const out: Install = { kind: 'pip', cmd, needs: [], reads: [] };
  const seen = new Set<string>();
  const uvPip = base(cmd.name?.value) === 'uv';
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === null) return { ...out, skip: `\`${args[i]!.raw}\` is not a literal` };
    const eq = v.startsWith('--') ? v.indexOf('=') : -1;
    const opt = eq > 0 ? v.slice(0, eq) : v;
    const inline = eq > 0 ? v.slice(eq + 1) : null;
    let m: RegExpExecArray | null;
    if (PIP_FILE_OPTS.has(opt) && (!['-b', '--override', '--overrides'].includes(opt) || uvPip)) {
      const file = inline ?? args[++i]?.value ?? null;
      if (file === null) return { ...out, skip: `the requirements path is not a literal` };
      files.push(file);
    } else if ((m = /^-([rc])(.+)$/.exec(v))) files.push(m[2]!);
    else if (opt === '-e' || opt === '--editable' || /^-e./.test(v)) {
      const target =
        inline ??
        (v.length > 2 && v.startsWith('-e') ? v.slice(2) : null) ??
        args[++i]?.value ??
        '';
      if (!/^(git|hg|svn|bzr)\+|^https?:/.test(target))
        return {
          ...out,
          skip: `\`pip install -e ${target}\` installs the project itself, which needs the source`,
        };
    } else if (opt in PIP_READ_OPTS || /^-f./.test(v)) {
      const short = /^-f./.test(v) ? v.slice(2) : null;
      const target = inline ?? short ?? args[++i]?.value ?? null;
      const shown = inline !== null || short !== null ? v : `${opt} ${args[i]?.raw ?? ''}`;
      if (target === null) {
        out.reads!.push({ path: null, what: `\`${shown}\``, does: PIP_READ_OPTS[opt] ?? 'reads' });
        continue;
      }
      const p = localPath(target, env.cwd, true);
      if (p !== null)
        out.reads!.push({
          path: p,
          what: `\`${shown}\``,
          does: PIP_READ_OPTS[short !== null ? '-f' : opt]!,
        });
    } else if (PIP_VALUE_OPTIONS.has(opt)) {
      const value = inline ?? args[++i]?.value ?? null;
      // `--target lib`: what pip writes there, the full copy would then land on.
      const p = ['-t', '--target', '--prefix', '--root'].includes(opt)
        ? localPath(value ?? '', env.cwd, true)
        : null;
      if (p !== null) out.reads!.push(venvOutput(cmd, p));
    } else if (v.startsWith('-')) continue;
    else if (/^(?!file:)[a-z][a-z0-9+.-]*:\/\/|@\s*(?!file:)[a-z][a-z0-9+.-]*:\/\//i.test(v))
      continue; // a URL (`https://.../x.whl`, `pkg @ git+https://...`)
    else if (
      /^(\.|\/|~)|^file:|@\s*file:/.test(v) ||
      /\.(whl|tar\.gz|zip|tar\.bz2|tgz)$/.test(v) ||
      v.includes('/')
    )
      return { ...out, skip: `\`pip install ${v}\` installs a local path, which needs the source` };
  }
  // Requirements and constraints named by the environment (`PIP_CONSTRAINT=constraints.txt`).
  const vars = commandVars(env, cmd);
  for (const name of uvPip
    ? ['UV_CONSTRAINT', 'UV_OVERRIDE', 'UV_BUILD_CONSTRAINT']
    : ['PIP_CONSTRAINT', 'PIP_REQUIREMENT']) {
    const value = vars.get(name);
    if (value) files.push(...value.split(/\s+/).filter(Boolean));
  }
  for (const file of files) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file)) continue;
    const why = pipRequirements(env, joinImage(env.cwd, file), out.needs, seen);
    if (why) return { ...out, skip: why };
  }
  out.reads!.push(
    ...envReads(env, cmd).filter(
      (r) => !/^`(PIP|UV)_(CONSTRAINT|REQUIREMENT|OVERRIDE|BUILD_CONSTRAINT)=/.test(r.what),
    ),
  );
  return out;
}

function poetry(env: Env, cmd: SimpleCommand): Install | null {
  const sub = subcommand(cmd);
  if (sub?.value !== 'install' && sub?.value !== 'sync') return null;
  const out: Install = { kind: 'poetry', cmd, needs: [], reads: envReads(env, cmd) };
  const dir = projectDir(cmd, env);
  if (dir === null)
    return { ...out, skip: 'the project folder (`-C`/`--directory`) is not a literal' };
  out.needs.push(
    { path: joinImage(dir, 'pyproject.toml'), required: true },
    { path: joinImage(dir, 'poetry.lock'), required: false },
    { path: joinImage(dir, 'poetry.toml'), required: false },
  );
  if (has(cmd, '--only-root')) return { ...out, ignore: true };
  const poetryToml = readContext(env, joinImage(dir, 'poetry.toml')) ?? '';
  const inProject = commandVars(env, cmd).get('POETRY_VIRTUALENVS_IN_PROJECT');
  if (
    (inProject != null && /^(1|true|yes|on)$/i.test(inProject)) ||
    (inProject == null && /^\s*in-project\s*=\s*true/m.test(poetryToml))
  )
    out.reads!.push(venvOutput(cmd, joinImage(dir, '.venv')));
  const pyproject = readContext(env, joinImage(dir, 'pyproject.toml'));
  if (pyproject && /\{\s*path\s*=\s*"[^"]*"/.test(pyproject))
    return { ...out, skip: 'pyproject.toml depends on a local path, which needs the source' };
  if (has(cmd, '--no-root') || (pyproject && /^\s*package-mode\s*=\s*false/m.test(pyproject)))
    return out;
  out.inserts = [{ at: sub.span.end, text: ' --no-root' }];
  const rest = cmd.args.filter((a) => a !== sub).map((a) => a.raw);
  out.after = [[cmd.name!.raw, sub.raw, '--only-root', ...rest].join(' ')];
  return out;
}

/** What an install writes into the project (node_modules, .venv, vendor). */
function venvOutput(cmd: SimpleCommand, path: string): Read {
  return { path, what: `\`${cmdLabel(cmd)}\``, does: 'writes', output: true };
}

function projectDir(cmd: SimpleCommand, env: Env, envVars: string[] = []): string | null {
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

function uv(env: Env, cmd: SimpleCommand): Install | null {
  const sub = subcommand(cmd);
  if (sub?.value === 'pip') {
    const rest = cmd.args.slice(cmd.args.indexOf(sub) + 1);
    if (rest[0]?.value !== 'install' && rest[0]?.value !== 'sync') return null;
    return pip(env, cmd, rest.slice(1));
  }
  if (sub?.value !== 'sync') return null;
  const out: Install = {
    kind: 'uv',
    cmd,
    needs: [],
    reads: envReads(env, cmd).filter(
      (r) => !/^`UV_(PROJECT|WORKING_DIRECTORY|PROJECT_ENVIRONMENT)[=`]/.test(r.what),
    ),
  };
  const dir = projectDir(cmd, env, ['UV_PROJECT', 'UV_WORKING_DIRECTORY']);
  if (dir === null) return { ...out, skip: 'the project folder is not a literal' };
  out.needs.push(
    { path: joinImage(dir, 'pyproject.toml'), required: true },
    { path: joinImage(dir, 'uv.lock'), required: false },
    { path: joinImage(dir, '.python-version'), required: false },
    { path: joinImage(dir, 'uv.toml'), required: false },
  );
  const pyproject = readContext(env, joinImage(dir, 'pyproject.toml'));
  if (pyproject && /^\s*\[tool\.uv\.workspace\]/m.test(pyproject))
    return { ...out, skip: 'pyproject.toml declares a uv workspace; its members need the source' };
  if (pyproject && /\{\s*path\s*=\s*"[^"]*"/.test(pyproject))
    return { ...out, skip: 'pyproject.toml depends on a local path, which needs the source' };
  for (const [file, text] of [
    ['pyproject.toml', pyproject],
    ['uv.toml', readContext(env, joinImage(dir, 'uv.toml'))],
  ] as const) {
    const local = text && uvLocalSource(text);
    if (local) return { ...out, skip: `${file} reads packages from a local path (${local})` };
  }
  if (!has(cmd, '--active')) {
    const venv = commandVars(env, cmd).get('UV_PROJECT_ENVIRONMENT');
    out.reads!.push(venvOutput(cmd, venv ? joinImage(dir, venv) : joinImage(dir, '.venv')));
  }
  if (has(cmd, '--no-install-project', '--no-install-workspace', '--only-dev')) return out;
  out.inserts = [{ at: sub.span.end, text: ' --no-install-project' }];
  out.after = [[cmd.name!.raw, ...cmd.args.map((a) => a.raw)].join(' ')];
  return out;
}

/** A local `find-links` or index URL in uv settings (`find-links = ["./wheels"]`), or null. */
function uvLocalSource(toml: string): string | null {
  const links = /^\s*find-links\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1] ?? '';
  for (const m of links.matchAll(/["']([^"']+)["']/g))
    if (!/^https?:\/\//.test(m[1]!)) return `\`find-links\` ${m[1]}`;
  for (const m of toml.matchAll(/^\s*url\s*=\s*["']([^"']+)["']/gm))
    if (!/^https?:\/\//.test(m[1]!)) return `index \`url\` ${m[1]}`;
  return null;
}

function pipenv(env: Env, cmd: SimpleCommand): Install | null {
  const sub = subcommand(cmd);
  if (sub?.value !== 'install' && sub?.value !== 'sync') return null;
  const vars = commandVars(env, cmd);
  const out: Install = {
    kind: 'pipenv',
    cmd,
    needs: [],
    reads: envReads(env, cmd).filter((r) => !/^`PIPENV_PIPFILE[=`]/.test(r.what)),
  };
  const pkgs = cmd.args.filter((a, i) => i > cmd.args.indexOf(sub) && !a.value?.startsWith('-'));
  if (pkgs.length)
    return { ...out, skip: `\`pipenv install ${pkgs[0]!.raw}\` changes the Pipfile` };
  // PIPENV_PIPFILE names the Pipfile (its lock file sits beside it).
  const named = vars.get('PIPENV_PIPFILE');
  if (vars.has('PIPENV_PIPFILE') && named == null)
    return { ...out, skip: '`PIPENV_PIPFILE` has no known value' };
  const pipfilePath = named ? joinImage(env.cwd, named) : joinImage(env.cwd, 'Pipfile');
  out.needs.push(
    { path: pipfilePath, required: true },
    { path: `${pipfilePath}.lock`, required: false },
  );
  const inProject = vars.get('PIPENV_VENV_IN_PROJECT');
  if (inProject != null && /^(1|true|yes|on)$/i.test(inProject))
    out.reads!.push(venvOutput(cmd, joinImage(imageDir(pipfilePath), '.venv')));
  const pipfile = readContext(env, pipfilePath);
  if (pipfile && /\bpath\s*=\s*"/.test(pipfile))
    return { ...out, skip: 'the Pipfile installs a local path, which needs the source' };
  return out;
}

interface PackageJson {
  scripts?: Record<string, string>;
  workspaces?: string[] | { packages?: string[] };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  pnpm?: { patchedDependencies?: unknown };
  patchedDependencies?: unknown;
}

const LIFECYCLE = ['preinstall', 'install', 'postinstall', 'prepare'];

/** Why installing this package.json needs more than its manifests, or null. */
function packageJsonProblem(name: string, pkg: PackageJson, ignoreScripts: boolean): string | null {
  if (!ignoreScripts) {
    for (const s of LIFECYCLE) {
      const script = pkg.scripts?.[s];
      if (script) return `${name} runs a \`${s}\` script (\`${script}\`) that may need the source`;
    }
  }
  for (const deps of [pkg.dependencies, pkg.devDependencies, pkg.optionalDependencies]) {
    for (const [dep, spec] of Object.entries(deps ?? {})) {
      if (/^(file|link|portal):|^\.{0,2}\//.test(spec))
        return `${name} depends on a local path (\`${dep}: ${spec}\`), which needs the source`;
    }
  }
  if (pkg.pnpm?.patchedDependencies || pkg.patchedDependencies)
    return `${name} patches dependencies with files from the source`;
  return null;
}

function parseJson<T>(text: string | null): T | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

/** Workspace folders (image paths) for a list of globs relative to `dir`. */
function workspaceDirs(env: Env, dir: string, globs: string[]): string[] | string {
  const root = contextPath(env, dir);
  if (root === null || !env.ctx.available)
    return 'the workspaces cannot be listed without a context';
  const out: string[] = [];
  for (const g of globs) {
    if (g.startsWith('!')) continue;
    const pattern = cleanRelative(root === '' ? g : `${root}/${g}`);
    if (pattern === null) return `workspace \`${g}\` points outside the context`;
    const matches = (matchSource(env.ctx, pattern) ?? [])
      .filter((f) => f.endsWith('/package.json') && !env.ignore.ignores(f))
      .map((f) => f.slice(0, -'/package.json'.length))
      .filter((d) => (g.includes('**') ? true : d.split('/').length === pattern.split('/').length));
    for (const d of matches) {
      const rel = root === '' ? d : d.slice(root.length + 1);
      out.push(joinImage(dir, rel));
    }
  }
  return [...new Set(out)].sort();
}

function node(env: Env, cmd: SimpleCommand, tool: 'npm' | 'yarn' | 'pnpm' | 'bun'): Install | null {
  const sub = subcommand(cmd, new Set(['--prefix', '-C', '--cwd', '--dir']));
  const name = sub?.value ?? null;
  const installs: Record<string, string[]> = {
    npm: ['ci', 'install', 'i', 'clean-install'],
    yarn: ['install'],
    pnpm: ['install', 'i', 'fetch'],
    bun: ['install', 'i'],
  };
  if (!(name === null ? tool === 'yarn' : installs[tool]!.includes(name))) return null;
  if (has(cmd, '-g', '--global', '--location=global')) return null;
  const out: Install = { kind: tool, cmd, needs: [] };
  if (hasPrefix(cmd, '--prefix', '-C', '--cwd', '--dir', '--filter', '--workspace', '-w'))
    return { ...out, skip: `\`${tool}\` runs in another folder or a workspace subset here` };
  const after = sub ? cmd.args.slice(cmd.args.indexOf(sub) + 1) : [];
  // Positional words, skipping the values of options that take one (`--omit dev`).
  const pkgs = after.filter(
    (a, i) =>
      (a.value === null || !a.value.startsWith('-')) &&
      !NODE_VALUE_OPTS.has(after[i - 1]?.value ?? ''),
  );
  if (pkgs.length)
    return { ...out, skip: `\`${tool} ${name} ${pkgs[0]!.raw}\` adds packages to package.json` };
  const dir = env.cwd;
  const j = (f: string) => joinImage(dir, f);
  out.needs.push({ path: j('package.json'), required: true });
  if (tool === 'npm')
    out.needs.push(
      { path: j('package-lock.json'), required: false },
      { path: j('npm-shrinkwrap.json'), required: false },
    );
  if (tool === 'yarn') {
    out.needs.push(
      { path: j('yarn.lock'), required: false },
      { path: j('.yarnrc'), required: false },
      { path: j('.yarnrc.yml'), required: false },
    );
    out.globs = [{ dir, pattern: /^\.yarn\/(releases|plugins|patches)\// }];
  }
  if (tool === 'pnpm')
    out.needs.push(
      { path: j('pnpm-lock.yaml'), required: tool === 'pnpm' && name === 'fetch' },
      { path: j('pnpm-workspace.yaml'), required: false },
    );
  if (tool === 'bun')
    out.needs.push(
      { path: j('bun.lockb'), required: false },
      { path: j('bun.lock'), required: false },
      { path: j('bunfig.toml'), required: false },
    );
  out.needs.push({ path: j('.npmrc'), required: false });
  out.reads = [
    ...optionReads(env, cmd, NODE_READ_OPTS),
    ...envReads(env, cmd),
    // `pnpm fetch` fills the store only.
    ...(tool === 'pnpm' && name === 'fetch' ? [] : [venvOutput(cmd, j('node_modules'))]),
  ];
  if (!env.ctx.available) return out;
  const config = nodeConfig(env, dir, tool, out);
  if (config) return { ...out, skip: config };
  const ignoreScripts = has(cmd, '--ignore-scripts') || (tool === 'pnpm' && name === 'fetch');
  const pkgText = readContext(env, j('package.json'));
  const pkg = parseJson<PackageJson>(pkgText);
  if (pkgText !== null && pkg === null) return { ...out, skip: 'package.json is not valid JSON' };
  if (pkg) {
    const why = packageJsonProblem('package.json', pkg, ignoreScripts);
    if (why) return { ...out, skip: why };
  }
  // Workspaces: npm/yarn/bun from package.json, pnpm from pnpm-workspace.yaml.
  let globs: string[] = [];
  if (tool === 'pnpm') {
    const ws = readContext(env, j('pnpm-workspace.yaml'));
    if (ws !== null) globs = yamlList(ws, 'packages');
  } else if (pkg?.workspaces) {
    globs = Array.isArray(pkg.workspaces) ? pkg.workspaces : (pkg.workspaces.packages ?? []);
  }
  if (globs.length) {
    const dirs = workspaceDirs(env, dir, globs);
    if (typeof dirs === 'string') return { ...out, skip: dirs };
    for (const d of dirs) {
      if (d === dir) continue;
      const rel = under(dir, d) ?? d;
      const p = joinImage(d, 'package.json');
      const child = parseJson<PackageJson>(readContext(env, p));
      if (child === null) return { ...out, skip: `${rel}/package.json is not valid JSON` };
      const why = packageJsonProblem(`${rel}/package.json`, child, ignoreScripts);
      if (why) return { ...out, skip: why };
      out.needs.push({ path: p, required: true });
    }
  }
  if (tool === 'pnpm') {
    // Every importer of the lockfile must have its package.json in the context.
    const lock = readContext(env, j('pnpm-lock.yaml'));
    if (lock !== null) {
      const importers = /^importers:\s*$([\s\S]*?)(?=^\S)/m.exec(lock + '\nend:\n')?.[1] ?? '';
      for (const m of importers.matchAll(/^ {2}(['"]?)([^'"\s:]+)\1:\s*(\{\s*\})?\s*$/gm)) {
        const imp = m[2]!;
        if (imp === '.') continue;
        const p = joinImage(dir, `${imp}/package.json`);
        const cp = contextPath(env, p);
        if (cp === null || !inContext(env, cp))
          return {
            ...out,
            skip: `the pnpm workspace is incomplete: lockfile importer ${imp} has no package.json in the build context`,
          };
        if (!out.needs.some((n) => n.path === p)) out.needs.push({ path: p, required: true });
      }
    }
  }
  return out;
}

/** npm/yarn/pnpm/bun options that take the next word as their value. */
const NODE_VALUE_OPTS = new Set([
  '--userconfig',
  '--globalconfig',
  '--cafile',
  '--registry',
  '--loglevel',
  '--cache',
  '--omit',
  '--include',
  '--network-timeout',
  '--network-concurrency',
  '--modules-folder',
  '--cache-folder',
  '--mutex',
  '--use-yarnrc',
  '--fetch-retries',
  '--fetch-timeout',
  '--reporter',
  '--backend',
]);

/** npm/yarn/pnpm options naming a file or folder they read. */
const NODE_READ_OPTS = readOpts({
  'reads its settings from': ['--userconfig', '--globalconfig', '--use-yarnrc'],
  'reads a certificate from': ['--cafile'],
  'reads packages from': ['--yarn-offline-mirror'],
  'runs hooks from': ['--pnpmfile'],
});

/** Keys of .npmrc that name a file npm/pnpm read. */
const NPMRC_PATH_KEYS =
  /^(cafile|userconfig|globalconfig|certfile|keyfile|pnpmfile|global-pnpmfile)$/;

/**
 * Paths named by the package manager's config files in the project folder: the Yarn binary
 * (`yarnPath`, `yarn-path`) and plugins are copied with the manifests; caches, mirrors,
 * certificates and hook files in the source are reads. A reason when a hook file loads the source.
 */
function nodeConfig(env: Env, dir: string, tool: string, out: Install): string | null {
  const reads = (out.reads ??= []);
  const npmrc = readContext(env, joinImage(dir, '.npmrc'));
  for (const line of (npmrc ?? '').split(/\r?\n/)) {
    const m = /^\s*(?:\S*:)?([\w-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m || !NPMRC_PATH_KEYS.test(m[1]!) || m[2]!.includes('$')) continue;
    const p = localPath(m[2]!.replace(/^(["'])(.*)\1$/, '$2'), dir, true);
    if (p !== null) reads.push({ path: p, what: `\`${m[1]}=${m[2]}\` in .npmrc`, does: 'names' });
  }
  if (tool === 'yarn') {
    const berry = readContext(env, joinImage(dir, '.yarnrc.yml'));
    if (berry !== null) {
      const value = (key: string) =>
        new RegExp(`^${key}:\\s*(["']?)(.+?)\\1\\s*(#.*)?$`, 'm').exec(berry)?.[2] ?? null;
      const yarnPath = value('yarnPath');
      if (yarnPath) out.needs.push({ path: joinImage(dir, yarnPath), required: true });
      for (const m of berry.matchAll(/^\s*-?\s*path:\s*(["']?)(.+?)\1\s*$/gm))
        out.needs.push({ path: joinImage(dir, m[2]!), required: true });
      const globalCache = /^(true|yes)$/i.test(value('enableGlobalCache') ?? '');
      const cache = value('cacheFolder') ?? (globalCache ? null : '.yarn/cache');
      if (cache)
        reads.push({
          path: joinImage(dir, cache),
          what: value('cacheFolder') ? `\`cacheFolder: ${cache}\` in .yarnrc.yml` : 'Yarn',
          does: 'reads its package cache from',
        });
      for (const key of ['httpsCaFilePath', 'httpsCertFilePath', 'httpsKeyFilePath']) {
        const v = value(key);
        if (v)
          reads.push({ path: joinImage(dir, v), what: `\`${key}\` in .yarnrc.yml`, does: 'names' });
      }
    }
    const classic = readContext(env, joinImage(dir, '.yarnrc'));
    for (const line of (classic ?? '').split(/\r?\n/)) {
      const m = /^\s*"?([\w-]+)"?\s+(["']?)(.+?)\2\s*$/.exec(line);
      if (!m) continue;
      if (m[1] === 'yarn-path') out.needs.push({ path: joinImage(dir, m[3]!), required: true });
      else if (m[1] === 'yarn-offline-mirror' || m[1] === 'cafile') {
        const p = localPath(m[3]!, dir, true);
        if (p !== null) reads.push({ path: p, what: `\`${m[1]}\` in .yarnrc`, does: 'names' });
      }
    }
  }
  if (tool === 'pnpm') {
    const hooks = readContext(env, joinImage(dir, '.pnpmfile.cjs'));
    if (hooks !== null) {
      if (/\brequire\s*\(\s*["']\.{1,2}\/|\bfrom\s+["']\.{1,2}\//.test(hooks))
        return '.pnpmfile.cjs loads other files of the source';
      out.needs.push({ path: joinImage(dir, '.pnpmfile.cjs'), required: false });
    }
  }
  return null;
}

/** Items of a top-level YAML list (`key:` followed by `- item` lines). */
function yamlList(text: string, key: string): string[] {
  const out: string[] = [];
  let inList = false;
  for (const line of text.split(/\r?\n/)) {
    if (new RegExp(`^${key}:\\s*$`).test(line)) {
      inList = true;
      continue;
    }
    if (!inList) continue;
    const m = /^\s+-\s+(['"]?)(.*?)\1\s*(#.*)?$/.exec(line);
    if (m) out.push(m[2]!);
    else if (/^\S/.test(line)) break;
  }
  return out;
}

function goMod(env: Env, cmd: SimpleCommand): Install | null {
  const sub = subcommand(cmd);
  if (sub?.value !== 'mod') return null;
  const what = cmd.args[cmd.args.indexOf(sub) + 1]?.value;
  if (what !== 'download' && what !== 'verify') return null;
  const out: Install = { kind: 'go-mod-download', cmd, needs: [], reads: goReads(env, cmd) };
  const extra = goModProblem(env, env.cwd);
  if (extra) return { ...out, skip: extra };
  out.needs.push(
    { path: joinImage(env.cwd, 'go.mod'), required: true },
    { path: joinImage(env.cwd, 'go.sum'), required: what === 'verify' },
  );
  return out;
}

/** What go reads besides go.mod/go.sum: GOFLAGS/GOPROXY/GOWORK/... and `-mod=vendor`/`-modfile`. */
function goReads(env: Env, cmd: SimpleCommand): Read[] {
  const out = envReads(env, cmd);
  for (const a of cmd.args)
    if (a.value !== null) out.push(...goFlagReads(env, a.value, `\`${a.raw}\``));
  return out;
}

/** What a go flag (an argument or a GOFLAGS word) makes go read: `-mod=vendor`, `-modfile=F`. */
function goFlagReads(env: Env, flag: string, what: string): Read[] {
  if (/^--?mod=vendor$/.test(flag))
    return [{ path: joinImage(env.cwd, 'vendor'), what, does: 'makes go read' }];
  const mf = /^--?modfile=(.+)$/.exec(flag);
  return mf ? [{ path: joinImage(env.cwd, mf[1]!), what, does: 'makes go read' }] : [];
}

function goModProblem(env: Env, dir: string): string | null {
  const gomod = readContext(env, joinImage(dir, 'go.mod'));
  if (gomod && /=>\s*\.{1,2}\//.test(gomod))
    return 'go.mod replaces a module with a local folder, which needs the source';
  if (readContext(env, joinImage(dir, 'go.work')) !== null)
    return 'a go.work workspace needs every module folder';
  return null;
}

function bundler(env: Env, cmd: SimpleCommand): Install | null {
  const sub = subcommand(cmd, new Set(['--gemfile', '--jobs', '-j', '--retry', '--path']));
  if (sub !== null && sub.value !== 'install') return null;
  const out: Install = { kind: 'bundler', cmd, needs: [] };
  // The Gemfile: `--gemfile`, else BUNDLE_GEMFILE, else ./Gemfile; its lock file sits beside it.
  const vars = commandVars(env, cmd);
  const flag = optionValue(cmd, '--gemfile');
  const named = flag !== undefined ? flag : vars.get('BUNDLE_GEMFILE');
  const origin = flag !== undefined ? '`--gemfile`' : '`BUNDLE_GEMFILE`';
  if (named === null) return { ...out, skip: `the Gemfile path (${origin}) is not a literal` };
  const gemfilePath = joinImage(env.cwd, named || 'Gemfile');
  const root = imageDir(gemfilePath);
  const lock = /(^|\/)gems\.rb$/.test(gemfilePath)
    ? gemfilePath.replace(/\.rb$/, '.locked')
    : `${gemfilePath}.lock`;
  out.needs.push({ path: gemfilePath, required: true }, { path: lock, required: false });
  // Bundler's local settings (`.bundle/config`: BUNDLE_WITHOUT, BUNDLE_PATH, ...).
  if (!vars.has('BUNDLE_APP_CONFIG'))
    out.needs.push({ path: joinImage(root, '.bundle/config'), required: false });
  out.reads = envReads(env, cmd).filter((r) => !/^`BUNDLE_(GEMFILE|PATH)[=`]/.test(r.what));
  // Gems installed into the project (`--path vendor/bundle`, BUNDLE_PATH=vendor/bundle).
  let path = optionValue(cmd, '--path') ?? vars.get('BUNDLE_PATH') ?? null;
  const deployment = vars.get('BUNDLE_DEPLOYMENT');
  if (path === null && (has(cmd, '--deployment') || /^(1|true|yes)$/i.test(deployment ?? '')))
    path = 'vendor/bundle';
  if (path && !path.startsWith('~')) out.reads.push(venvOutput(cmd, joinImage(root, path)));
  const gemfile = readContext(env, gemfilePath);
  if (gemfile) {
    const code = gemfile.replace(/#.*$/gm, '');
    if (/^\s*gemspec\b/m.test(code))
      return { ...out, skip: 'the Gemfile reads a gemspec from the source' };
    if (/\bpath:\s*['"]|:path\s*=>/.test(code))
      return {
        ...out,
        skip: 'the Gemfile installs a gem from a local path, which needs the source',
      };
    if (/^\s*eval_gemfile\b/m.test(code))
      return { ...out, skip: 'the Gemfile evaluates another Gemfile' };
    for (const m of code.matchAll(/^\s*ruby\s+file:\s*['"]([^'"]+)['"]/gm))
      out.needs.push({ path: joinImage(root, m[1]!), required: true });
  }
  return out;
}

function composer(env: Env, cmd: SimpleCommand): Install | null {
  const sub = subcommand(cmd, new Set(['-d', '--working-dir']));
  if (sub?.value !== 'install' && sub?.value !== 'i') return null;
  const out: Install = { kind: 'composer', cmd, needs: [] };
  // The project folder: `--working-dir`/`-d` (kept on the commands run after the copy), else
  // the WORKDIR.
  let dir = env.cwd;
  const wdWords: string[] = [];
  for (let i = 0; i < cmd.args.length; i++) {
    const w = cmd.args[i]!;
    const m = /^(?:--working-dir=|-d(?=.))(.*)$/.exec(w.value ?? w.raw);
    const value = m
      ? w.value === null
        ? null
        : m[1]!
      : w.value === '-d' || w.value === '--working-dir'
        ? (cmd.args[i + 1]?.value ?? null)
        : undefined;
    if (value === undefined) continue;
    if (value === null || value === '')
      return { ...out, skip: `the composer folder (\`${w.raw}\`) is not a literal` };
    wdWords.push(m ? w.raw : `${w.raw} ${cmd.args[++i]!.raw}`);
    dir = joinImage(env.cwd, value);
  }
  // COMPOSER names the manifest (its lock file: the same name with `.lock`).
  const vars = commandVars(env, cmd);
  const manifestName = vars.has('COMPOSER') ? vars.get('COMPOSER') : 'composer.json';
  if (manifestName == null || manifestName === '')
    return { ...out, skip: '`COMPOSER` has no known value' };
  const manifest = joinImage(dir, manifestName);
  out.needs.push(
    { path: manifest, required: true },
    { path: manifest.replace(/(\.json)?$/, '.lock'), required: false },
    { path: joinImage(dir, 'auth.json'), required: false },
  );
  const json = parseJson<{
    repositories?: unknown;
    scripts?: Record<string, unknown>;
    config?: { 'vendor-dir'?: string };
  }>(readContext(env, manifest));
  out.reads = [
    ...envReads(env, cmd).filter((r) => !/^`COMPOSER(_VENDOR_DIR)?[=`]/.test(r.what)),
    venvOutput(
      cmd,
      joinImage(dir, vars.get('COMPOSER_VENDOR_DIR') || json?.config?.['vendor-dir'] || 'vendor'),
    ),
  ];
  if (json && /"type"\s*:\s*"path"/.test(JSON.stringify(json.repositories ?? [])))
    return { ...out, skip: 'composer.json has a path repository, which needs the source' };
  const noScripts = has(cmd, '--no-scripts');
  const noAutoloader = has(cmd, '--no-autoloader');
  if (noScripts && noAutoloader) return out;
  if (env.ctx.available && json === null)
    return { ...out, skip: 'composer.json is missing or not valid JSON' };
  const add = [noScripts ? '' : ' --no-scripts', noAutoloader ? '' : ' --no-autoloader'].join('');
  out.inserts = [{ at: sub.span.end, text: add }];
  // The commands after the copy run like the install: same prefixes, same folder.
  const prefix = cmd.assignments.map((a) => a.raw + ' ').join('');
  const composerCmd = (...words: string[]) =>
    prefix + [cmd.name!.raw, ...words, ...wdWords].join(' ');
  const dump = ['dump-autoload'];
  if (hasPrefix(cmd, '--optimize-autoloader', '-o') || has(cmd, '-o')) dump.push('--optimize');
  if (has(cmd, '--classmap-authoritative', '-a')) dump.push('--classmap-authoritative');
  if (has(cmd, '--apcu-autoloader')) dump.push('--apcu');
  if (has(cmd, '--no-dev')) dump.push('--no-dev');
  if (noScripts) dump.push('--no-scripts');
  if (noAutoloader) {
    // The original never built the autoloader: only the scripts move after the copy.
    out.after = json?.scripts?.['post-install-cmd']
      ? [composerCmd('run-script', 'post-install-cmd')]
      : [];
    return out;
  }
  out.after = [composerCmd(...dump)];
  if (!noScripts && json?.scripts?.['post-install-cmd'])
    out.after.push(composerCmd('run-script', 'post-install-cmd'));
  return out;
}

/** Maven options that take the next word as their value. */
const MAVEN_VALUE_OPTS = new Set([
  '-s',
  '--settings',
  '-gs',
  '--global-settings',
  '-t',
  '--toolchains',
  '-f',
  '--file',
  '-pl',
  '--projects',
  '-P',
  '--activate-profiles',
  '-T',
  '--threads',
  '-l',
  '--log-file',
  '-b',
  '--builder',
  '-rf',
  '--resume-from',
]);

/** maven options naming a file it reads. */
const MAVEN_READ_OPTS = readOpts({
  'reads its settings from': ['-s', '--settings', '-gs', '--global-settings'],
  'reads its toolchains from': ['-t', '--toolchains'],
});

function maven(env: Env, cmd: SimpleCommand): Install | null {
  const goals = cmd.args.filter(
    (a, i) =>
      a.value !== null &&
      !a.value.startsWith('-') &&
      !MAVEN_VALUE_OPTS.has(cmd.args[i - 1]?.value ?? ''),
  );
  if (
    !goals.length ||
    !goals.every((g) => /^dependency:(go-offline|resolve|resolve-plugins)$/.test(g.value!))
  )
    return null;
  const out: Install = { kind: 'maven', cmd, needs: [] };
  if (hasPrefix(cmd, '-f', '--file', '-pl', '--projects'))
    return { ...out, skip: 'maven runs on another project file' };
  out.needs.push({ path: joinImage(env.cwd, 'pom.xml'), required: true });
  // Maven reads .mvn/maven.config, jvm.config and extensions.xml of the project; the wrapper
  // also .mvn/wrapper/.
  out.globs = [{ dir: env.cwd, pattern: /^\.mvn\/(maven\.config|jvm\.config|extensions\.xml)$/ }];
  if (/mvnw$/.test(cmd.name?.value ?? '')) {
    out.needs.push({ path: joinImage(env.cwd, base(cmd.name!.value)), required: true });
    out.globs.push({ dir: env.cwd, pattern: /^\.mvn\/wrapper\/[^/]+$/ });
  }
  out.reads = [
    ...optionReads(env, cmd, MAVEN_READ_OPTS),
    ...mavenRepoReads(env, cmd),
    ...envReads(env, cmd),
  ];
  const pom = readContext(env, joinImage(env.cwd, 'pom.xml'));
  if (pom && /<modules>/.test(pom))
    return { ...out, skip: 'the pom.xml has modules, whose poms need the source tree' };
  if (pom && /<relativePath>\s*\.\./.test(pom))
    return { ...out, skip: 'the pom.xml has a parent outside its folder' };
  return out;
}

/** `-Dmaven.repo.local=DIR`: the local repository maven reads and fills. */
function mavenRepoReads(env: Env, cmd: SimpleCommand): Read[] {
  const out: Read[] = [];
  for (const a of cmd.args) {
    const m = /^-Dmaven\.repo\.local=(.+)$/.exec(a.value ?? '');
    const p = m ? localPath(m[1]!, env.cwd, true) : null;
    if (p !== null)
      out.push({ path: p, what: `\`${a.raw}\``, does: 'reads its local repository from' });
  }
  return out;
}

/** gradle options naming a file or folder it reads. */
const GRADLE_READ_OPTS = readOpts({
  'runs an init script from': ['-I', '--init-script'],
  'reads its settings from': ['-c', '--settings-file'],
  'reads its build file from': ['-b', '--build-file'],
  'builds the project in': ['-p', '--project-dir'],
  'reads its user home from': ['-g', '--gradle-user-home'],
  'reads its cache from': ['--project-cache-dir'],
});

function gradle(env: Env, cmd: SimpleCommand): Install | null {
  const tasks = cmd.args.filter((a) => a.value !== null && !a.value.startsWith('-'));
  const fetchOnly =
    tasks.length > 0 &&
    tasks.every((t) => /^(dependencies|androidDependencies|resolveDependencies)$/.test(t.value!));
  if (!fetchOnly) return null;
  const out: Install = { kind: 'gradle', cmd, needs: [] };
  const j = (f: string) => joinImage(env.cwd, f);
  for (const f of [
    'build.gradle',
    'build.gradle.kts',
    'settings.gradle',
    'settings.gradle.kts',
    'gradle.properties',
  ])
    out.needs.push({ path: j(f), required: false, primary: f !== 'gradle.properties' });
  if (/gradlew$/.test(cmd.name?.value ?? ''))
    out.needs.push({ path: j(base(cmd.name!.value)), required: true });
  out.globs = [{ dir: env.cwd, pattern: /^gradle\/(wrapper\/[^/]+|[^/]+\.versions\.toml)$/ }];
  out.reads = [...optionReads(env, cmd, GRADLE_READ_OPTS), ...envReads(env, cmd)];
  if (!env.ctx.available) return out;
  if (!['build.gradle', 'build.gradle.kts'].some((f) => readContext(env, j(f)) !== null))
    return { ...out, skip: 'no build.gradle in the build context' };
  for (const f of ['settings.gradle', 'settings.gradle.kts']) {
    const s = readContext(env, j(f));
    if (s && /^\s*include\b|includeBuild/m.test(s))
      return { ...out, skip: `${f} includes subprojects, whose build files need the source tree` };
  }
  const cp = contextPath(env, j('buildSrc'));
  if (cp !== null && env.ctx.isDirectory(cp))
    return { ...out, skip: 'buildSrc is compiled from the source' };
  return out;
}

function dotnet(env: Env, cmd: SimpleCommand): Install | null {
  const sub = subcommand(cmd);
  if (sub?.value !== 'restore') return null;
  const out: Install = { kind: 'dotnet', cmd, needs: [] };
  const target = cmd.args.slice(cmd.args.indexOf(sub) + 1).find((a) => !a.value?.startsWith('-'));
  if (target && target.value === null) return { ...out, skip: 'the project path is not a literal' };
  if (target) out.needs.push({ path: joinImage(env.cwd, target.value!), required: true });
  out.globs = [
    {
      dir: env.destDir,
      pattern:
        /(^|\/)([^/]+\.(csproj|fsproj|vbproj|sln|slnx|props|targets)|nuget\.config|NuGet\.Config|global\.json|packages\.lock\.json|dotnet-tools\.json)$/,
      primary: true,
    },
  ];
  out.reads = [
    ...optionReads(
      env,
      cmd,
      readOpts({
        'reads its NuGet settings from': ['--configfile'],
        'reads packages from': ['-s', '--source'],
        'reads its lock file from': ['--lock-file-path'],
      }),
    ),
    ...envReads(env, cmd),
  ];
  if (!env.ctx.available)
    return { ...out, skip: 'no build context: the project files cannot be listed' };
  return out;
}

function cargo(env: Env, cmd: SimpleCommand): Install | null {
  const sub = subcommand(cmd);
  if (!['build', 'install', 'fetch', 'chef'].includes(sub?.value ?? '')) return null;
  if (sub?.value === 'install' && !has(cmd, '--path')) return null;
  return {
    kind: 'cargo',
    cmd,
    needs: [],
    skip: 'cargo compiles dependencies together with the crate and needs its targets; caching them takes a stub source or cargo-chef, not a reorder',
  };
}

/** Commands that never read the copied source (system packages, tool set-up, cleanup). */
function benign(cmd: SimpleCommand): boolean {
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

function isPip(cmd: SimpleCommand): Word[] | null {
  const name = base(cmd.name?.value);
  const a = cmd.args;
  if (/^pip[0-9.]*$/.test(name)) return a[0]?.value === 'install' ? a.slice(1) : null;
  if (
    /^python[0-9.]*$/.test(name) &&
    a[0]?.value === '-m' &&
    /^pip[0-9.]*$/.test(a[1]?.value ?? '')
  )
    return a[2]?.value === 'install' ? a.slice(3) : null;
  return null;
}

/** The install a command runs, or null when it is not one. */
function analyseCommand(env: Env, cmd: SimpleCommand): Install | null {
  const name = base(cmd.name?.value);
  const pipArgs = isPip(cmd);
  if (pipArgs) {
    const r = pip(env, cmd, pipArgs);
    // `pip install --upgrade pip` and friends read no file: a tool set-up, not an install.
    return r.needs.length || r.skip ? r : null;
  }
  return Object.hasOwn(ANALYSERS, name) ? ANALYSERS[name]!(env, cmd) : null;
}

/** The analyser of each install command name (pip is recognised by `isPip`). */
const ANALYSERS: Record<string, (env: Env, cmd: SimpleCommand) => Install | null> = {
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

/** A command of a RUN that needs the sources for compiling or building (not an install). */
function buildsSource(cmd: SimpleCommand): 'go' | null {
  const name = base(cmd.name?.value);
  const sub = subcommand(cmd);
  if (name === 'go' && ['build', 'install', 'test', 'vet', 'generate'].includes(sub?.value ?? ''))
    return 'go';
  return null;
}

// ---------------------------------------------------------------------------------------------
// The full copy

interface FullCopy {
  spec: CopySpec;
  instr: Instruction;
  /** Raw source as written (for new source paths), cleaned context folder ('' = root). */
  srcRaw: string;
  srcDir: string;
  destDir: string;
}

function fullCopy(model: DockerfileModel, ctx: BuildContext, instr: Instruction): FullCopy | null {
  const spec = copySpec(model, instr);
  if (!spec || spec.from !== null || spec.heredoc || spec.sources.length !== 1) return null;
  if (spec.flags.some((f) => !['chown', 'chmod', 'link'].includes(f.name))) return null;
  const w = spec.sources[0]!;
  const value = sourceValue(model, spec, w);
  if (value === null || /^[a-z][a-z0-9+.-]*:\/\/|^git@/i.test(value)) return null;
  let srcDir: string;
  if (isWholeContext(value)) srcDir = '';
  else {
    const clean = cleanRelative(value);
    if (clean === null || !ctx.available || !ctx.isDirectory(clean) || /[*?[]/.test(clean))
      return null;
    srcDir = clean;
  }
  const destDir = copyDestination(model, spec)?.dest;
  if (destDir === undefined) return null;
  const srcRaw = w.value !== null && isWholeContext(w.value) ? '' : w.raw.replace(/\/+$/, '');
  return { spec, instr, srcRaw, srcDir, destDir };
}

// ---------------------------------------------------------------------------------------------
// Edits

function lineText(model: DockerfileModel, line: number): string {
  const start = model.lineStarts[line]!;
  const next = line + 1 < model.lineStarts.length ? model.lineStarts[line + 1]! : model.text.length;
  return model.text.slice(start, next).replace(/\r?\n$/, '');
}

/** Start of the comment lines directly above an instruction (no blank line between). */
function blockStart(model: DockerfileModel, instr: Instruction, floor: number): number {
  let line = instr.line;
  const directiveLines = new Set(model.directives.map((d) => model.lineOf(d.span.start)));
  while (
    line - 1 > floor &&
    /^\s*#/.test(lineText(model, line - 1)) &&
    !directiveLines.has(line - 1)
  )
    line--;
  return model.lineStarts[line]!;
}

function isBlank(model: DockerfileModel, line: number): boolean {
  return line >= 0 && line < model.lineStarts.length && lineText(model, line).trim() === '';
}

/** Span removing [start, end-of-instruction] as whole lines, tidying blank lines around it. */
function removalSpan(model: DockerfileModel, start: number, instr: Instruction): Span {
  let { end } = instructionLines(model, instr);
  let from = start;
  const atEofNoNl = end === model.text.length && !/\n$/.test(model.text);
  const firstLine = model.lineOf(start);
  const lastLine = model.lineOf(instr.span.end);
  const blankBefore = isBlank(model, firstLine - 1);
  if (atEofNoNl || end === model.text.length) {
    // Last lines of the file: drop the EOL before them (and a blank line above).
    if (atEofNoNl && from > 0) from -= model.text.slice(0, from).endsWith('\r\n') ? 2 : 1;
    if (blankBefore && firstLine - 1 > 0) {
      const prevStart = model.lineStarts[firstLine - 1]!;
      from = atEofNoNl
        ? prevStart - (model.text.slice(0, prevStart).endsWith('\r\n') ? 2 : 1)
        : prevStart;
    }
    return { start: from, end };
  }
  if (blankBefore && isBlank(model, lastLine + 1)) {
    const after =
      lastLine + 2 < model.lineStarts.length ? model.lineStarts[lastLine + 2]! : model.text.length;
    end = after;
  }
  return { start: from, end };
}

function blockText(model: DockerfileModel, start: number, instr: Instruction): string {
  const { end } = instructionLines(model, instr);
  return model.text.slice(start, end).replace(/\r?\n$/, '');
}

/** Apply inserts (source offsets) to a slice of the text that starts at `offset`. */
function withInserts(
  text: string,
  offset: number,
  inserts: { at: number; text: string }[],
): string {
  let out = text;
  for (const ins of [...inserts].sort((a, b) => b.at - a.at))
    out = out.slice(0, ins.at - offset) + ins.text + out.slice(ins.at - offset);
  return out;
}

function quotePath(p: string): string | null {
  return /^[A-Za-z0-9_./@+,=:%~-]+$/.test(p) ? p : null;
}

// ---------------------------------------------------------------------------------------------
// The transform

const INERT = new Set([
  'LABEL',
  'EXPOSE',
  'CMD',
  'ENTRYPOINT',
  'HEALTHCHECK',
  'STOPSIGNAL',
  'MAINTAINER',
]);
const SETTINGS = new Set(['WORKDIR', 'ENV', 'ARG', 'USER']);

const INSTALL_NAMES: Record<Kind, string> = {
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

function check(model: DockerfileModel, cctx: CheckContext): Finding[] {
  const ctx = cctx.buildContext;
  const ignore = loadIgnore(ctx);
  const out: Finding[] = [];
  for (const stage of model.stages) {
    const instrs = model.instructions.slice(stage.first, stage.last + 1);
    let done = false;
    const noted = new Set<number>();
    for (const instr of instrs) {
      if (done) break;
      const copy = fullCopy(model, ctx, instr);
      if (!copy) continue;
      const later = instrs.filter((i) => i.index > instr.index);
      const r = planForCopy(model, ctx, ignore, copy, later);
      if (r) {
        out.push(r);
        if ('edits' in r) done = true;
        if ('reason' in r) break;
      } else out.push(...alreadyOrdered(model, ctx, ignore, copy, noted));
    }
  }
  return out;
}

/**
 * Installs that already run before a full copy holding their sources: say why nothing changes
 * (an info note, once per RUN: `noted`).
 */
function alreadyOrdered(
  model: DockerfileModel,
  ctx: BuildContext,
  ignore: IgnoreFile,
  copy: FullCopy,
  noted: Set<number>,
): Finding[] {
  const out: Finding[] = [];
  const stage = model.stages[copy.instr.stage]!;
  const copyText = firstLine(model, copy.instr);
  for (let i = stage.first + 1; i < copy.instr.index; i++) {
    const run = model.instructions[i]!;
    if (run.keyword !== 'RUN' || !run.shell || noted.has(i)) continue;
    const env = envFor(model, ctx, ignore, copy, run, imageWorkdir(model, i) ?? IMAGE_WD);
    const found = run.shell.commands
      .map((c) => analyseCommand(env, c))
      .find((a): a is Install => a !== null && !a.ignore);
    if (!found || !sourceCopyFor(env, [found])) continue;
    noted.add(i);
    out.push({
      ruleId: `${ID}/${found.kind}`,
      reason: `${INSTALL_NAMES[found.kind]} runs before \`${copyText}\` (nothing to move): source edits leave it cached`,
      at: run.span.start,
      info: true,
    });
  }
  return out;
}

/** One `&&`/`;` chain item of a RUN, with the statement holding it. */
interface Item {
  item: ChainItem;
  stmt: number;
}

/**
 * How a RUN splits into a leading install part and the rest, reading the chain item by item
 * (`cd` changes the folder the next installs read from). Null when the RUN is not a plain chain
 * or holds no install at its start: the whole-RUN analysis applies then.
 */
interface ChainPlan {
  items: Item[];
  /** Items [0, prefix) run before the full copy; state items are repeated in the rest. */
  prefix: number;
  installs: Install[];
  /** `cd`/`set`/`export`/assignment items of the prefix (repeated before the rest). */
  state: number[];
  /** Folders (image paths) the prefix enters with `cd`. */
  cdDirs: string[];
  /** Why the split needs a review (state repeated, cleanup left after the build). */
  review: string[];
  skip?: string;
}

function isSetErrexit(cmd: SimpleCommand | null): boolean {
  if (!cmd || base(cmd.name?.value) !== 'set') return false;
  const v = vals(cmd);
  return v.some(
    (a, i) => (a !== null && /^-[a-zA-Z]*e/.test(a)) || (a === '-o' && v[i + 1] === 'errexit'),
  );
}

/** A command that removes caches or packages: left after the build it no longer shrinks the install layer. */
function cleanup(cmd: SimpleCommand): boolean {
  const name = base(cmd.name?.value);
  const v = vals(cmd);
  if (name === 'rm') return true;
  if (['npm', 'yarn', 'pnpm', 'pip', 'pip3', 'bun'].includes(name) && v[0] === 'cache') return true;
  if (
    ['apt-get', 'apt'].includes(name) &&
    ['clean', 'autoremove', 'purge', 'remove'].includes(v[0] ?? '')
  )
    return true;
  if (name === 'apk' && v[0] === 'del') return true;
  return false;
}

function chainPlan(env: Env, run: Instruction, cwd: string | null): ChainPlan | null {
  const shell = run.shell;
  if (!shell?.ok || run.heredocs.length) return null;
  const items: Item[] = shell.statements.flatMap((st, stmt) =>
    st.items.map((item) => ({ item, stmt })),
  );
  const errexit = isSetErrexit(shell.statements[0]?.items[0]?.command ?? null);
  const plan: ChainPlan = {
    items,
    prefix: 0,
    installs: [],
    state: [],
    cdDirs: [],
    review: [],
  };
  let dir = cwd;
  let k = 0;
  for (; k < items.length; k++) {
    const { item, stmt } = items[k]!;
    const st = shell.statements[stmt]!;
    const cmd = item.command;
    if (!cmd || cmd.nested || st.terminator === '&' || st.items.some((i) => i.op === '||')) break;
    const name = base(cmd.name?.value);
    if (name === 'cd') {
      const target = cmd.args.length === 1 ? cmd.args[0]!.value : null;
      if (target === null || target === '-' || target.startsWith('~') || cmd.redirects.length) {
        plan.skip = `\`${cmdText(cmd)}\` before the install cannot be resolved against WORKDIR`;
        break;
      }
      if (dir === null && !target.startsWith('/')) {
        plan.skip = `\`${cmdText(cmd)}\` before the install is relative to a WORKDIR the Dockerfile does not set`;
        break;
      }
      dir = joinImage(dir ?? '/', target);
      plan.cdDirs.push(dir);
      plan.state.push(k);
      continue;
    }
    if (name === 'set' || (cmd.name === null && cmd.assignments.length) || isExport(cmd)) {
      plan.state.push(k);
      continue;
    }
    const a = dir === null ? null : analyseCommand({ ...env, cwd: dir }, cmd);
    if (a) {
      if (a.ignore || (a.skip && plan.installs.length)) break;
      plan.installs.push(a);
      if (a.skip) {
        k++;
        break;
      }
      continue;
    }
    if (benign(cmd)) continue;
    break;
  }
  // Trailing state items belong to the rest (they set up what follows, not the installs).
  while (k > 0 && plan.state.includes(k - 1)) {
    plan.state.pop();
    if (base(items[k - 1]!.item.command?.name?.value) === 'cd') plan.cdDirs.pop();
    k--;
  }
  plan.prefix = k;
  if (!plan.installs.length) return plan.skip ? plan : null;
  if (k < items.length) {
    const last = items[k - 1]!;
    const next = items[k]!;
    const lastStmt = shell.statements.length - 1;
    if (next.stmt === last.stmt && last.stmt !== lastStmt)
      plan.skip =
        'commands after the `&&` chain of the install run even when it fails (`;` or a newline follows): a split would change that';
    else if (
      next.stmt !== last.stmt &&
      (!errexit || shell.statements[last.stmt]!.items.length !== 1)
    )
      plan.skip =
        'the install ends a statement of a `;`/newline list without `set -e`: a failed install does not stop the commands after it, and a split would change that';
    for (const i of plan.state) {
      const c = items[i]!.item.command!;
      const n = base(c.name?.value);
      if (n !== 'set')
        plan.review.push(`repeats \`${cmdText(c)}\` before the commands left after the copy`);
    }
    for (const it of items.slice(k))
      for (const c of commandsIn(run, it.item))
        if (cleanup(c))
          plan.review.push(
            `\`${cmdText(c)}\` stays after the build and no longer shrinks the install layer`,
          );
  }
  return plan;
}

/** A command as written (words joined by one space). */
function cmdText(cmd: SimpleCommand): string {
  return [cmd.name?.raw ?? '', ...cmd.args.map((a) => a.raw)].join(' ').trim();
}

/** The simple commands inside a chain item (nested ones included). */
function commandsIn(run: Instruction, item: ChainItem): SimpleCommand[] {
  return (run.shell?.commands ?? []).filter(
    (c) => c.span.start >= item.span.start && c.span.end <= item.span.end,
  );
}

function planForCopy(
  model: DockerfileModel,
  ctx: BuildContext,
  ignore: IgnoreFile,
  copy: FullCopy,
  later: Instruction[],
): Finding | null {
  const between: Instruction[] = [];
  /** The first instruction between the copy and the install that may read the source. */
  const blocking = () =>
    between.find(
      (i) =>
        !INERT.has(i.keyword) &&
        !SETTINGS.has(i.keyword) &&
        !contextFree(model, ctx, ignore, copy, i),
    );
  const blockerReason = (b: Instruction) =>
    `a ${b.keyword} at line ${b.line + 1} runs between the copy and the install and may prepare it`;
  for (const run of later) {
    // A later full copy (`COPY src ./src/` then `COPY . .`): plan for that one instead.
    if ((run.keyword === 'COPY' || run.keyword === 'ADD') && fullCopy(model, ctx, run)) return null;
    if (run.keyword !== 'RUN' || !run.shell) {
      between.push(run);
      continue;
    }
    const cwd = imageWorkdir(model, run.index);
    const env = envFor(model, ctx, ignore, copy, run, cwd ?? '');
    const plan = chainPlan(env, run, cwd);
    if (plan && !plan.installs.length) {
      // A `cd` we cannot follow comes before an install.
      const env2 = { ...env, cwd: cwd ?? IMAGE_WD };
      const a = run.shell.commands.map((c) => analyseCommand(env2, c)).find((x) => x && !x.ignore);
      if (a && !sourceCopyFor(env2, [{ ...a, skip: a.skip ?? plan.skip }])) return null;
      if (a) return { ruleId: `${ID}/${a.kind}`, reason: plan.skip!, at: run.span.start };
    } else if (plan) {
      const first = plan.installs[0]!;
      const skip = (reason: string) => ({
        ruleId: `${ID}/${first.kind}`,
        reason,
        at: run.span.start,
      });
      // A copy of tool or config files (`COPY .yarn ./.yarn`), not of the install's sources.
      if (!sourceCopyFor(env, plan.installs)) return null;
      if (first.skip) return skip(first.skip);
      if (plan.skip) return skip(plan.skip);
      if (plan.installs.some((i) => i.after) && earlierInstall(model, env, copy, first.kind)) {
        between.push(run);
        continue;
      }
      const blocker = blocking();
      if (blocker) return skip(blockerReason(blocker));
      return moveFix(model, ctx, ignore, copy, run, between, plan.installs, env, plan);
    }
    const installs: Install[] = [];
    const others: SimpleCommand[] = [];
    for (const c of run.shell.commands) {
      const a = cwd === null ? null : analyseCommand(env, c);
      if (a) installs.push(a);
      else others.push(c);
    }
    const go = run.shell.commands.some((c) => buildsSource(c) !== null);
    if (!installs.length || installs.every((i) => i.ignore)) {
      if (go) return goDownloadFix(model, ctx, ignore, copy, run, between);
      between.push(run);
      continue;
    }
    const first = installs[0]!;
    const ruleId = `${ID}/${first.kind}`;
    const skip = (reason: string) => ({ ruleId, reason, at: run.span.start });
    if (!sourceCopyFor(env, installs)) return null;
    if (cwd === null) return skip('the working directory of the install is not known');
    if (!run.shell.ok) return skip('the shell parser cannot read this RUN');
    for (const i of installs)
      if (i.skip) return { ruleId: `${ID}/${i.kind}`, reason: i.skip, at: run.span.start };
    // A split the author already made: the later install only covers the project itself.
    if (installs.some((i) => i.after) && earlierInstall(model, env, copy, first.kind)) {
      between.push(run);
      continue;
    }
    const nested = run.shell.commands.find((c) => c.nested);
    if (nested) return skip('the install sits inside a compound command (if, for, pipe, subshell)');
    const other = others.find((c) => !benign(c));
    if (other)
      return skip(
        `the same RUN also runs \`${[other.name?.raw ?? '', ...other.args.slice(0, 1).map((a) => a.raw)].join(' ').trim()}\`, which may need the copied source`,
      );
    const blocker = blocking();
    if (blocker) return skip(blockerReason(blocker));
    return moveFix(model, ctx, ignore, copy, run, between, installs, env);
  }
  return null;
}

/**
 * Whether `copy` is the copy of the installs' sources, the one to move them above: the whole
 * context, or a folder holding one of their manifests (`COPY backend/ /srv/backend`). A copy of
 * tool or config files (`COPY .yarn ./.yarn`, `COPY prisma ./prisma`) is not: the install may
 * need what it copies, and moving above it breaks the build. An install that is skipped anyway
 * and runs inside the copied folder counts too (to say why).
 */
function sourceCopyFor(env: Env, installs: Install[]): boolean {
  if (env.srcDir === '') return true;
  for (const inst of installs) {
    if (inst.skip && under(env.destDir, env.cwd) !== null) return true;
    for (const n of inst.needs) {
      if (!(n.primary ?? n.required)) continue;
      const cp = contextPath(env, n.path);
      if (cp !== null && inContext(env, cp)) return true;
    }
    for (const g of inst.globs ?? []) {
      const root = g.primary ? contextPath(env, g.dir) : null;
      if (root === null) continue;
      for (const e of env.ctx.walk()) {
        const rel = root === '' ? e.path : under(root, e.path);
        if (!e.isDirectory && rel && g.pattern.test(rel) && !env.ignore.ignores(e.path))
          return true;
      }
    }
  }
  return false;
}

/**
 * An instruction between the full copy and the install that reads nothing from the build context
 * and writes nothing the copy writes, so the copy may move below it: `COPY --from` of a tool
 * (`COPY --from=composer:2 /usr/bin/composer /usr/bin/composer`) outside the copy's destination,
 * and RUNs of a small allow-list of tool set-ups (`npm install -g`, `yarn global add`,
 * `pip install --upgrade pip`, `python -m venv /venv`, `corepack enable`, `mkdir -p /x`, system
 * package installs of named packages: `systemPackages`) with no
 * path into the copied tree and no variable pointing the tool there.
 */
function contextFree(
  model: DockerfileModel,
  ctx: BuildContext,
  ignore: IgnoreFile,
  copy: FullCopy,
  instr: Instruction,
): boolean {
  if (instr.keyword === 'COPY') {
    const spec = copySpec(model, instr);
    if (!spec || spec.from === null || spec.heredoc) return false;
    const dest = copyDestination(model, spec)?.dest;
    if (dest === undefined) return false;
    return under(copy.destDir, dest) === null && under(dest, copy.destDir) === null;
  }
  if (instr.keyword !== 'RUN' || !instr.shell?.ok || instr.heredocs.length || instr.json)
    return false;
  for (const f of instr.flags) {
    if (f.name === 'network') continue;
    const type = f.options.type ?? 'bind';
    if (f.name !== 'mount' || !['cache', 'secret', 'ssh', 'tmpfs'].includes(type)) return false;
    if (f.options.from !== undefined || f.options.source !== undefined) return false;
  }
  const env = envFor(model, ctx, ignore, copy, instr, imageWorkdir(model, instr.index) ?? IMAGE_WD);
  const shell = instr.shell;
  if (shell.commands.some((c) => c.nested)) return false;
  for (const st of shell.statements) {
    if (st.terminator === '&') return false;
    for (const item of st.items) {
      const cmd = item.command;
      if (item.op === '||' || !cmd || cmd.name === null || cmd.redirects.length) return false;
      const prefixes = new Map<string, string | null>();
      for (const a of cmd.assignments) setAssignment(prefixes, a);
      if ([...prefixes.values()].some((v) => v === null)) return false;
      if (!toolSetup(cmd, copy.destDir)) return false;
      const touches = (p: string | null) =>
        p === null || under(copy.destDir, p) !== null || under(p, copy.destDir) !== null;
      if (envReads(env, cmd).some((r) => touches(r.path))) return false;
    }
  }
  return true;
}

/** npm/yarn/pnpm/bun package specs from the registry (`@vue/cli`, `pnpm@8.15.4`, `npm@latest`). */
const NPM_SPEC = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(@[\w.^~<>=*|+-]+)?$/i;
/** Python requirement specs naming a package (`pip`, `poetry==1.8.3`, `setuptools>=70`). */
const PY_SPEC =
  /^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?([<>=!~]=?[A-Za-z0-9.*+!-]+(,[<>=!~]=?[A-Za-z0-9.*+!-]+)*)?$/;
/** pip options whose value is never a path. */
const PIP_SAFE_VALUE_OPTS = new Set([
  '--progress-bar',
  '--root-user-action',
  '--upgrade-strategy',
  '--timeout',
  '--retries',
  '--trusted-host',
]);
/** Gem names and versions (`bundler`, `bundler:2.5.6`, `2.5.6`). */
const GEM_SPEC = /^[A-Za-z0-9][\w.-]*(:[\w.]+)?$/;

/** Debian package names, with a version or target release (`libpq-dev`, `curl=7.88.1-10`, `gcc/bookworm-backports`). */
const DEB_SPEC = /^[a-z0-9][a-z0-9+.-]*(:[a-z0-9-]+)?([=/][A-Za-z0-9.+~:-]+)?$/;
/** Alpine and RPM package names, with a version constraint (`postgresql-dev`, `curl=8.5.0-r0`, `gcc-c++`). */
const PKG_SPEC = /^[A-Za-z0-9][\w.+-]*([<>=~]{1,2}[\w.+:~-]+)?$/;
/** Options of apt-get/apk/dnf/yum that take no value and name no path. */
const SYSTEM_PKG_FLAGS = new Set([
  '-y',
  '--yes',
  '--assume-yes',
  '-q',
  '-qq',
  '--quiet',
  '-yq',
  '-qy',
  '-yqq',
  '-qqy',
  '--no-install-recommends',
  '--no-install-suggests',
  '--fix-missing',
  '--fix-broken',
  '-f',
  '--allow-downgrades',
  '--with-new-pkgs',
  '--no-cache',
  '--update',
  '-U',
  '--no-progress',
  '--setopt=install_weak_deps=False',
  '--setopt=install_weak_deps=0',
  '--nodocs',
  '--refresh',
]);
/**
 * System folders packages install into: a full copy into one of them (`COPY rootfs/ /`,
 * `COPY . /var/www/html` where apache2 puts its index.html) may overwrite what the packages
 * install, or the other way round, so the order of the two matters. /usr/local and folders
 * below /usr/src and /opt are the admin's (Debian policy: packages install nothing there).
 */
const SYSTEM_DIRS = ['/etc', '/usr', '/var', '/lib', '/lib64', '/lib32', '/bin', '/sbin', '/boot'];
function packagesMayWrite(destDir: string): boolean {
  if (['/', '/opt', '/usr/src'].includes(destDir)) return true;
  if (under('/usr/local', destDir) !== null) return false;
  if (under('/usr/src', destDir) !== null) return false;
  return SYSTEM_DIRS.some((d) => under(d, destDir) !== null);
}
/** Cache folders the package managers' cleanups remove. */
const PKG_CACHE_DIRS = [
  '/var/lib/apt/lists',
  '/var/cache/apt',
  '/var/cache/apk',
  '/var/cache/dnf',
  '/var/cache/yum',
  '/tmp',
];

/**
 * A system package install of named packages (`apt-get update`, `apt-get install -y NAME...`,
 * `apk add --no-cache NAME...`, `dnf install -y NAME...`, their cache cleanups): it reads nothing
 * from the build context. Only when the copy's destination is not a system folder.
 */
function systemPackages(name: string, flags: string[], words: string[], destDir: string): boolean {
  if (packagesMayWrite(destDir)) return false;
  if (!flags.every((f) => SYSTEM_PKG_FLAGS.has(f))) return false;
  const [sub, ...rest] = words;
  switch (name) {
    case 'apt-get':
    case 'apt':
      if (['update', 'clean', 'autoclean', 'autoremove'].includes(sub ?? ''))
        return rest.length === 0;
      if (['upgrade', 'dist-upgrade'].includes(sub ?? '')) return rest.length === 0;
      return (
        ['install', 'remove', 'purge'].includes(sub ?? '') &&
        rest.length > 0 &&
        rest.every((w) => DEB_SPEC.test(w) && !w.endsWith('.deb'))
      );
    case 'apk':
      if (sub === 'update' || sub === 'upgrade') return rest.length === 0;
      return (
        (sub === 'add' || sub === 'del') &&
        rest.length > 0 &&
        rest.every((w) => PKG_SPEC.test(w) && !w.endsWith('.apk'))
      );
    case 'dnf':
    case 'yum':
    case 'microdnf':
      if (sub === 'clean') return rest.length === 1 && rest[0] === 'all';
      if (sub === 'makecache' || sub === 'upgrade' || sub === 'update') return rest.length === 0;
      return (
        (sub === 'install' || sub === 'remove') &&
        rest.length > 0 &&
        rest.every((w) => PKG_SPEC.test(w) && !w.endsWith('.rpm'))
      );
    case 'rm':
      return (
        words.length > 0 &&
        words.every((w) => {
          const p = normalizePosix(w.replace(/\/\*$/, ''));
          return (
            w.startsWith('/') && PKG_CACHE_DIRS.some((d) => under(d, p) !== null && p !== '/tmp')
          );
        })
      );
  }
  return false;
}

/** One command of the allow-list of tool set-ups that read nothing from the build context. */
function toolSetup(cmd: SimpleCommand, destDir: string): boolean {
  const name = base(cmd.name?.value);
  const args = vals(cmd);
  if (args.some((a) => a === null)) return false;
  const v = args as string[];
  const flags = v.filter((a) => a.startsWith('-'));
  const words = v.filter((a) => !a.startsWith('-'));
  // Flags carry no path (`--loglevel=error` yes, `--prefix=/x` no).
  const plainFlags = flags.every((f) => !f.includes('/'));
  const outsideCopy = (p: string) =>
    p.startsWith('/') && under(destDir, normalizePosix(p)) === null;
  const global = flags.some((f) => ['-g', '--global', '--location=global'].includes(f));
  const pipArgs = isPip(cmd);
  if (pipArgs) {
    // `pip install --upgrade pip setuptools`: named packages from the index only.
    const a = pipArgs.map((w) => w.value!);
    const pkgs: string[] = [];
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!;
      if (!x.startsWith('-')) {
        pkgs.push(x);
        continue;
      }
      const eq = x.startsWith('--') ? x.indexOf('=') : -1;
      const opt = eq > 0 ? x.slice(0, eq) : x;
      const value = eq > 0 ? x.slice(eq + 1) : null;
      if (['-i', '--index-url', '--extra-index-url'].includes(opt)) {
        if (!/^https?:\/\//.test(value ?? a[++i] ?? '')) return false;
      } else if (PIP_SAFE_VALUE_OPTS.has(opt)) {
        if ((value ?? a[++i] ?? '').includes('/')) return false;
      } else if (
        // Any other option with a value may name a path (-r, -c, -e, -f, --target, ...).
        PIP_VALUE_OPTIONS.has(opt) ||
        PIP_FILE_OPTS.has(opt) ||
        opt in PIP_READ_OPTS ||
        ['-e', '--editable'].includes(opt) ||
        /^-[rcef]./.test(x) ||
        x.includes('/')
      )
        return false;
    }
    return pkgs.length > 0 && pkgs.every((p) => PY_SPEC.test(p));
  }
  if (['apt-get', 'apt', 'apk', 'dnf', 'yum', 'microdnf'].includes(name))
    return systemPackages(name, flags, words, destDir);
  if (name === 'rm')
    return (
      flags.every((f) => ['-r', '-f', '-rf', '-fr', '-R', '-Rf', '-fR'].includes(f)) &&
      systemPackages(name, [], words, destDir)
    );
  switch (name) {
    case 'true':
      return v.length === 0;
    case 'set':
      return v.every((a) => /^[-+][a-zA-Z]+$|^(errexit|nounset|pipefail|xtrace)$|^-o$/.test(a));
    case 'mkdir':
      return (
        flags.every((f) => ['-p', '--parents', '-v', '--verbose'].includes(f)) &&
        words.length > 0 &&
        words.every(outsideCopy)
      );
    case 'corepack': {
      const sub = words[0];
      if (sub === 'enable' || sub === 'disable')
        return (
          flags.length === 0 &&
          words.slice(1).every((w) => /^(npm|yarn|pnpm|yarnpkg|pnpx|npx)$/.test(w))
        );
      if (sub === 'prepare')
        return (
          words.length > 1 &&
          words.slice(1).every((w) => NPM_SPEC.test(w)) &&
          flags.every((f) => f === '--activate')
        );
      if (sub === 'install')
        return (
          global &&
          words.length > 1 &&
          words.slice(1).every((w) => NPM_SPEC.test(w)) &&
          flags.every((f) => f === '-g' || f === '--global')
        );
      return false;
    }
    case 'npm':
    case 'pnpm':
    case 'bun':
      // A global install of named packages (`npm install -g @vue/cli`); without a name it would
      // install the project folder itself.
      return (
        global &&
        ['install', 'i', 'add', 'update', 'up'].includes(words[0] ?? '') &&
        words.length > 1 &&
        words.slice(1).every((w) => NPM_SPEC.test(w)) &&
        plainFlags
      );
    case 'yarn':
      return (
        words[0] === 'global' &&
        words[1] === 'add' &&
        words.length > 2 &&
        words.slice(2).every((w) => NPM_SPEC.test(w)) &&
        plainFlags
      );
    case 'gem':
      return (
        (words[0] === 'install' || words[0] === 'update') &&
        (words.length > 1 || flags.includes('--system')) &&
        words.slice(1).every((w) => GEM_SPEC.test(w) && !w.endsWith('.gem')) &&
        plainFlags
      );
    case 'virtualenv':
      return words.length === 1 && outsideVenv(words[0]!, destDir) && plainFlags;
  }
  // `python -m venv /venv`
  if (/^python[0-9.]*$/.test(name) && v[0] === '-m' && v[1] === 'venv') {
    const rest = v.slice(2);
    const paths = rest.filter((a) => !a.startsWith('-'));
    return (
      paths.length === 1 &&
      outsideVenv(paths[0]!, destDir) &&
      rest.every((a) => !a.startsWith('-') || !a.includes('/'))
    );
  }
  return false;
}

/** A virtualenv folder neither inside the copy's destination nor holding it. */
function outsideVenv(p: string, destDir: string): boolean {
  if (!p.startsWith('/')) return false;
  const dir = normalizePosix(p);
  return under(destDir, dir) === null && under(dir, destDir) === null;
}

function earlierInstall(model: DockerfileModel, env: Env, copy: FullCopy, kind: Kind): boolean {
  const stage = model.stages[copy.instr.stage]!;
  for (let i = stage.first; i < copy.instr.index; i++) {
    const instr = model.instructions[i]!;
    for (const c of instr.shell?.commands ?? [])
      if (analyseCommand(env, c)?.kind === kind) return true;
  }
  return false;
}

interface ManifestFile {
  /** Context-relative path, and the source text to write. */
  ctxPath: string;
  source: string;
  imagePath: string;
}

/** The context files the installs read, grouped by target folder; or a reason to skip. */
function manifests(
  model: DockerfileModel,
  ctx: BuildContext,
  copy: FullCopy,
  installs: Install[],
  env: Env,
): ManifestFile[] | string {
  const files: ManifestFile[] = [];
  const add = (ctxPath: string, imagePath: string) => {
    if (files.some((f) => f.imagePath === imagePath)) return;
    const rel = copy.srcDir === '' ? ctxPath : ctxPath.slice(copy.srcDir.length + 1);
    const source = copy.srcRaw === '' ? rel : `${copy.srcRaw}/${rel}`;
    files.push({ ctxPath, source, imagePath });
  };
  const provided = providedBefore(model, ctx, copy);
  for (const inst of installs) {
    for (const need of inst.needs) {
      const cp = contextPath(env, need.path);
      if (cp === null) {
        if (need.required && under(copy.destDir, need.path) === null && !provided.has(need.path)) {
          // Not from this copy: it must come from an earlier instruction.
          const stage = model.stages[copy.instr.stage]!;
          const anyCopy = model.instructions
            .slice(stage.first, copy.instr.index)
            .some((i) => i.keyword === 'COPY' || i.keyword === 'ADD' || i.keyword === 'RUN');
          if (!anyCopy) return `the install reads ${need.path}, which nothing before it provides`;
        }
        continue;
      }
      if (provided.get(need.path) === cp) continue;
      if (!ctx.available) {
        if (need.required) add(cp, need.path);
        continue;
      }
      if (inContext(env, cp)) add(cp, need.path);
      else if (need.required) {
        const why =
          ctx.exists(cp) && ignore(env, cp)
            ? 'is excluded by .dockerignore'
            : 'is not in the build context';
        return `${cp} ${why}; the install could not find it before the full copy either`;
      }
    }
    for (const g of inst.globs ?? []) {
      if (!ctx.available) continue;
      const root = contextPath(env, g.dir);
      if (root === null) continue;
      for (const e of ctx.walk()) {
        if (e.isDirectory) continue;
        const rel =
          root === ''
            ? e.path
            : e.path.startsWith(root + '/')
              ? e.path.slice(root.length + 1)
              : null;
        if (rel === null || !g.pattern.test(rel) || env.ignore.ignores(e.path)) continue;
        if (/(^|\/)(bin|obj|node_modules)\//.test(rel)) continue;
        add(e.path, joinImage(g.dir, rel));
      }
    }
  }
  return files;
}

function ignore(env: Env, p: string): boolean {
  return env.ignore.ignores(p);
}

/** Image paths that earlier COPY instructions of the stage already put in place (-> context path). */
function providedBefore(
  model: DockerfileModel,
  ctx: BuildContext,
  copy: FullCopy,
): Map<string, string> {
  const out = new Map<string, string>();
  const stage = model.stages[copy.instr.stage]!;
  for (let i = stage.first; i < copy.instr.index; i++) {
    const instr = model.instructions[i]!;
    const spec = copySpec(model, instr);
    if (!spec || spec.from !== null || spec.heredoc) continue;
    const target = copyDestination(model, spec);
    if (!target) continue;
    const { dest, intoDir } = target;
    for (const w of spec.sources) {
      const v = sourceValue(model, spec, w);
      const clean = v === null ? null : cleanRelative(v);
      if (clean === null) continue;
      if (!ctx.available) {
        out.set(intoDir ? joinImage(dest, base(clean)) : dest, clean);
        continue;
      }
      for (const f of matchSource(ctx, clean) ?? []) {
        if (f === clean)
          out.set(intoDir || ctx.isDirectory(clean) ? joinImage(dest, base(f)) : dest, f);
        else if (clean === '' || f.startsWith(clean + '/'))
          out.set(joinImage(dest, clean === '' ? f : f.slice(clean.length + 1)), f);
        else out.set(joinImage(dest, base(f)), f);
      }
    }
  }
  return out;
}

/** The COPY lines for the manifest files (one per target folder), or a reason to skip. */
function copyLines(
  model: DockerfileModel,
  copy: FullCopy,
  files: ManifestFile[],
): string[] | string {
  const flags = copy.spec.flags.map((f) => model.text.slice(f.span.start, f.span.end));
  const destRaw = copy.spec.dest.value ?? copy.spec.dest.raw;
  const groups = new Map<string, ManifestFile[]>();
  for (const f of files) {
    const dir = imageDir(f.imagePath);
    const list = groups.get(dir) ?? [];
    list.push(f);
    groups.set(dir, list);
  }
  const dirs = [...groups.keys()].sort((a, b) =>
    a === copy.destDir ? -1 : b === copy.destDir ? 1 : a < b ? -1 : 1,
  );
  const lines: string[] = [];
  for (const dir of dirs) {
    const rel = under(copy.destDir, dir);
    if (rel === null) return 'a manifest lands outside the copy destination';
    let dest: string;
    if (rel === '')
      dest =
        destRaw === '.' || destRaw.endsWith('/') ? copy.spec.dest.raw : `${copy.spec.dest.raw}/`;
    else if (destRaw === '.' || destRaw === './') dest = `./${rel}/`;
    else dest = `${copy.spec.dest.raw.replace(/\/+$/, '')}/${rel}/`;
    const srcs = groups.get(dir)!.map((f) => quotePath(f.source));
    if (srcs.some((s) => s === null)) return 'a manifest path needs quoting';
    // Several sources need a destination ending in `/`.
    if (srcs.length > 1 && dest === '.') dest = './';
    lines.push(['COPY', ...flags, ...(srcs as string[]), dest].join(' '));
  }
  return lines;
}

function runFlagsText(model: DockerfileModel, run: Instruction): string[] {
  return run.flags.map((f) => model.text.slice(f.span.start, f.span.end));
}

function moveFix(
  model: DockerfileModel,
  ctx: BuildContext,
  ignore: IgnoreFile,
  copy: FullCopy,
  run: Instruction,
  between: Instruction[],
  installs: Install[],
  env: Env,
  plan?: ChainPlan,
): Finding {
  const real = installs.filter((i) => !i.ignore);
  const first = real[0]!;
  const ruleId = `${ID}/${first.kind}`;
  const skip = (reason: string) => ({ ruleId, reason, at: run.span.start });
  if (!ctx.available) {
    const named = real.every((i) => i.kind === 'pip' && i.needs.length > 0);
    if (!named)
      return skip(
        'no build context: the manifests this install reads cannot be seen (give the context directory)',
      );
  }
  const files = manifests(model, ctx, copy, real, env);
  if (typeof files === 'string') return skip(files);
  const lines = copyLines(model, copy, files);
  if (typeof lines === 'string') return skip(lines);
  for (const d of plan?.cdDirs ?? [])
    if (under(copy.destDir, d) !== null && !files.some((f) => under(d, f.imagePath) !== null))
      return skip(`the install runs in ${d} (\`cd\`), which only the full copy creates`);
  const copyText = firstLine(model, copy.instr);
  const why = readsProblem(env, copy, copyText, real, files, providedBefore(model, ctx, copy));
  if (why) return skip(why);
  if (plan && plan.prefix < plan.items.length)
    return splitFix(model, ctx, copy, run, between, real, files, lines, plan);
  const settings = between.filter((i) => SETTINGS.has(i.keyword));
  const movers = between.filter((i) => !INERT.has(i.keyword) && !SETTINGS.has(i.keyword));
  const copyStart = blockStart(model, copy.instr, -1);
  const runStart = blockStart(model, run, copy.instr.endLine);
  const inserts = real.flatMap((i) => i.inserts ?? []);
  const afterCmds = real.flatMap((i) => i.after ?? []);
  const flags = runFlagsText(model, run);
  const indent = model.text.slice(model.lineStarts[copy.instr.line]!, copy.instr.span.start);
  const runIndent = model.text.slice(model.lineStarts[run.line]!, run.span.start);
  const afterLines = afterCmds.map((c) => runIndent + ['RUN', ...flags, c].join(' '));
  const eol = model.eol;
  const edits: Edit[] = [];
  if (settings.length === 0 && movers.length === 0) {
    const moved = withInserts(blockText(model, runStart, run), runStart, inserts);
    edits.push({
      start: copyStart,
      end: copyStart,
      text: lines.map((l) => indent + l + eol).join('') + moved + eol,
    });
    const rm = removalSpan(model, runStart, run);
    if (afterLines.length) {
      const { end } = instructionLines(model, run);
      const lastNoNl = end === model.text.length && !/\n$/.test(model.text);
      edits.push({ start: runStart, end, text: afterLines.join(eol) + (lastNoNl ? '' : eol) });
    } else edits.push({ ...rm, text: '' });
  } else {
    // Settings or tool set-ups between: the install keeps its place, the full copy moves below
    // it. The manifest COPY takes the full copy's place, or (with tool set-ups between, settings
    // or not) goes right before the install, so a manifest edit does not re-run the set-ups.
    const expandedHere = model.expand(copy.instr.logical.text, copy.instr.index);
    const expandedThere = model.expand(copy.instr.logical.text, run.index);
    if (expandedHere === null || expandedHere !== expandedThere)
      return skip(
        `an ${settings.find((s) => s.keyword !== 'WORKDIR' && s.keyword !== 'USER')?.keyword ?? 'ENV'} between the copy and the install changes a variable the copy uses`,
      );
    const relDest = !(copy.spec.dest.value ?? '/').startsWith('/');
    if (relDest && imageWorkdir(model, copy.instr.index) !== imageWorkdir(model, run.index))
      return skip(
        'a WORKDIR between the copy and the install changes where the relative copy lands',
      );
    const manifestText = lines.map((l) => indent + l + eol).join('');
    if (!movers.length) {
      const copyLinesSpan = instructionLines(model, copy.instr);
      edits.push({ start: copyStart, end: copyLinesSpan.end, text: manifestText });
    } else {
      edits.push({ ...removalSpan(model, copyStart, copy.instr), text: '' });
      edits.push({ start: runStart, end: runStart, text: manifestText });
    }
    for (const ins of inserts) edits.push({ start: ins.at, end: ins.at, text: ins.text });
    const { end } = instructionLines(model, run);
    const lastNoNl = end === model.text.length && !/\n$/.test(model.text);
    const moved = [blockText(model, copyStart, copy.instr), ...afterLines];
    edits.push({
      start: end,
      end,
      text: lastNoNl ? moved.map((l) => eol + l).join('') : moved.map((l) => l + eol).join(''),
    });
  }
  const review = !ctx.available || inserts.length > 0;
  const list = files.map((f) => f.source);
  const what = INSTALL_NAMES[first.kind];
  const manifestsText = list.length
    ? `copy only ${list.join(', ')} first`
    : 'the files it reads are already in place';
  let message = `${what} re-runs on every source edit because it follows \`${copyText}\`: ${manifestsText} and install before the full copy`;
  if (inserts.length)
    message += `, with the source-dependent part (${afterCmds.join('; ') || 'none'}) after it`;
  const fix: Fix = {
    ruleId,
    message: message + '.',
    applicability: review ? 'review' : 'safe',
    at: run.span.start,
    edits,
    data: {
      ecosystem: first.kind,
      manifests: list,
      install: model.text.slice(run.span.start, run.span.end),
      copy: copyText,
      ...(afterCmds.length ? { after: afterCmds } : {}),
    },
  };
  if (!ctx.available)
    fix.note =
      'no build context: manifests inferred from the command; nested includes are not copied';
  else if (inserts.length)
    fix.note = `the moved install gets${inserts.map((i) => i.text).join('')}; check the project still builds`;
  const kept = moversNote(model, movers);
  if (kept) fix.note = fix.note ? `${fix.note}; ${kept}` : kept;
  return fix;
}

/** The first source line of an instruction or chain item (how messages quote it). */
function firstLine(model: DockerfileModel, node: { span: Span }): string {
  const lines = model.text.slice(node.span.start, node.span.end).split(/\r?\n/);
  // A continued instruction is quoted by its first line without the escape: `RUN apt-get update ...`.
  if (lines.length === 1) return lines[0]!;
  const first = lines[0]!.trimEnd();
  const escape = model.escapeChar;
  return `${first.endsWith(escape) ? first.slice(0, -1).trimEnd() : first} ...`;
}

/** Says which instructions between the copy and the install stay before the install. */
function moversNote(model: DockerfileModel, movers: Instruction[]): string | null {
  if (!movers.length) return null;
  const shown = movers.map((i) => `\`${firstLine(model, i)}\``);
  return `${shown.join(', ')} read${movers.length === 1 ? 's' : ''} nothing from the build context and still run${movers.length === 1 ? 's' : ''} before the install`;
}

/** Why a path the installs read or write keeps them after the full copy, or null. */
function readsProblem(
  env: Env,
  copy: FullCopy,
  copyText: string,
  installs: Install[],
  files: ManifestFile[],
  provided: Map<string, string>,
): string | null {
  for (const inst of installs)
    for (const r of inst.reads ?? []) {
      const why = readProblem(env, copy, copyText, r, files, provided);
      if (why) return why;
    }
  return null;
}

/** A path for a message (an image path relative to an unknown WORKDIR shown relative). */
function shownImagePath(p: string): string {
  return inImageWorkdir(p) ? p.slice(IMAGE_WD.length).replace(/^\//, '') || '.' : p;
}

/**
 * Whether the full copy puts something at a path an install reads (or writes): files of the
 * build context (after .dockerignore) at or below it that are neither copied with the manifests
 * nor put there by an earlier COPY. Paths outside the copy's destination are unaffected by the
 * move; a path holding the destination is a problem (the copy adds to it).
 */
function readProblem(
  env: Env,
  copy: FullCopy,
  copyText: string,
  r: Read,
  files: ManifestFile[],
  provided: Map<string, string>,
): string | null {
  if (r.path === null)
    return `${r.what} has no known value and may name a path of the source that only \`${copyText}\` puts in place`;
  // One of the two is relative to the base image's WORKDIR, which the Dockerfile does not set:
  // they may be the same folder.
  const unknownWd = inImageWorkdir;
  if (unknownWd(r.path) !== unknownWd(copy.destDir) && !r.output)
    return unknownWd(r.path)
      ? `${r.what} ${r.does} ${shownImagePath(r.path)} relative to a WORKDIR the Dockerfile does not set, which may be where \`${copyText}\` lands`
      : `${r.what} ${r.does} ${r.path}, which may be where \`${copyText}\` lands (a WORKDIR the Dockerfile does not set)`;
  if (under(copy.destDir, r.path) === null) {
    if (under(r.path, copy.destDir) === null || r.output) return null;
    return `${r.what} ${r.does} ${shownImagePath(r.path)}, which holds what \`${copyText}\` puts in place`;
  }
  const cp = contextPath(env, r.path)!;
  if (!env.ctx.available)
    return `${r.what} ${r.does} ${cp || '.'}, which \`${copyText}\` may put in place (no build context to check)`;
  const copied = new Set(files.map((f) => f.ctxPath));
  const missing = contextFiles(env, cp).filter((f) => {
    const rel = copy.srcDir === '' ? f : f.slice(copy.srcDir.length + 1);
    return !copied.has(f) && provided.get(joinImage(copy.destDir, rel)) !== f;
  });
  if (!missing.length) return null;
  const dir = cp === copy.srcDir || env.ctx.isDirectory(cp);
  const shown = cp === '' ? 'the whole build context' : cp + (dir ? '/' : '');
  if (r.output)
    return `${r.what} writes ${shown}, which the build context also holds (not in .dockerignore): after the move, \`${copyText}\` would copy it over what the install wrote`;
  return `${r.what} ${r.does} ${shown}, a ${dir ? 'folder' : 'file'} of the source that only \`${copyText}\` puts in place`;
}

/** Context files (after .dockerignore) at or below a context path ('' = all). */
function contextFiles(env: Env, cp: string): string[] {
  if (cp !== '' && !env.ctx.exists(cp)) return [];
  if (cp !== '' && !env.ctx.isDirectory(cp)) return env.ignore.ignores(cp) ? [] : [cp];
  return env.ctx
    .walk()
    .filter(
      (e) =>
        !e.isDirectory && (cp === '' || e.path.startsWith(cp + '/')) && !env.ignore.ignores(e.path),
    )
    .map((e) => e.path);
}

/**
 * Install and build in one RUN: the leading install part becomes a RUN of its own before the full
 * copy (same flags, the author's layout up to the last install command), the RUN after the copy
 * keeps the rest (with the `cd`/`set`/`export` items the install part ran first).
 */
function splitFix(
  model: DockerfileModel,
  ctx: BuildContext,
  copy: FullCopy,
  run: Instruction,
  between: Instruction[],
  installs: Install[],
  files: ManifestFile[],
  lines: string[],
  plan: ChainPlan,
): Finding {
  const first = installs[0]!;
  const ruleId = `${ID}/${first.kind}`;
  const skip = (reason: string) => ({ ruleId, reason, at: run.span.start });
  const text = model.text;
  const items = plan.items;
  const lastMoved = items[plan.prefix - 1]!.item;
  const firstRest = items[plan.prefix]!.item;
  const head = text.slice(run.span.start, items[0]!.item.span.start);
  const inserts = installs.flatMap((i) => i.inserts ?? []);
  const afterCmds = installs.flatMap((i) => i.after ?? []);
  const moved = withInserts(
    text.slice(run.span.start, lastMoved.span.end),
    run.span.start,
    inserts,
  );
  const state = plan.state
    .map((i) => text.slice(items[i]!.item.span.start, items[i + 1]!.item.span.start))
    .join('');
  const rest =
    head +
    state +
    afterCmds.map((c) => c + ' && ').join('') +
    text.slice(firstRest.span.start, run.span.end);
  const eol = model.eol;
  const indent = text.slice(model.lineStarts[copy.instr.line]!, copy.instr.span.start);
  const runIndent = text.slice(model.lineStarts[run.line]!, run.span.start);
  const copyStart = blockStart(model, copy.instr, -1);
  const settings = between.filter((i) => SETTINGS.has(i.keyword));
  const movers = between.filter((i) => !INERT.has(i.keyword) && !SETTINGS.has(i.keyword));
  const edits: Edit[] = [];
  if (settings.length === 0 && movers.length === 0) {
    edits.push({
      start: copyStart,
      end: copyStart,
      text: lines.map((l) => indent + l + eol).join('') + runIndent + moved + eol,
    });
    edits.push({ start: run.span.start, end: run.span.end, text: rest });
  } else {
    const expandedHere = model.expand(copy.instr.logical.text, copy.instr.index);
    const expandedThere = model.expand(copy.instr.logical.text, run.index);
    if (expandedHere === null || expandedHere !== expandedThere)
      return skip(
        'an ENV or ARG between the copy and the install changes a variable the copy uses',
      );
    const relDest = !(copy.spec.dest.value ?? '/').startsWith('/');
    if (relDest && imageWorkdir(model, copy.instr.index) !== imageWorkdir(model, run.index))
      return skip(
        'a WORKDIR between the copy and the install changes where the relative copy lands',
      );
    const manifestText = lines.map((l) => indent + l + eol).join('');
    const tail = moved + eol + blockText(model, copyStart, copy.instr) + eol + runIndent + rest;
    if (!movers.length) {
      edits.push({
        start: copyStart,
        end: instructionLines(model, copy.instr).end,
        text: manifestText,
      });
      edits.push({ start: run.span.start, end: run.span.end, text: tail });
    } else {
      // Tool set-ups between (maybe settings too): the manifest COPY goes right before the install.
      const runStart = blockStart(model, run, copy.instr.endLine);
      edits.push({ ...removalSpan(model, copyStart, copy.instr), text: '' });
      edits.push({
        start: runStart,
        end: run.span.end,
        text: manifestText + text.slice(runStart, run.span.start) + tail,
      });
    }
  }
  const review = !ctx.available || inserts.length > 0 || plan.review.length > 0;
  const list = files.map((f) => f.source);
  const copyText = firstLine(model, copy.instr);
  const restCmd = firstRest.command ? cmdText(firstRest.command) : firstLine(model, firstRest);
  const manifestsText = list.length
    ? `copy only ${list.join(', ')} first`
    : 'the files it reads are already in place';
  const notes = [
    ...(inserts.length
      ? [
          `the moved install gets${inserts.map((i) => i.text).join('')} and \`${afterCmds.join(' && ')}\` runs after the copy`,
        ]
      : []),
    ...plan.review,
    ...(moversNote(model, movers) ? [moversNote(model, movers)!] : []),
  ];
  const fix: Fix = {
    ruleId,
    message: `${INSTALL_NAMES[first.kind]} re-runs on every source edit because it shares a RUN after \`${copyText}\` with \`${restCmd}\`: ${manifestsText}, install in a RUN of its own before the full copy, and keep the rest after it.`,
    applicability: review ? 'review' : 'safe',
    at: run.span.start,
    edits,
    data: {
      ecosystem: first.kind,
      manifests: list,
      install: moved,
      rest,
      copy: copyText,
      ...(afterCmds.length ? { after: afterCmds } : {}),
    },
  };
  if (notes.length) fix.note = notes.join('; ');
  return fix;
}

/** Only `go build` after the full copy: add `go mod download` before it (review). */
function goDownloadFix(
  model: DockerfileModel,
  ctx: BuildContext,
  ignore: IgnoreFile,
  copy: FullCopy,
  run: Instruction,
  between: Instruction[],
): Finding | null {
  const ruleId = `${ID}/go-mod-download`;
  const skip = (reason: string) => ({ ruleId, reason, at: run.span.start });
  const stage = model.stages[copy.instr.stage]!;
  // Already downloads before the copy: nothing to add.
  for (let i = stage.first; i < copy.instr.index; i++) {
    const instr = model.instructions[i]!;
    if (instr.shell?.commands.some((c) => base(c.name?.value) === 'go' && vals(c).includes('mod')))
      return null;
  }
  if (!ctx.available) return null;
  const wd = imageWorkdir(model, copy.instr.index);
  if (wd === null || wd !== copy.destDir) return null;
  if (imageWorkdir(model, run.index) !== wd) return null;
  const env = envFor(model, ctx, ignore, copy, run, wd);
  const gomodPath = contextPath(env, joinImage(wd, 'go.mod'));
  if (gomodPath === null || !inContext(env, gomodPath)) return null;
  // The command that compiles: `go build`, `go install`, ... (named in the messages).
  const build = run.shell!.commands.find((c) => buildsSource(c) !== null)!;
  const buildName = `go ${subcommand(build)?.value ?? 'build'}`;
  const problem = goModProblem(env, wd);
  if (problem) return skip(problem);
  const vendor = contextPath(env, joinImage(wd, 'vendor/modules.txt'));
  if (vendor !== null && inContext(env, vendor))
    // Already right: a vendored module downloads nothing (a note, not a rewrite given up).
    return {
      ...skip(`the module is vendored: ${buildName} reads vendor/, nothing to download`),
      info: true,
    };
  if (between.some((i) => !INERT.has(i.keyword) && !SETTINGS.has(i.keyword))) return null;
  const gomod = env.ctx.readFile(gomodPath) ?? '';
  if (!/^\s*require\b/m.test(gomod)) return null;
  const install: Install = {
    kind: 'go-mod-download',
    cmd: run.shell!.commands[0]!,
    needs: [
      { path: joinImage(wd, 'go.mod'), required: true },
      { path: joinImage(wd, 'go.sum'), required: false },
    ],
  };
  const files = manifests(model, ctx, copy, [install], env);
  if (typeof files === 'string') return skip(files);
  const lines = copyLines(model, copy, files);
  if (typeof lines === 'string') return skip(lines);
  const copyText = firstLine(model, copy.instr);
  // GOFLAGS=-mod=vendor, GOPROXY=file://... into the copied tree: the download would need it.
  const why = readsProblem(
    env,
    copy,
    copyText,
    [{ ...install, reads: goReads(env, build) }],
    files,
    providedBefore(model, ctx, copy),
  );
  if (why) return skip(why);
  const mounts = run.flags
    .filter((f) => f.name === 'mount' && f.options.type === 'cache')
    .map((f) => model.text.slice(f.span.start, f.span.end));
  const copyStart = blockStart(model, copy.instr, -1);
  const indent = model.text.slice(model.lineStarts[copy.instr.line]!, copy.instr.span.start);
  const text = [...lines, ['RUN', ...mounts, 'go mod download'].join(' ')]
    .map((l) => indent + l + model.eol)
    .join('');
  return {
    ruleId,
    message: `${buildName} downloads every module again on each source edit because only \`${copyText}\` precedes it: copy ${files.map((f) => f.source).join(', ')} and run \`go mod download\` before the full copy.`,
    applicability: 'review',
    at: run.span.start,
    edits: [{ start: copyStart, end: copyStart, text }],
    note: 'adds a RUN step; with a cache mount on the module cache, the download lands in the mount',
    data: { ecosystem: 'go', manifests: files.map((f) => f.source), copy: copyText },
  };
}

export const transform: Transform = {
  meta: {
    id: ID,
    title: 'Install dependencies before copying the sources',
    hadolint: [],
    applicability: 'safe',
    docs: {
      why: 'A `COPY . .` before the dependency install makes every source edit invalidate the install step, so each build downloads and installs every package again. Copying only the manifests (requirements.txt, package.json and its lock file, go.mod, ...) first and installing before the full copy keeps that layer cached until a manifest changes.',
      fixSafety:
        'The install RUN moves unchanged (text, flags, comments) above the full copy, after a COPY of exactly the files it reads, found in the real build context after .dockerignore (nested pip includes, workspace package.json files, wrapper files, the files named by PIP_CONSTRAINT, BUNDLE_GEMFILE, COMPOSER or yarnPath). It is skipped when anything else could need the source: lifecycle scripts, local path dependencies, installing the project itself, any other path it reads in the copied tree (--find-links, local index URLs, config files named by options or variables such as PIP_CONFIG_FILE, NPM_CONFIG_USERCONFIG, YARN_RC_FILENAME, GOFLAGS=-mod=vendor, GOPROXY=file://), what it writes (node_modules, vendor, .venv) also being in the context, or a RUN/COPY between the copy and the install that may read the source (global tool installs, corepack, venvs and mkdir outside the copied tree, and COPY --from of a tool, stay before the install and do not block). Only a copy of the whole context or of a folder holding the manifests counts as the full copy: an install never moves above a copy of tool or config folders such as .yarn. An install and a build in one RUN (`npm ci && npm run build`) are split: the install part moves as its own RUN, the build stays after the copy; splits that repeat a `cd`/`export` or leave a cleanup after the build are `review`. Fixes that change commands (poetry --no-root, uv --no-install-project, composer --no-scripts --no-autoloader), add a step (go mod download) or infer manifests without a context are `review`.',
    },
  },
  check,
};
