/** COPY / ADD instructions: sources, destination, flags, and what they take from the context. */
import { normalizePosix } from '../model/dockerfile.js';
import type {
  BuildContext,
  ContextEntry,
  DockerfileModel,
  Flag,
  Instruction,
  WalkOptions,
  Word,
} from '../model/types.js';
import { cleanRelative, OverlayContext } from '../context/context.js';
import { loadIgnore, type IgnoreFile, type IgnoreMatcher } from '../context/ignore.js';
import { imageWorkdir, joinImage } from '../model/image-path.js';

export interface CopySpec {
  instr: Instruction;
  keyword: 'COPY' | 'ADD';
  /** Source words (for the JSON form, spans cover the JSON strings). */
  sources: Word[];
  dest: Word;
  /** `--from=` value (stage name, index or image), or null when copying from the context. */
  from: string | null;
  flags: Flag[];
  /** `COPY <<EOF /dst`: inline content, nothing from the context. */
  heredoc: boolean;
}

/** Decompose a COPY/ADD; null for other instructions or a malformed one. */
export function copySpec(model: DockerfileModel, instr: Instruction): CopySpec | null {
  if (instr.keyword !== 'COPY' && instr.keyword !== 'ADD') return null;
  let words: Word[];
  if (instr.json) {
    words = jsonWords(model.text, instr);
    if (words.length !== instr.json.length) return null;
  } else words = instr.args;
  if (words.length < 2) return null;
  const from = copyFrom(instr);
  return {
    instr,
    keyword: instr.keyword,
    sources: words.slice(0, -1),
    dest: words[words.length - 1]!,
    from,
    flags: instr.flags,
    heredoc: instr.heredocs.length > 0,
  };
}

/** The `--from` of a COPY/ADD (an image or stage), null when it has none. */
export function copyFrom(instr: Instruction): string | null {
  return instr.flags.find((f) => f.name === 'from')?.value ?? null;
}

/** Whether a COPY/ADD may take files from the build context: no `--from`, no heredoc (the
 * tests `copySpec`'s users make on its `from` and `heredoc`, without decomposing it). */
export function mayCopyFromContext(instr: Instruction): boolean {
  return (
    (instr.keyword === 'COPY' || instr.keyword === 'ADD') &&
    instr.heredocs.length === 0 &&
    copyFrom(instr) === null
  );
}

/** The strings of a JSON-form instruction with their source spans. */
export function jsonWords(text: string, instr: Instruction): Word[] {
  const words: Word[] = [];
  const re = /"(?:[^"\\]|\\.)*"/g;
  const region = text.slice(instr.argsSpan.start, instr.argsSpan.end);
  let m: RegExpExecArray | null;
  while ((m = re.exec(region))) {
    let value: string | null;
    try {
      value = JSON.parse(m[0]) as string;
    } catch {
      value = null;
    }
    const start = instr.argsSpan.start + m.index;
    words.push({ raw: m[0], value, span: { start, end: start + m[0].length } });
  }
  return words;
}

/** True for a source that sends the whole context: `.`, `./`, `*`, `./*`. */
export function isWholeContext(source: string): boolean {
  const s = source.replace(/^\.\//, '').replace(/\/+$/, '');
  return s === '' || s === '.' || s === '*';
}

/** Resolve a COPY destination against the WORKDIR seen by the instruction. Null if unknown. */
export function resolveDest(model: DockerfileModel, spec: CopySpec): string | null {
  const raw = spec.dest.value ?? model.expand(spec.dest.raw, spec.instr.index);
  if (raw === null) return null;
  if (raw.startsWith('/'))
    return raw.endsWith('/') ? normalizePosix(raw) + '/' : normalizePosix(raw);
  const wd = model.workdirAt(spec.instr.index);
  if (wd === null) return null;
  const joined = normalizePosix(`${wd}/${raw}`);
  return raw.endsWith('/') || raw === '.' || raw === './'
    ? `${joined === '/' ? '' : joined}/`
    : joined;
}

/**
 * A COPY's destination in the image, resolved against the instruction's working directory (under
 * the IMAGE_WD placeholder when only relative WORKDIRs are set), and whether the sources land
 * inside it as a folder (`dir/`, `.`, several sources). Null when a variable or an unknown
 * WORKDIR leaves it open.
 */
export function copyDestination(
  model: DockerfileModel,
  spec: CopySpec,
): { dest: string; intoDir: boolean } | null {
  const i = spec.instr.index;
  const raw = spec.dest.value ?? model.expand(spec.dest.raw, i);
  if (raw === null) return null;
  const wd = raw.startsWith('/') ? '/' : imageWorkdir(model, i);
  if (wd === null) return null;
  return {
    dest: joinImage(wd, raw),
    intoDir: raw.endsWith('/') || raw === '.' || spec.sources.length > 1,
  };
}

/** Docker's path pattern match (filepath.Match per component, plus `**`). */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        re += '.*';
        i++;
        if (pattern[i + 1] === '/') i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        let cls = pattern.slice(i + 1, close);
        if (cls.startsWith('^') || cls.startsWith('!')) cls = '^' + cls.slice(1);
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else if (c === '\\' && i + 1 < pattern.length) {
      re += '\\' + pattern[++i];
    } else re += c.replace(/[.+^${}()|]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function hasGlob(s: string): boolean {
  return /[*?[]/.test(s);
}

/**
 * The entries of the context that the builder can be sent: a walk that does not enter a folder
 * the ignore file in force excludes as a whole (excluded itself, and no `!` pattern could take
 * anything below it back), such as a `node_modules` or `.git` with many thousand files. Files
 * excluded one by one, and folders a `!` pattern may reach into, are still listed: callers check
 * each file against the ignore file as before. Without an ignore file, the whole walk. Computed
 * once per session for the Dockerfiles of a context with the same ignore-file text. `ignore` is
 * the context's ignore file when the caller has it already (`loadIgnore(ctx)`, not loaded again).
 */
export function sentEntries(
  ctx: BuildContext,
  ignore: IgnoreFile = loadIgnore(ctx),
): ContextEntry[] {
  if (ignore.patterns.length === 0) return ctx.walk();
  return ctx.walk(sentWalk(ignore));
}

/** The walk options of `sentEntries` for an ignore file with patterns (once per pattern list). */
function sentWalk(ignore: IgnoreFile): WalkOptions {
  let walk = sentWalks.get(ignore.patterns);
  if (!walk) sentWalks.set(ignore.patterns, (walk = sentWalkOf(ignore)));
  return walk;
}

/** The walk options of `sentEntries` by pattern list (the lists parsedIgnore keeps, one per
 * ignore-file text): the negation prefixes and the walk key made once, not per check. Holds
 * only strings and the IgnoreFile's matcher, nothing of a model or context. */
const sentWalks = new WeakMap<readonly string[], WalkOptions>();

function sentWalkOf(ignore: IgnoreFile): WalkOptions {
  // The literal start of each `!` pattern (up to its first wildcard): a folder on its path, or
  // below it, may hold something re-included.
  const negations = ignore.patterns
    .filter((p) => p.startsWith('!'))
    .map((p) => {
      const body = cleanRelative(p.slice(1).trim()) ?? '';
      const g = body.search(/[*?[\\]/);
      return g < 0 ? body : body.slice(0, g);
    });
  const mayReinclude = (dir: string) =>
    negations.some(
      (lit) =>
        lit === '' || lit === dir || lit.startsWith(dir + '/') || (dir + '/').startsWith(lit),
    );
  const ignores = ignore.ignores;
  const key = `sent\0${ignore.patterns.join('\n')}`;
  // Without a `!` pattern the walk asks about a folder only once it entered the parent, which
  // the patterns do not ignore: the verdict on the folder's path alone (IgnoreMatcher's
  // inKeptFolder, the same answer), not balena's tests of every rule on its parent's prefixes.
  const inKept = negations.length === 0 ? (ignores as IgnoreMatcher).inKeptFolder : undefined;
  if (inKept) return { descend: (d) => !inKept(d.path), key };
  return { descend: (d) => mayReinclude(d.path) || !ignores(d.path), key };
}

/**
 * Context files a COPY source takes (a directory source takes everything below it; nothing in a
 * folder the ignore file excludes as a whole: see `sentEntries`). Paths are context-relative.
 * Null when the source cannot be resolved (variables) or there is no context.
 */
export function matchSource(ctx: BuildContext, source: string): string[] | null {
  if (!ctx.available) return null;
  const clean = cleanRelative(source);
  if (clean === null) return null;
  const ignore = loadIgnore(ctx);
  // A literal source that names a file or nothing: that file alone, from the listings of the
  // folders on its way (`COPY web/package.json .` walked the whole context for one file); a
  // folder, a glob and the root take the walk.
  const place = clean === '' || hasGlob(clean) ? 'walk' : sentPlace(ctx, ignore, clean);
  if (place === 'absent') return [];
  if (place === 'file') return [clean];
  const entries = sentEntries(ctx, ignore);
  // (one pass over the walk each, no intermediate lists)
  const out: string[] = [];
  if (clean === '') {
    for (const e of entries) if (!e.isDirectory) out.push(e.path);
    return out;
  }
  if (hasGlob(clean)) {
    const re = globToRegExp(clean);
    // (the same file taken through two matched roots, a folder and a file below it, once)
    const seen = new Set<string>();
    for (const r of entries) {
      if (!re.test(r.path)) continue;
      if (!r.isDirectory) {
        if (!seen.has(r.path)) (seen.add(r.path), out.push(r.path));
        continue;
      }
      const below = r.path + '/';
      for (const e of entries)
        if (!e.isDirectory && e.path.startsWith(below) && !seen.has(e.path))
          (seen.add(e.path), out.push(e.path));
    }
    return out;
  }
  const below = clean + '/';
  const slash = clean.lastIndexOf('/');
  const parent = slash < 0 ? '' : clean.slice(0, slash);
  const name = clean.slice(slash + 1);
  for (const e of entries) {
    if (e.isDirectory) continue;
    // (where a file is, from its folder's path when the walk gives it: a file's own path is
    // read only when taken, see ContextEntry.folder)
    const { folder } = e;
    if (
      folder === undefined
        ? e.path === clean || e.path.startsWith(below)
        : (folder === parent && e.name === name) || folder === clean || folder.startsWith(below)
    )
      out.push(e.path);
  }
  return out;
}

/**
 * Where the literal context path `clean` (not the root) stands in the walk `sentEntries` makes,
 * without making it: 'absent' when the walk holds nothing at or below it (a name a folder on its
 * way does not list, a folder on its way that is a file or a symbolic link, which the walk does
 * not follow, or one the walk does not enter), 'file' when the walk holds it as no folder, else
 * 'walk' (a folder: what is below it takes the walk). The listings are the walk's (`list` and
 * `isDirectory` tell what `walk` visits, symbolic links never followed); the pending files of an
 * overlay join a walk wherever they are, so a view with some takes the walk.
 */
function sentPlace(
  ctx: BuildContext,
  ignore: IgnoreFile,
  clean: string,
): 'absent' | 'file' | 'walk' {
  if (ctx instanceof OverlayContext && ctx.overlay.size > 0) return 'walk';
  const descend = ignore.patterns.length === 0 ? undefined : sentWalk(ignore).descend;
  for (let start = 0; ;) {
    const slash = clean.indexOf('/', start);
    const path = slash < 0 ? clean : clean.slice(0, slash);
    if (!ctx.list(start === 0 ? '' : clean.slice(0, start - 1)).includes(path.slice(start)))
      return 'absent';
    if (!ctx.isDirectory(path)) return slash < 0 ? 'file' : 'absent';
    if (slash < 0) return 'walk';
    // (the descent rules of sentWalkOf read a folder's path only)
    if (descend && !descend({ path, size: 0, isDirectory: true })) return 'absent';
    start = slash + 1;
  }
}

/** Expanded literal value of a source word, or null. */
export function sourceValue(model: DockerfileModel, spec: CopySpec, w: Word): string | null {
  return w.value ?? model.expand(w.raw, spec.instr.index);
}

/**
 * The shortest leading path of `file` that the COPY source pattern `re` (from `globToRegExp`)
 * matches: `file` itself when the glob matched the file (it lands in the destination by its
 * name), a folder above it when the glob matched that folder (its contents land in the
 * destination by their path inside it), or null when the glob takes nothing of `file`.
 */
export function globRoot(re: RegExp, file: string): string | null {
  const parts = file.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const m = parts.slice(0, i).join('/');
    if (re.test(m)) return m;
  }
  return null;
}
