/**
 * dependency-cache: the shared vocabulary of the transform.
 *
 * What an install needs (`Install`, `Need`, `Read`), the environment of the RUN it sits in
 * (`Env`: WORKDIR, the full copy, variables), image/context path helpers and small command
 * queries used by every ecosystem. Rules and design decisions: docs/rules/dependency-cache.md.
 */
import { onClear } from '../../src/context/cache.js';
import { NoContext } from '../../src/context/context.js';
import type { IgnoreFile } from '../../src/context/ignore.js';
import { commandBase } from '../../src/model/shell.js';
import { sentEntries } from '../../src/toolkit/copy.js';
import type {
  BuildContext,
  ContextEntry,
  DockerfileModel,
  Instruction,
  SimpleCommand,
  Word,
} from '../../src/model/types.js';
import { runVars } from './vars.js';

export const ID = 'dependency-cache';

export type Kind =
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
export interface Need {
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
export interface Read {
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
export interface Install {
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
  /** How messages name the command when not by its kind (`pip wheel`). */
  label?: string;
  /** The install only covers the source-dependent part of an earlier split: not an opportunity. */
  ignore?: boolean;
}

export interface Env {
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

/** The Env of a RUN below the full copy `copy`, in working directory `cwd`. */
export function envFor(
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

/** The context of `withoutContext`: none (one for all, it holds nothing). */
const NO_CONTEXT: BuildContext = new NoContext();

/**
 * `env` seen without a build context (itself when it has none): for the analyses of which only
 * what the context cannot change is used (installs/index.ts installShape).
 */
export function withoutContext(env: Env): Env {
  if (!env.ctx.available) return env;
  const { model, ignore, cwd, srcDir, destDir, vars } = env;
  return { model, ctx: NO_CONTEXT, ignore, cwd, srcDir, destDir, vars };
}

/**
 * The entries of the build context the builder is sent (`sentEntries`), walked once per check: the analysers (NuGet
 * configs), the builds (.NET projects) and the source-copy test look through them again for
 * every command and copy, and the context does not change during a check. Keyed by the check's
 * context view and its IgnoreFile (each check loads its own: index.ts).
 */
export function contextEntries(env: Env): readonly ContextEntry[] {
  let byCheck = ENTRIES.get(env.ctx);
  if (!byCheck) ENTRIES.set(env.ctx, (byCheck = new WeakMap()));
  let entries = byCheck.get(env.ignore);
  if (!entries) byCheck.set(env.ignore, (entries = sentEntries(env.ctx, env.ignore)));
  return entries;
}

const ENTRIES = new WeakMap<BuildContext, WeakMap<IgnoreFile, readonly ContextEntry[]>>();

export function imageDir(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

/** Path of `p` relative to `dir` when inside it (`''` for the dir itself), else null. */
export function under(dir: string, p: string): string | null {
  if (p === dir) return '';
  const prefix = dir.endsWith('/') ? dir : dir + '/';
  return p.startsWith(prefix) ? p.slice(prefix.length) : null;
}

export function contextPath(env: Env, imagePath: string): string | null {
  const rel = under(env.destDir, imagePath);
  if (rel === null) return null;
  return env.srcDir === '' ? rel : rel === '' ? env.srcDir : `${env.srcDir}/${rel}`;
}

/** Context file present after `.dockerignore`. */
export function inContext(env: Env, p: string): boolean {
  return (
    env.ctx.available && env.ctx.exists(p) && !env.ctx.isDirectory(p) && !env.ignore.ignores(p)
  );
}

export function readContext(env: Env, imagePath: string): string | null {
  const p = contextPath(env, imagePath);
  return p === null || !inContext(env, p) ? null : env.ctx.readFile(p);
}

export const vals = (cmd: SimpleCommand): (string | null)[] => cmd.args.map((a) => a.value);

/** The last path segment (a command's basename, a file's name). */
export function base(name: string | null | undefined): string {
  return commandBase(name ?? '');
}

const NO_VALUE_OPTS: ReadonlySet<string> = new Set();

/** First non-option argument (the subcommand), skipping options that take a value. */
export function subcommand(
  cmd: SimpleCommand,
  withValue: ReadonlySet<string> = NO_VALUE_OPTS,
): Word | null {
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
export function optionValue(cmd: SimpleCommand, name: string): string | null | undefined {
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

export function has(cmd: SimpleCommand, ...flags: string[]): boolean {
  return cmd.args.some((a) => a.value !== null && flags.includes(a.value));
}

export function hasPrefix(cmd: SimpleCommand, ...flags: string[]): boolean {
  return cmd.args.some((a) => a.value !== null && flags.some((f) => a.value!.startsWith(f)));
}

export function parseJson<T>(text: string | null): T | null {
  if (text === null) return null;
  let parsed = PARSED.get(text);
  if (parsed === undefined) {
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      parsed = null;
    }
    if (PARSED.size >= PARSED_ENTRIES) PARSED.delete(PARSED.keys().next().value!);
    PARSED.set(text, parsed);
  }
  return parsed as T | null;
}

/** `parseJson` by text, the most recent PARSED_ENTRIES: the same package.json and composer.json
 * are read by every install analysis of a check (each full copy, each RUN, each pass) and by the
 * Dockerfiles of a context. Shared: read-only (no caller changes what it gets). Holds context
 * file texts and their JSON only, nothing of a model. */
const PARSED = new Map<string, unknown>();
const PARSED_ENTRIES = 64;
onClear(() => PARSED.clear());

export const INERT = new Set([
  'LABEL',
  'EXPOSE',
  'CMD',
  'ENTRYPOINT',
  'HEALTHCHECK',
  'STOPSIGNAL',
  'MAINTAINER',
]);

export const SETTINGS = new Set(['WORKDIR', 'ENV', 'ARG', 'USER']);

/** A command as written (words joined by one space). */
export function cmdText(cmd: SimpleCommand): string {
  return [cmd.name?.raw ?? '', ...cmd.args.map((a) => a.raw)].join(' ').trim();
}
