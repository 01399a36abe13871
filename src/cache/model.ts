/**
 * A static model of BuildKit's build cache, as the Dockerfile frontend of Docker 20.10 (BuildKit
 * 0.8) computes it; every rule below was checked against that engine with `--progress=plain`.
 *
 * Steps. Only FROM <image>, RUN, COPY, ADD and WORKDIR are BuildKit steps (`#N [stage i/n] ...`,
 * CACHED or re-run). ENV, ARG, USER, SHELL, LABEL, EXPOSE, CMD, ENTRYPOINT, VOLUME, STOPSIGNAL,
 * HEALTHCHECK, ONBUILD and MAINTAINER only change the image config: they never show as a step
 * and never re-run, but ENV/ARG values, USER, SHELL and WORKDIR enter the keys of later steps
 * (below). `FROM <stage>` and `FROM scratch` are not steps either. Every instruction still gets a
 * `CacheStep` (`buildkit: null` for the metadata-only ones), so callers can map lines to steps.
 *
 * Labels. A stage's steps are numbered `i/n` where n counts its FROM <image> (not scratch, not
 * another stage) and its RUN/COPY/ADD/WORKDIR instructions; i counts the steps as they are made
 * (FROM is 1). The index is padded to the width of n (`[ 2/10]`). The stage is shown as nothing
 * in a single-stage build (`[2/3]`), by its name lower-cased (`[deps 2/4]`) or as `stage-K`
 * (K = the stage's index) in a multi-stage build.
 *
 * Keys. A step's cache key is its parent step's key plus its own inputs:
 * - RUN: the command (and SHELL), the environment, the working directory, the user, its flags;
 *   the environment holds every ENV and every ARG with a value (default, `--build-arg`, or the
 *   global ARG of the same name) declared in the stage or a stage it is built FROM. An ARG nobody
 *   reads still changes the key of every later RUN; a global ARG (before the first FROM) only
 *   counts where a stage re-declares it (`ARG NAME`) or in FROM lines.
 * - COPY/ADD: the expanded sources and destination (the working directory for a relative one),
 *   --chown/--chmod, and the *content* of what it copies: context files after `.dockerignore`
 *   (Docker's matching semantics), or the files at the source path of another stage.
 * - WORKDIR: the path and the user (a WORKDIR after a changed USER re-runs). `WORKDIR /` makes no
 *   step, but still counts in n.
 * - `RUN --mount=type=bind`: the content of its source (default: the whole context) or, with
 *   `from=`, of that path in the other stage.
 * An ENV/ARG change therefore re-runs the first RUN after it that sees it and everything after
 * that RUN, but not the COPYs before that RUN (unless they expand the variable).
 *
 * Content addressing. `COPY --from=<stage>` and `RUN --mount=from=<stage>` depend on the *bytes*
 * at the source path, not on the other stage's key: when the other stage re-runs but the copied
 * files come out identical, BuildKit reports the copy CACHED. The model follows which paths an
 * edit provably changes (a re-run COPY from the context: the edited file's destination) and which
 * it may change (any re-run RUN); a step reached only through "may change" is a `maybe` re-run
 * (e.g. a recompiled binary that comes out byte-identical after a comment edit is not copied
 * again). Keys mirror this: `contentKey(stage, path)` hashes only what can write below `path`.
 *
 * Stages built. Without a target BuildKit builds only the last stage and the stages it needs
 * (FROM <stage>, COPY --from=<stage>, RUN --mount=from=<stage>); other stages are not built at
 * all. `--target T` does the same from T. `stage.built` says which; `rerun()` only lists steps
 * of built stages.
 *
 * BuildKit differences from the classic builder and the documentation (checked on 20.10.24):
 * - an ARG re-declared after an ENV of the same name overrides it in RUN's environment (the
 *   docs say ENV wins);
 * - ARG values declared in a stage stay in the environment of stages built FROM it;
 * - `COPY --from=<image>` or a `RUN --mount=type=cache` (its implicit `from=scratch`) adds a
 *   hidden stage, so a single-stage build is labelled `[stage-0 i/n]`;
 * - the FROM vertex is shared by every stage and every concurrent build using the same image: its
 *   printed label can come from another stage or build (`[build 1/5] FROM debian:bookworm` in a
 *   single-stage build), and it shows CACHED or DONE whatever changed; an edit never re-runs it;
 * - step names print variables expanded (`RUN echo $A` shows `RUN echo 1`); variables from the
 *   base image's own config (PATH, ...) are unknown here, so `name` is best effort; the `prefix`
 *   (`[deps 2/4]`) is exact.
 *
 * BuildKit keeps every earlier result, keyed by content: an edit that gives the files bytes
 * some earlier build already saw (an undo, the same edit twice) is CACHED. The model answers for
 * content never built before (what a real edit is); a test against BuildKit needs unique edits.
 *
 * Simplifications: the base image's own ENV/WORKDIR/USER/SHELL are unknown (constant); `ADD
 * <url>`/`ADD <git>` are always cached; a COPY that overwrites a changed file with unchanged
 * bytes is not modelled; ONBUILD triggers of a base image are ignored.
 *
 * `rerunOnEdit(path)` is the key-level answer (every instruction, metadata-only ones and unbuilt
 * stages included, whose key changes: `maybe` steps count); `rerun(path)` is what BuildKit shows.
 */
import { createHash } from 'node:crypto';
import { cleanRelative } from '../context/context.js';
import { copySpec, globRoot, globToRegExp, hasGlob, matchSource } from '../toolkit/copy.js';
import { loadIgnore, type IgnoreFile } from '../context/ignore.js';
import { buildLogical, normalizePosix } from '../model/dockerfile.js';
import type { BuildContext, DockerfileModel, Instruction } from '../model/types.js';

export type StepKind = 'from' | 'run' | 'copy' | 'workdir' | 'meta';

/** A context input of a step: a COPY/ADD source, or a bind mount's source. */
export interface StepSource {
  /** The source as written. */
  raw: string;
  /** Expanded, context-relative (`''` = the whole context), or null when unresolvable. */
  path: string | null;
  /** Context files it takes after `.dockerignore` (sorted), or null without a context / when
   * unresolvable. */
  files: string[] | null;
}

/** How BuildKit names a step in `--progress=plain` output: `#N [deps 2/4] COPY req.txt .`. */
export interface BuildkitLabel {
  /** The stage as printed: '' (single-stage build), the stage name lower-cased, or `stage-K`. */
  stage: string;
  /** 1-based position among the stage's steps (FROM <image> is 1). */
  index: number;
  /** The stage's step count n. */
  total: number;
  /** The text inside the brackets: `deps 2/4`, `2/6`, ` 2/10` (index padded to n's width). */
  label: string;
  /** `[deps 2/4]`: what the progress line shows after `#N `. */
  prefix: string;
  /** The whole vertex name (`[deps 2/4] RUN pip install -r requirements.txt`), with variables
   * expanded as BuildKit does; best effort for variables of the base image. */
  name: string;
}

/** A COPY/ADD destination and sources, resolved (internal to the model, exposed for tests). */
export interface CopyInfo {
  /** Stage index of `--from=<stage>`, or null. */
  fromStage: number | null;
  /** `--from=<image>` (not a stage): constant content. */
  fromImage: string | null;
  /** Absolute destination (a trailing `/` kept), or null when unresolvable. */
  dest: string | null;
  /** For `--from=<stage>`: absolute source paths in that stage (null when unresolvable). */
  stagePaths: (string | null)[];
}

export interface CacheStep {
  /** Instruction index in the model. */
  instruction: number;
  stage: number;
  keyword: string;
  kind: StepKind;
  /** Instruction index of the previous instruction of the stage (null for FROM). */
  parent: number | null;
  /** The instruction's arguments with variables expanded (the raw logical text when a variable
   * has no known value). */
  text: string;
  /** The environment BuildKit gives a RUN here (ENV and ARG values, sorted by name); part of the
   * key of RUN steps only. */
  vars: [string, string | null][];
  /** Context inputs (COPY/ADD without --from, RUN bind mounts of the context). */
  sources: StepSource[];
  /** Other stages it reads (`COPY --from`, `FROM <stage>`, `--mount=from=<stage>`). */
  stageEdges: number[];
  /** sha256 of every input (parent key included). */
  key: string;
  /** BuildKit's label, or null when this instruction is no BuildKit step (metadata-only,
   * `FROM <stage>`, `FROM scratch`, `WORKDIR /`). */
  buildkit: BuildkitLabel | null;
  /** The stage is built (the target or a stage it needs). */
  built: boolean;
  /** COPY/ADD only. */
  copy?: CopyInfo;
}

export interface CacheStage {
  index: number;
  name: string | null;
  /** Indices into `CacheModel.steps`, in order (the FROM first). */
  steps: number[];
  /** BuildKit builds it (the target stage or one it depends on). */
  built: boolean;
  /** The stage as BuildKit prints it ('' in a single-stage build). */
  display: string;
  /** Its step count n. */
  total: number;
  /** The stage it is built FROM, or null for an image / scratch. */
  base: number | null;
  /** The base image (global ARGs expanded), or null for a stage. */
  image: string | null;
}

/** A step an edit re-runs. */
export interface Rerun {
  step: CacheStep;
  /** False: re-runs only if the files it copies from another stage come out different. */
  certain: boolean;
  /** `input`: it reads the edited file; `parent`: an earlier step of its chain re-runs;
   * `stage`: it reads another stage whose files change. */
  cause: 'input' | 'parent' | 'stage';
  /** For a `maybe` re-run: the stage whose output decides it. */
  maybeFrom: number | null;
}

export interface CacheModel {
  steps: CacheStep[];
  stages: CacheStage[];
  ignore: IgnoreFile;
  /** The stage BuildKit builds (the target, or the last stage). */
  target: number;
  /** The step of an instruction index, or null (ARG before FROM, or none). */
  stepOf(instruction: number): CacheStep | null;
  /** True when the step reads the context file `path` directly. */
  takes(step: CacheStep, path: string): boolean;
  /** Instructions whose key changes when the context file `path` changes (every stage, metadata
   * instructions included; `maybe` re-runs included), in order. */
  rerunOnEdit(path: string): CacheStep[];
  /** The BuildKit steps of built stages that an edit of `path` re-runs, in order. */
  rerun(path: string): Rerun[];
  /** Key of the bytes below `path` (absolute, may be a glob) in a stage's final filesystem. */
  contentKey(stage: number, path: string): string;
}

export interface CacheModelOptions {
  /** `--build-arg` values (override ARG defaults). */
  buildArgs?: Record<string, string>;
  /** `--target`: the stage to build (default: the last). Unknown names throw. */
  target?: string;
}

/** An unknown `--target`. */
export class TargetError extends Error {}

const REAL = new Set(['RUN', 'COPY', 'ADD', 'WORKDIR']);

function sha(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** A matcher for one cleaned source path (`''` = everything): the path itself, anything under
 * it, or (for a glob) anything matching it or under a match. */
export function sourceMatcher(source: string): (path: string) => boolean {
  if (source === '') return () => true;
  if (hasGlob(source)) {
    const re = globToRegExp(source);
    return (p) => {
      const parts = p.split('/');
      for (let i = 1; i <= parts.length; i++) if (re.test(parts.slice(0, i).join('/'))) return true;
      return false;
    };
  }
  return (p) => p === source || p.startsWith(source + '/');
}

// ---------------------------------------------------------------------------------------------
// BuildKit's word processing (frontend/dockerfile/shell/lex.go) and word splitting
//
// Not the parse model's `expand`/`varsAt`/`workdirAt`/`splitWords`, on purpose: a cache key needs
// BuildKit's exact values, and the parse model answers a different question (is a value known
// statically, for a safe rewrite). It gives null for any unknown variable where BuildKit
// substitutes '' (or keeps `$X` in a RUN's name), has no `--build-arg` values, and follows the
// documented scoping (ENV beats a later ARG, a stage's ARGs do not reach stages built FROM it)
// where BuildKit 0.8 differs (module comment). So the model keeps its own per-stage state (env,
// user, shell, workdir) built with these two functions.

export interface WordOptions {
  /** Keep quotes (RUN's step name). */
  rawQuotes?: boolean;
  /** Leave unknown variables as written (`$X`) instead of the empty string. */
  skipUnset?: boolean;
  escape?: string;
}

/** BuildKit's ProcessWord: quotes, escapes and `$VAR`/`${VAR}`/`${VAR:-x}`/`${VAR:+x}`.
 * `unresolved` says a variable had no known value; null on a syntax error. */
export function processWord(
  word: string,
  env: ReadonlyMap<string, string>,
  options: WordOptions = {},
): { value: string; unresolved: boolean } | null {
  const esc = options.escape ?? '\\';
  let i = 0;
  let unresolved = false;
  const name = (): string => {
    let out = '';
    if (i < word.length && /[0-9]/.test(word[i]!)) {
      while (i < word.length && /[0-9]/.test(word[i]!)) out += word[i++];
      return out;
    }
    if (i < word.length && '@*#?-$!0'.includes(word[i]!)) return word[i++]!;
    while (i < word.length && /[\p{L}\p{N}_]/u.test(word[i]!)) out += word[i++];
    return out;
  };
  const lookup = (n: string): string | undefined => {
    const v = env.get(n);
    if (v === undefined) unresolved = true;
    return v;
  };
  const dollar = (): string | null => {
    i++; // $
    if (word[i] !== '{') {
      const n = name();
      if (n === '') return '$';
      const v = lookup(n);
      if (v === undefined) return options.skipUnset ? '$' + n : '';
      return v;
    }
    i++; // {
    if (i >= word.length || '{}:'.includes(word[i]!)) return null;
    const n = name();
    const ch = word[i++];
    if (ch === '}') {
      const v = lookup(n);
      if (v === undefined) return options.skipUnset ? `\${${n}}` : '';
      return v;
    }
    if (ch === ':' || ch === '?') {
      const modifier = ch === ':' ? word[i++] : '?';
      const inner = stopOn('}');
      if (inner === null) return null;
      const v = env.get(n);
      if (v === undefined) unresolved = true;
      if (v === undefined && options.skipUnset)
        return `\${${n}${ch === ':' ? ':' : ''}${modifier}${inner}}`;
      if (modifier === '+') return v !== undefined && v !== '' ? inner : (v ?? '');
      if (modifier === '-') return v === undefined || v === '' ? inner : v;
      if (modifier === '?') return v ?? '';
      return null;
    }
    return null;
  };
  const single = (): string | null => {
    let out = options.rawQuotes ? "'" : '';
    i++;
    while (i < word.length && word[i] !== "'") out += word[i++];
    if (i >= word.length) return null;
    i++;
    return out + (options.rawQuotes ? "'" : '');
  };
  const double = (): string | null => {
    let out = options.rawQuotes ? '"' : '';
    i++;
    for (;;) {
      if (i >= word.length) return null;
      const c = word[i]!;
      if (c === '"') {
        i++;
        return out + (options.rawQuotes ? '"' : '');
      }
      if (c === '$') {
        const v = dollar();
        if (v === null) return null;
        out += v;
        continue;
      }
      i++;
      if (c === esc) {
        if (i >= word.length) continue;
        if (word[i] === '"' || word[i] === '$' || word[i] === esc) {
          out += word[i++];
          continue;
        }
      }
      out += c;
    }
  };
  function stopOn(stop: string | null): string | null {
    let out = '';
    while (i < word.length) {
      const c = word[i]!;
      if (stop !== null && c === stop) {
        i++;
        return out;
      }
      let part: string | null;
      if (c === "'") part = single();
      else if (c === '"') part = double();
      else if (c === '$') part = dollar();
      else {
        i++;
        if (c === esc) {
          if (i >= word.length) break;
          part = word[i++]!;
        } else part = c;
      }
      if (part === null) return null;
      out += part;
    }
    return stop === null ? out : null;
  }
  const value = stopOn(null);
  return value === null ? null : { value, unresolved };
}

/** BuildKit's parseWords (ENV/ARG arguments): split on blanks outside quotes, keeping quotes and
 * escapes in the words. */
export function parseWords(rest: string, esc = '\\'): string[] {
  const words: string[] = [];
  let word = '';
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let quote = '';
  let blankOK = false;
  for (let pos = 0; pos <= rest.length; pos++) {
    let ch = rest[pos] ?? '';
    if (phase === 'spaces') {
      if (pos === rest.length) break;
      if (/\s/.test(ch)) continue;
      phase = 'word';
    }
    if (pos === rest.length) {
      if (blankOK || word.length > 0) words.push(word);
      break;
    }
    if (phase === 'word') {
      if (/\s/.test(ch)) {
        phase = 'spaces';
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
      }
      if (ch === esc) {
        if (pos + 1 === rest.length) continue;
        word += ch;
        ch = rest[++pos]!;
      }
      word += ch;
      continue;
    }
    // in quote
    if (ch === quote) phase = 'word';
    if (ch === esc && quote !== "'") {
      if (pos + 1 === rest.length) {
        phase = 'word';
        continue;
      }
      word += ch;
      ch = rest[++pos]!;
    }
    word += ch;
  }
  return words;
}

/** `ENV a=b c=d` / legacy `ENV a b c` -> [name, raw value]. */
function envPairs(text: string, esc: string): [string, string][] {
  const words = parseWords(text, esc);
  if (words.length === 0) return [];
  if (!words[0]!.includes('=')) {
    const m = /^(\S+)\s*([\s\S]*)$/.exec(text.trim());
    return m ? [[m[1]!, m[2]!]] : [];
  }
  return words
    .filter((w) => w.includes('='))
    .map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]);
}

/** `ARG a=b c` -> [name, raw default or null]. */
function argPairs(text: string, esc: string): [string, string | null][] {
  return parseWords(text, esc).map((w) => {
    const eq = w.indexOf('=');
    return eq < 0 ? [w, null] : [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/** Docker's normalised image reference (`python:3.12` -> `docker.io/library/python:3.12`). */
export function normalizeImage(ref: string): string {
  let rest = ref;
  let digest = '';
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at);
    rest = rest.slice(0, at);
  }
  let tag = '';
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split('/');
  const first = parts[0]!;
  const hasDomain =
    parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let name = rest;
  if (!hasDomain) name = parts.length === 1 ? `docker.io/library/${rest}` : `docker.io/${rest}`;
  if (!tag && !digest) tag = ':latest';
  return name + tag + digest;
}

// ---------------------------------------------------------------------------------------------
// Paths

function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

function joinAbs(dir: string, rest: string): string {
  const d = trimSlash(dir);
  if (rest === '') return d;
  return d === '/' ? `/${rest}` : `${d}/${rest}`;
}

/** True when a change at absolute path `p` (null: anywhere) can touch what is at `pattern`
 * (absolute, may be a glob): one holds the other. */
export function overlaps(p: string | null, pattern: string): boolean {
  if (p === null) return true;
  const a = trimSlash(p);
  const q = trimSlash(pattern);
  if (a === '/' || q === '/') return true;
  if (!hasGlob(q)) return a === q || a.startsWith(q + '/') || q.startsWith(a + '/');
  if (sourceMatcher(q.slice(1))(a.slice(1))) return true;
  const comps = q.split('/');
  const firstGlob = comps.findIndex((c) => hasGlob(c));
  const literal = comps.slice(0, firstGlob).join('/') || '/';
  return (
    literal === a || literal.startsWith(a === '/' ? '/' : a + '/') || a.startsWith(literal + '/')
  );
}

/** Where a COPY puts a context file (candidates: a single-file source may land on the
 * destination itself or inside it when it is an existing directory); null when unresolvable. */
function targetsOf(
  dest: string | null,
  source: string | null,
  file: string,
  multi: boolean,
  isDir: (p: string) => boolean | null,
): string[] | null {
  if (dest === null || source === null) return null;
  const dirForm = dest.endsWith('/') || multi;
  const d = trimSlash(dest);
  const base = file.slice(file.lastIndexOf('/') + 1);
  const asFile = () => (dirForm ? [joinAbs(d, base)] : [d, joinAbs(d, base)]);
  if (source === '') return [joinAbs(d, file)];
  if (!hasGlob(source)) {
    if (file === source) return isDir(source) === true ? null : asFile();
    if (file.startsWith(source + '/')) return [joinAbs(d, file.slice(source.length + 1))];
    return null;
  }
  const m = globRoot(globToRegExp(source), file);
  if (m === null) return null;
  return m === file ? asFile() : [joinAbs(d, file.slice(m.length + 1))];
}

/** The path in a `COPY --from` source stage that holds what lands at `query` (exact: the mapping
 * is one to one), or null when the copy puts nothing there. */
function mapThrough(
  src: string,
  dest: string,
  query: string,
): { path: string; exact: boolean } | null {
  const d = trimSlash(dest);
  if (hasGlob(query) || hasGlob(src))
    return overlaps(d, query) ? { path: src, exact: false } : null;
  const q = trimSlash(query);
  if (q === d || q.startsWith(d === '/' ? '/' : d + '/')) {
    const rest = q.slice(d === '/' ? 0 : d.length);
    if (rest === '' || rest === '/') return { path: src, exact: true };
    const first = rest.split('/')[1];
    const srcBase = trimSlash(src).slice(trimSlash(src).lastIndexOf('/') + 1);
    if (dest.endsWith('/') && first === srcBase) return { path: src, exact: false };
    return { path: joinAbs(src, rest.slice(1)), exact: true };
  }
  if (d.startsWith(q === '/' ? '/' : q + '/')) return { path: src, exact: true };
  return null;
}

// ---------------------------------------------------------------------------------------------
// The model

interface StageState {
  env: Map<string, string>;
  shell: string[];
  user: string | null;
  /** Absolute, or null for the base image's (unknown) working directory. */
  workdir: string | null;
}

interface Internal {
  /** RUN/COPY: own inputs besides the parent (for keys). */
  local: unknown;
  /** Context sources with their resolved info, per source (parallel to step.sources). */
  ctxSources: { source: StepSource; mount: boolean }[];
  /** COPY --from / mount from: [stage, absolute path] read. */
  reads: [number, string | null][];
  /** WORKDIR: resolved path (null: unknown). */
  workdir?: string | null;
  /** Number of COPY sources (destination is a directory when > 1). */
  multi: boolean;
}

function stageRef(
  model: DockerfileModel,
  names: Map<string, number>,
  ref: string,
  allowIndex: boolean,
): number | null {
  const byName = names.get(ref.toLowerCase());
  if (byName !== undefined) return byName;
  if (allowIndex && /^\d+$/.test(ref) && Number(ref) < model.stages.length) return Number(ref);
  return null;
}

/** Build the cache model of a Dockerfile over a build context. */
export function buildCacheModel(
  model: DockerfileModel,
  ctx: BuildContext,
  options: CacheModelOptions = {},
): CacheModel {
  const ignore = loadIgnore(ctx);
  const buildArgs = new Map(Object.entries(options.buildArgs ?? {}));
  const esc = model.escapeChar;
  const names = new Map<string, number>();
  for (const s of model.stages) if (s.name) names.set(s.name.toLowerCase(), s.index);

  // Global ARGs (before the first FROM): usable in FROM lines and re-declared ARGs.
  const meta = new Map<string, string | null>();
  for (const instr of model.instructions) {
    if (instr.stage >= 0) break;
    if (instr.keyword !== 'ARG') continue;
    for (const [k, raw] of argPairs(instr.logical.text, esc)) {
      const known = new Map([...meta].filter((e): e is [string, string] => e[1] !== null));
      const value = buildArgs.has(k)
        ? buildArgs.get(k)!
        : raw === null
          ? null
          : (processWord(raw, known, { escape: esc })?.value ?? raw);
      meta.set(k, value);
    }
  }
  const metaKnown = new Map([...meta].filter((e): e is [string, string] => e[1] !== null));

  // Stages: base image or base stage (BuildKit matches the expanded name against earlier stages).
  const stages: CacheStage[] = model.stages.map((s) => {
    const image = processWord(s.image, metaKnown, { escape: esc })?.value ?? s.image;
    const base = model.stages.find(
      (o) => o.index < s.index && o.name !== null && o.name.toLowerCase() === image,
    );
    return {
      index: s.index,
      name: s.name,
      steps: [],
      built: false,
      display: '',
      total: 0,
      base: base ? base.index : null,
      image: base ? null : image,
    };
  });

  // Hidden stages (COPY --from=<image>, cache mounts) and dependencies, for names and targets.
  let hidden = 0;
  const deps = stages.map(() => new Set<number>());
  for (const instr of model.instructions) {
    if (instr.stage < 0) continue;
    if (instr.keyword === 'COPY' || instr.keyword === 'ADD') {
      const from = instr.flags.find((f) => f.name === 'from')?.value;
      if (from) {
        const idx = stageRef(model, names, from, true);
        if (idx === null) hidden++;
        else deps[instr.stage]!.add(idx);
      }
    } else if (instr.keyword === 'RUN') {
      for (const f of instr.flags) {
        if (f.name !== 'mount') continue;
        const type = f.options.type ?? 'bind';
        let from = f.options.from ?? '';
        if (!from && type === 'cache') from = 'scratch';
        if (!from || type === 'tmpfs') continue;
        const idx = stageRef(model, names, from, false);
        if (idx === null) hidden++;
        else deps[instr.stage]!.add(idx);
      }
    }
  }
  const single = stages.length + hidden === 1;
  for (const s of stages) {
    s.display = single ? '' : s.name ? s.name.toLowerCase() : `stage-${s.index}`;
    if (s.base !== null) deps[s.index]!.add(s.base);
  }
  let target = stages.length - 1;
  if (options.target !== undefined) {
    const t = stages.find(
      (s) => s.name !== null && s.name.toLowerCase() === options.target!.toLowerCase(),
    );
    if (!t) throw new TargetError(`target stage "${options.target}" could not be found`);
    target = t.index;
  }
  const visit = (i: number) => {
    const s = stages[i];
    if (!s || s.built) return;
    s.built = true;
    for (const d of deps[i]!) visit(d);
  };
  visit(target);

  // Context files and their content hashes.
  const fileHash = new Map<string, string>();
  const sizes = new Map<string, number>();
  if (ctx.available) for (const e of ctx.walk()) if (!e.isDirectory) sizes.set(e.path, e.size);
  const hashFile = (p: string): string => {
    let h = fileHash.get(p);
    if (h === undefined) {
      const content = ctx.readFile(p);
      h = sha([content ?? `<binary ${sizes.get(p) ?? 0}>`]);
      fileHash.set(p, h);
    }
    return h;
  };
  const isDir = (p: string): boolean | null => (ctx.available ? ctx.isDirectory(p) : null);
  const resolveSource = (raw: string, expanded: string | null): StepSource => {
    const path = expanded === null ? null : cleanRelative(expanded);
    let files: string[] | null = null;
    if (path !== null && ctx.available) {
      files = (matchSource(ctx, path) ?? []).filter((f) => !ignore.ignores(f)).sort();
    }
    return { raw, path, files };
  };

  // Steps, in file order; per-stage state walks with them (a base stage is always earlier).
  const steps: CacheStep[] = [];
  const internals: Internal[] = [];
  const byInstruction = new Map<number, number>();
  const finalState: StageState[] = [];
  let state: StageState = { env: new Map(), shell: ['/bin/sh', '-c'], user: null, workdir: null };
  let counter = 0;
  const word = (raw: string, opts: WordOptions = {}) =>
    processWord(raw, state.env, { escape: esc, ...opts });
  const expandKnown = (raw: string): string | null => {
    const r = word(raw);
    return r === null || r.unresolved ? null : r.value;
  };

  for (const instr of model.instructions) {
    if (instr.stage < 0) continue;
    const cstage = stages[instr.stage]!;
    if (instr.keyword === 'FROM') {
      const base = cstage.base;
      state =
        base !== null && finalState[base]
          ? cloneState(finalState[base]!)
          : { env: new Map(), shell: ['/bin/sh', '-c'], user: null, workdir: null };
      counter = 0;
      cstage.total =
        (cstage.base === null && cstage.image !== 'scratch' ? 1 : 0) +
        model.instructions.filter((i) => i.stage === instr.stage && REAL.has(i.keyword)).length;
    }
    const internal: Internal = { local: null, ctxSources: [], reads: [], multi: false };
    const sources: StepSource[] = [];
    const stageEdges: number[] = [];
    let kind: StepKind = 'meta';
    let real = false;
    let copy: CopyInfo | undefined;
    const envBefore = new Map(state.env);
    const prev = cstage.steps[cstage.steps.length - 1];
    const parent = instr.keyword === 'FROM' || prev === undefined ? null : steps[prev]!.instruction;

    switch (instr.keyword) {
      case 'FROM':
        kind = 'from';
        if (cstage.base !== null) stageEdges.push(cstage.base);
        real = cstage.base === null && cstage.image !== 'scratch';
        break;
      case 'ARG':
        for (const [k, raw] of argPairs(instr.logical.text, esc)) {
          let value: string | null = null;
          if (buildArgs.has(k)) value = buildArgs.get(k)!;
          else if (raw !== null) value = word(raw, { skipUnset: true })?.value ?? raw;
          else if (meta.has(k)) value = meta.get(k)!;
          if (value !== null) state.env.set(k, value);
        }
        break;
      case 'ENV': {
        const pairs = envPairs(instr.logical.text, esc);
        const values = pairs.map(([, raw]) => word(raw, { skipUnset: true })?.value ?? raw);
        pairs.forEach(([k], i) => state.env.set(k, values[i]!));
        break;
      }
      case 'USER':
        state.user =
          word(instr.logical.text.trim(), { skipUnset: true })?.value ?? instr.logical.text.trim();
        break;
      case 'SHELL':
        if (instr.json) state.shell = instr.json;
        break;
      case 'WORKDIR': {
        const raw =
          word(instr.logical.text.trim(), { skipUnset: true })?.value ?? instr.logical.text.trim();
        let wd: string | null;
        if (raw.startsWith('/')) wd = normalizePosix(raw);
        else wd = state.workdir === null ? null : normalizePosix(`${state.workdir}/${raw}`);
        state.workdir = wd;
        internal.workdir = wd;
        kind = 'workdir';
        real = wd !== '/';
        internal.local = ['WORKDIR', wd ?? `<image workdir>/${raw}`, state.user];
        break;
      }
      case 'RUN': {
        kind = 'run';
        real = true;
        const mounts: unknown[] = [];
        for (const f of instr.flags) {
          if (f.name !== 'mount') continue;
          const type = f.options.type ?? 'bind';
          mounts.push(Object.entries(f.options).sort());
          if (type !== 'bind') continue;
          const src = f.options.source ?? f.options.src ?? '.';
          if (f.options.from) {
            const idx = stageRef(model, names, f.options.from, false);
            if (idx !== null) {
              stageEdges.push(idx);
              internal.reads.push([idx, normalizePosix('/' + src)]);
            }
          } else {
            const s = resolveSource(src, src);
            sources.push(s);
            internal.ctxSources.push({ source: s, mount: true });
          }
        }
        internal.local = [
          'RUN',
          instr.json ?? [
            ...state.shell,
            instr.logical.text,
            ...instr.heredocs.map((h) => h.content),
          ],
          [...state.env],
          state.workdir,
          state.user,
          instr.flags.filter((f) => f.name !== 'mount').map((f) => [f.name, f.value]),
          mounts,
        ];
        break;
      }
      case 'COPY':
      case 'ADD': {
        kind = 'copy';
        real = true;
        const spec = copySpec(model, instr);
        if (!spec || spec.heredoc) {
          internal.local = [instr.keyword, instr.logical.text];
          break;
        }
        const rawDest = spec.dest.value ?? spec.dest.raw;
        const destWord = instr.json ? expandKnown(rawDest) : expandKnown(spec.dest.raw);
        let dest: string | null = null;
        if (destWord !== null) {
          const dirForm = destWord === '.' || destWord === '' || destWord.endsWith('/');
          let abs: string | null;
          if (destWord.startsWith('/')) abs = normalizePosix(destWord);
          else abs = state.workdir === null ? null : normalizePosix(`${state.workdir}/${destWord}`);
          dest = abs === null ? null : dirForm && abs !== '/' ? abs + '/' : abs;
        }
        const from = spec.from;
        const fromStage = from === null ? null : stageRef(model, names, from, true);
        copy = {
          fromStage,
          fromImage: from !== null && fromStage === null ? from : null,
          dest,
          stagePaths: [],
        };
        internal.multi = spec.sources.length > 1;
        const srcValues = spec.sources.map((w) =>
          instr.json ? expandKnown(w.value ?? w.raw) : expandKnown(w.raw),
        );
        if (fromStage !== null) {
          stageEdges.push(fromStage);
          for (const v of srcValues) {
            const p = v === null ? null : normalizePosix('/' + v);
            copy.stagePaths.push(p);
            internal.reads.push([fromStage, p]);
          }
        } else if (from === null) {
          spec.sources.forEach((w, i) => {
            const v = srcValues[i]!;
            if (v !== null && /^[a-z][a-z0-9+.-]*:\/\/|^git@/i.test(v)) return;
            const s = resolveSource(w.raw, v);
            sources.push(s);
            internal.ctxSources.push({ source: s, mount: false });
          });
        }
        internal.local = [
          instr.keyword,
          srcValues,
          dest ?? `<unresolved>${rawDest}`,
          instr.flags.map((f) => [f.name, f.value]),
        ];
        break;
      }
      default:
        break;
    }

    let buildkit: BuildkitLabel | null = null;
    if (real) {
      counter++;
      const width = String(cstage.total).length;
      const label = `${cstage.display ? cstage.display + ' ' : ''}${String(counter).padStart(width)}/${cstage.total}`;
      const shown =
        instr.keyword === 'FROM'
          ? `FROM ${normalizeImage(cstage.image!)}`
          : stepName(model, instr, envBefore, esc);
      buildkit = {
        stage: cstage.display,
        index: counter,
        total: cstage.total,
        label,
        prefix: `[${label}]`,
        name: `[${label}] ${shown}`,
      };
    }
    const step: CacheStep = {
      instruction: instr.index,
      stage: instr.stage,
      keyword: instr.keyword,
      kind,
      parent,
      text: model.expand(instr.logical.text, instr.index) ?? instr.logical.text,
      vars: [...state.env.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
      sources,
      stageEdges,
      key: '',
      buildkit,
      built: cstage.built,
      ...(copy ? { copy } : {}),
    };
    if (kind === 'run')
      step.vars = [...envBefore.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    byInstruction.set(instr.index, steps.length);
    cstage.steps.push(steps.length);
    steps.push(step);
    internals.push(internal);
    finalState[instr.stage] = state;
  }

  const stepAt = (i: number) => steps[i]!;
  const internalOf = (s: CacheStep) => internals[byInstruction.get(s.instruction)!]!;

  /** The steps whose results make up a stage's filesystem: its base stages' and its own. */
  const chainOf = (stage: number): CacheStep[] => {
    const s = stages[stage]!;
    const own = s.steps.map(stepAt);
    return s.base !== null ? [...chainOf(s.base), ...own] : own;
  };

  const fileSets = new Map<StepSource, Set<string>>();
  const hasFile = (source: StepSource, file: string): boolean => {
    let set = fileSets.get(source);
    if (!set) fileSets.set(source, (set = new Set(source.files ?? [])));
    return set.has(file);
  };

  /** Which COPY source a context file goes through, and where it lands. */
  const landing = (step: CacheStep, file: string): string[] | null | undefined => {
    const internal = internalOf(step);
    for (const { source, mount } of internal.ctxSources) {
      if (mount) continue;
      const takes =
        source.files !== null
          ? hasFile(source, file) ||
            (!ctx.exists(file) && source.path !== null && sourceMatcher(source.path)(file))
          : source.path !== null && sourceMatcher(source.path)(file);
      if (!takes) continue;
      return targetsOf(step.copy?.dest ?? null, source.path, file, internal.multi, isDir);
    }
    return undefined;
  };

  // Keys, stage by stage in dependency order (COPY --from may name a later stage); computed on
  // first use (they read every copied file; `rerun` does not need them).
  const keys: string[] = steps.map(() => '');
  const keyDone = new Set<number>();
  const keyInProgress = new Set<number>();
  let keysReady = false;
  const ensureKeys = () => {
    if (keysReady) return;
    keysReady = true;
    for (const s of stages) computeKeys(s.index);
  };
  const keyOf = (step: CacheStep) => keys[byInstruction.get(step.instruction)!]!;
  const contentMemo = new Map<string, string>();
  const contentKey = (stage: number, query: string): string => {
    const memo = `${stage}\u0000${query}`;
    const hit = contentMemo.get(memo);
    if (hit !== undefined) return hit;
    computeKeys(stage);
    const parts: unknown[] = [];
    for (const step of chainOf(stage)) {
      const internal = internalOf(step);
      if (step.kind === 'from') {
        if (stages[step.stage]!.base === null) parts.push(['image', keyOf(step)]);
      } else if (step.kind === 'run') parts.push(['run', keyOf(step)]);
      else if (step.kind === 'workdir') {
        if (overlaps(internal.workdir ?? null, query)) parts.push(['wd', internal.local]);
      } else if (step.kind === 'copy' && step.copy) {
        const c = step.copy;
        if (c.fromStage !== null) {
          c.stagePaths.forEach((src, i) => {
            if (src === null || c.dest === null) {
              parts.push([
                'from-own',
                i,
                internal.local,
                src === null ? null : contentKey(c.fromStage!, src),
              ]);
              return;
            }
            const m = mapThrough(src, c.dest, query);
            if (m) parts.push(['from', i, internal.local, contentKey(c.fromStage!, m.path)]);
          });
        } else {
          for (const { source, mount } of internal.ctxSources) {
            if (mount) continue;
            if (source.files === null) {
              parts.push(['copy-own', internal.local, source.raw]);
              continue;
            }
            for (const f of source.files) {
              const t = targetsOf(c.dest, source.path, f, internal.multi, isDir);
              if (t === null) parts.push(['copy-own', f, hashFile(f)]);
              else if (t.some((x) => overlaps(x, query))) parts.push([t, hashFile(f)]);
            }
          }
          if (c.dest === null || overlaps(c.dest, query)) parts.push(['copy', internal.local]);
        }
      } else if (step.kind === 'copy') parts.push(['copy', internal.local]);
    }
    const key = sha(parts);
    contentMemo.set(memo, key);
    return key;
  };
  function computeKeys(stage: number): void {
    if (keyDone.has(stage) || keyInProgress.has(stage)) return;
    keyInProgress.add(stage);
    for (const d of deps[stage]!) computeKeys(d);
    const s = stages[stage]!;
    let parentKey = '';
    for (const at of s.steps) {
      const step = steps[at]!;
      const internal = internals[at]!;
      let key: string;
      if (step.kind === 'from') {
        if (s.base !== null) {
          const b = stages[s.base]!;
          key = sha(['from-stage', b.steps.length ? keys[b.steps[b.steps.length - 1]!]! : '']);
        } else key = sha(['from', s.image]);
      } else if (step.kind === 'meta' || (step.kind === 'workdir' && !step.buildkit)) {
        key = sha(['meta', parentKey]);
      } else {
        const content = internal.ctxSources.map(({ source }) =>
          source.files === null
            ? [source.raw, null]
            : [source.path, source.files.map((f) => [f, hashFile(f)])],
        );
        const reads = internal.reads.map(([st, p]) =>
          p === null ? [st, null] : contentKey(st, p),
        );
        key = sha([parentKey, internal.local, content, reads]);
      }
      keys[at] = key;
      parentKey = key;
    }
    keyDone.add(stage);
    keyInProgress.delete(stage);
  }
  steps.forEach((step, i) =>
    Object.defineProperty(step, 'key', {
      enumerable: true,
      get: () => {
        ensureKeys();
        return keys[i]!;
      },
    }),
  );

  const takes = (step: CacheStep, path: string): boolean => {
    const clean = cleanRelative(path);
    if (clean === null || ignore.ignores(clean)) return false;
    return step.sources.some((s) => {
      if (s.files !== null)
        return (
          hasFile(s, clean) ||
          (!ctx.exists(clean) && s.path !== null && sourceMatcher(s.path)(clean))
        );
      return s.path !== null && sourceMatcher(s.path)(clean);
    });
  };

  /** 0 = cached, 1 = maybe, 2 = certain, per step (by index), for an edit of `path`. */
  const statusOf = (path: string) => {
    const clean = cleanRelative(path) ?? path;
    const level: number[] = steps.map(() => -1);
    const cause: Rerun['cause'][] = steps.map(() => 'parent');
    const origin: (number | null)[] = steps.map(() => null);
    const edgeMemo = new Map<string, number>();
    const done = new Set<number>();
    const edgeLevel = (stage: number, query: string): number => {
      const memo = `${stage}\u0000${query}`;
      const hit = edgeMemo.get(memo);
      if (hit !== undefined) return hit;
      runStage(stage);
      let lv = 0;
      for (const step of chainOf(stage)) {
        const st = level[byInstruction.get(step.instruction)!]!;
        if (st <= 0) continue;
        if (step.kind === 'run') lv = 1;
        else if (step.kind === 'copy' && step.copy) {
          const c = step.copy;
          if (c.fromStage !== null) {
            c.stagePaths.forEach((src) => {
              if (src === null || c.dest === null) {
                if (src === null || edgeLevel(c.fromStage!, src) > 0) lv = Math.max(lv, 1);
                return;
              }
              const m = mapThrough(src, c.dest, query);
              if (!m) return;
              const l = edgeLevel(c.fromStage!, m.path);
              lv = Math.max(lv, m.exact ? l : Math.min(l, 1));
            });
          } else if (takes(step, clean)) {
            const t = landing(step, clean);
            if (t === null || t === undefined) lv = Math.max(lv, 1);
            else if (t.some((x) => overlaps(x, query))) lv = Math.max(lv, t.length === 1 ? 2 : 1);
          }
        }
      }
      edgeMemo.set(memo, lv);
      return lv;
    };
    const running = new Set<number>();
    function runStage(stage: number): void {
      if (done.has(stage) || running.has(stage)) return;
      running.add(stage);
      for (const d of deps[stage]!) runStage(d);
      const s = stages[stage]!;
      let prev = 0;
      let prevOrigin: number | null = null;
      for (const at of s.steps) {
        const step = steps[at]!;
        const internal = internals[at]!;
        let lv = prev;
        let from: number | null = prevOrigin;
        let why: Rerun['cause'] = 'parent';
        if (step.kind === 'from') {
          from = null;
          if (s.base !== null) {
            runStage(s.base);
            const b = stages[s.base]!;
            const last = b.steps[b.steps.length - 1];
            lv = last === undefined ? 0 : Math.max(0, level[last]!);
            from = last === undefined ? null : origin[last]!;
          } else lv = 0;
        } else if (step.buildkit) {
          if (takes(step, clean)) {
            lv = 2;
            why = 'input';
          }
          for (const [st, p] of internal.reads) {
            const l = p === null ? 0 : edgeLevel(st, p);
            if (l > lv) {
              lv = l;
              why = 'stage';
              from = st;
            }
          }
        }
        level[at] = lv;
        cause[at] = why;
        origin[at] = lv === 1 ? from : null;
        prev = lv;
        prevOrigin = origin[at]!;
      }
      done.add(stage);
      running.delete(stage);
    }
    for (const s of stages) runStage(s.index);
    return { level, cause, origin };
  };

  return {
    steps,
    stages,
    ignore,
    target,
    stepOf: (i) => {
      const at = byInstruction.get(i);
      return at === undefined ? null : steps[at]!;
    },
    takes,
    rerunOnEdit: (path) => {
      const { level } = statusOf(path);
      return steps.filter((_, i) => level[i]! > 0);
    },
    rerun: (path) => {
      const { level, cause, origin } = statusOf(path);
      const out: Rerun[] = [];
      steps.forEach((step, i) => {
        if (level[i]! > 0 && step.buildkit && step.built)
          out.push({ step, certain: level[i] === 2, cause: cause[i]!, maybeFrom: origin[i]! });
      });
      return out;
    },
    contentKey: (stage, path) => {
      ensureKeys();
      return contentKey(stage, path);
    },
  };
}

function cloneState(s: StageState): StageState {
  return { env: new Map(s.env), shell: [...s.shell], user: s.user, workdir: s.workdir };
}

/** An instruction as written, continuations joined by BuildKit's rules; for a heredoc
 * instruction only its first line (what BuildKit prints as the step name). */
export function writtenText(model: DockerfileModel, instr: Instruction): string {
  const end = instr.heredocs.length
    ? model.lineStarts[instr.line + 1] !== undefined
      ? model.lineStarts[instr.line + 1]! - 1
      : instr.span.end
    : instr.span.end;
  return buildLogical(
    model.text,
    model.lineStarts,
    instr.span.start,
    end,
    model.escapeChar,
  ).text.replace(/\r$/, '');
}

/** The vertex name BuildKit gives a step: the instruction as written (continuations joined),
 * keyword upper-cased, variables expanded (RUN keeps quotes and unknown variables). */
function stepName(
  model: DockerfileModel,
  instr: Instruction,
  env: Map<string, string>,
  esc: string,
): string {
  const original = writtenText(model, instr);
  const sp = original.indexOf(' ');
  const upper =
    sp < 0 ? original.toUpperCase() : original.slice(0, sp).toUpperCase() + original.slice(sp);
  const isRun = instr.keyword === 'RUN';
  const r = processWord(upper, env, { rawQuotes: isRun, skipUnset: isRun, escape: esc });
  return r === null ? upper : r.value;
}
