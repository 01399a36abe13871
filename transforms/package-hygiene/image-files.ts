/**
 * package-hygiene: the files COPY/ADD from the build context put in the image before a RUN (in
 * its stage and the stages it builds on), with what .dockerignore keeps out: used to find
 * lockfiles, Yarn settings and the scripts a RUN runs. See docs/rules/package-hygiene.md.
 */
import { cleanRelative } from '../../src/context/context.js';
import { type IgnoreFile, loadIgnore } from '../../src/context/ignore.js';
import { joinImage } from '../../src/model/image-path.js';
import {
  copyDestination,
  copySpec,
  type CopySpec,
  globToRegExp,
  hasGlob,
  matchSource,
  mayCopyFromContext,
  sourceValue,
} from '../../src/toolkit/copy.js';
import { stageLineage } from '../../src/model/stages.js';
import { type Ctx, stageChain } from './context.js';

export interface ImageFiles {
  /** Image path -> context path of the files COPY/ADD put in place. */
  files: Map<string, string>;
  /** Image path -> context path of files a COPY names but .dockerignore keeps out. */
  ignored: Map<string, string>;
  /** Context paths a COPY/ADD takes (sent to the builder). */
  sent: Set<string>;
  /** Source words of every COPY/ADD from the context (as written, expanded). */
  sources: string[];
  /** COPY/ADD --from instructions (not followed). */
  fromCopies: number;
}

export function baseOf(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** What this module works out once per check (kept on its Ctx, dropped with it). */
interface ImageMemo {
  /** keyOf(i, inclusive) -> imageFiles */
  images: Map<number, ImageFiles>;
  /** keyOf(i, inclusive) -> contextCopies */
  copies: Map<number, readonly number[]>;
  /** the lists of contextCopies by their text (one array per list) */
  lists: Map<string, readonly number[]>;
  /** stage -> the instructions of the stage that copy from the context, in order */
  stageCopies: Map<number, readonly number[]>;
  /** the first instruction that copies from the context (undefined: not worked out yet) */
  firstCopy?: number;
  /** instruction -> its shape (undefined: not worked out yet) */
  shapes: (CopyShape | null | undefined)[];
  /** instruction -> its contribution (undefined: not worked out yet) */
  contributions: (CopyContribution | null | undefined)[];
}

/** (a field of the Ctx, not a WeakMap keyed by it: one lookup per question asked of this
 * module, and a WeakMap entry per check costs more than the check's own field) */
function memoOf(c: Ctx): ImageMemo {
  return (c.imageMemo ??= {
    images: new Map(),
    copies: new Map(),
    lists: new Map(),
    stageCopies: new Map(),
    shapes: [],
    contributions: [],
  }) as ImageMemo;
}

/** The files the context COPY/ADD instructions before instruction `i` (in its stage and the
 * stages it builds on) put in the image (with `inclusive`, instruction `i` too). COPY --from and
 * remote sources are not followed. */
export function imageFiles(c: Ctx, i: number, inclusive = false): ImageFiles {
  noteRead(c);
  // Asked once per later RUN and per script it runs: computed once per check and instruction.
  const memo = memoOf(c).images;
  const key = keyOf(i, inclusive);
  let hit = memo.get(key);
  if (!hit) memo.set(key, (hit = computeImageFiles(c, i, inclusive)));
  return hit;
}

/** The key of instruction `i` (with `inclusive`) in the memos (a number: no string per ask). */
const keyOf = (i: number, inclusive: boolean): number => 2 * i + (inclusive ? 1 : 0);

/**
 * The context file that the COPY/ADD instructions before instruction `i` (with `inclusive`, `i`
 * too) put at the first of the image paths `paths` where one puts any, or undefined: for each
 * path in turn, `imageFiles(c, i, inclusive).files.get(p)`, but only the copies that can put
 * something at `p` are worked out (each takes a walk of the context and a .dockerignore verdict
 * per file it takes). Asked for every command a later step runs (is it a script a COPY put on
 * the PATH?), where the answer is nearly always no.
 */
export function imageFileAt(
  c: Ctx,
  i: number,
  inclusive: boolean,
  paths: readonly string[],
): string | undefined {
  noteRead(c);
  const m = memoOf(c);
  const key = keyOf(i, inclusive);
  const all = m.images.get(key);
  if (all) {
    for (const p of paths) {
      const hit = all.files.get(p);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
  const copies = copiesOf(c, m, i, inclusive);
  for (const p of paths) {
    // The last copy that sets `p` (and is not kept out by .dockerignore) wins, as in imageFiles.
    for (let n = copies.length - 1; n >= 0; n--) {
      const j = copies[n]!;
      if (!mayPut(c, m.shapes[j]!, p)) continue;
      const hit = contributionOf(c, m, j)?.files().get(p);
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}

/** The instructions before `i` (with `inclusive`, `i` too; in its stage and the stages it builds
 * on) that copy from the context: none, and no image path can hold a context file. The same
 * list is the same array within a check. */
export function contextCopies(c: Ctx, i: number, inclusive: boolean): readonly number[] {
  noteRead(c);
  return copiesOf(c, memoOf(c), i, inclusive);
}

function copiesOf(c: Ctx, m: ImageMemo, i: number, inclusive: boolean): readonly number[] {
  // (before the first copy from the context, in any stage: none, without a lookup; the stages
  // an instruction builds on come before it, so every copy it sees comes before it too. Most
  // commands asked about run before any copy, or in a Dockerfile that copies nothing.)
  const first = (m.firstCopy ??= firstContextCopy(c, m));
  if (inclusive ? i < first : i <= first) return NO_COPIES;
  const key = keyOf(i, inclusive);
  let copies = m.copies.get(key);
  if (!copies) {
    const out: number[] = [];
    // (stageChain's stages, walked oldest first from stageLineage's list, without stageChain's
    // object per stage: asked once per check and instruction, for every later step and command)
    const chain = stageLineage(c.model, c.model.instructions[i]!.stage);
    for (let n = chain.length - 1; n >= 0; n--) {
      const stage = chain[n]!;
      const end = n > 0 ? stage.last : Math.min(stage.last, inclusive ? i : i - 1);
      for (const j of stageCopies(c, m, stage.index)) {
        if (j > end) break;
        out.push(j);
      }
    }
    const text = out.join(',');
    copies = m.lists.get(text);
    if (!copies) m.lists.set(text, (copies = out));
    m.copies.set(key, copies);
  }
  return copies;
}

const NO_COPIES: readonly number[] = Object.freeze([]);

/** The index of the first instruction that copies from the context (in any stage), or Infinity
 * (the shapes of the COPY/ADD instructions before it worked out). */
function firstContextCopy(c: Ctx, m: ImageMemo): number {
  const { instructions } = c.model;
  for (let j = 0; j < instructions.length; j++) {
    // (no call for an instruction that copies nothing: most of them)
    const k = instructions[j]!.keyword;
    if ((k === 'COPY' || k === 'ADD') && shapeOf(c, m, j)?.sources.length) return j;
  }
  return Infinity;
}

/** The instructions of stage `s` that copy from the context, in order (their shapes worked
 * out). */
function stageCopies(c: Ctx, m: ImageMemo, s: number): readonly number[] {
  let out = m.stageCopies.get(s);
  if (!out) {
    const stage = c.model.stages[s]!;
    const list: number[] = [];
    const { instructions } = c.model;
    for (let j = stage.first + 1; j <= stage.last; j++) {
      const k = instructions[j]!.keyword;
      if ((k === 'COPY' || k === 'ADD') && shapeOf(c, m, j)?.sources.length) list.push(j);
    }
    m.stageCopies.set(s, (out = list));
  }
  return out;
}

/** What decides where a COPY/ADD from the context puts its files (once per check and
 * instruction): its cleaned sources and its destination (worked out when first asked: the lists
 * of the copies from the context need the sources only, and most lists are never asked about a
 * path); null when it takes nothing from the context. */
interface CopyShape {
  spec: CopySpec;
  sources: { clean: string; glob: boolean }[];
  /** (undefined: not worked out yet; null: not known, so it puts nothing at any path asked) */
  target?: CopyTarget | null;
}

interface CopyTarget {
  dest: string;
  /** `dest/` (`/` for the root): what the paths below it start with */
  prefix: string;
  intoDir: boolean;
}

function targetOf(c: Ctx, shape: CopyShape): CopyTarget | null {
  if (shape.target === undefined) {
    const target = copyDestination(c.model, shape.spec);
    shape.target = target && {
      dest: target.dest,
      prefix: target.dest === '/' ? '/' : `${target.dest}/`,
      intoDir: target.intoDir,
    };
  }
  return shape.target;
}

/** The shape of instruction `j` (null: it copies nothing from the context), worked out once per
 * check. An instruction other than COPY/ADD, a `COPY --from` and a heredoc copy are null without
 * a CopySpec (the tests copySpec and computeShape make first): in most Dockerfiles the copies
 * before the first one from the context are all of them. */
function shapeOf(c: Ctx, m: ImageMemo, j: number): CopyShape | null {
  let shape = m.shapes[j];
  if (shape === undefined) {
    m.shapes[j] = shape = mayCopyFromContext(c.model.instructions[j]!) ? computeShape(c, j) : null;
  }
  return shape;
}

function computeShape(c: Ctx, j: number): CopyShape | null {
  const { model } = c;
  const spec = copySpec(model, model.instructions[j]!);
  if (!spec || spec.from !== null || spec.heredoc) return null;
  // (asked only for a copy from the context: a check that meets none never looks at it)
  if (!c.check.buildContext.available) return null;
  const sources: CopyShape['sources'] = [];
  for (const w of spec.sources) {
    const v = sourceValue(model, spec, w);
    if (v === null || /^[a-z][a-z0-9+.-]*:\/\//i.test(v)) continue;
    const clean = cleanRelative(v);
    if (clean !== null) sources.push({ clean, glob: hasGlob(clean) });
  }
  return { spec, sources };
}

/**
 * False when COPY/ADD `j` cannot put a context file at image path `p` (see computeContribution):
 * its targets are its destination or paths below it, a context file `f` taken by a literal
 * source `s` lands at `dest/<f below s>` (a file source also at `dest/<name>`, and at `dest`
 * itself when not copied into a folder), and a file the copy takes is in the context. Glob
 * sources are only ruled out by the destination. True means "maybe": the caller works it out.
 */
function mayPut(c: Ctx, shape: CopyShape, p: string): boolean {
  const target = targetOf(c, shape);
  if (target === null) return false;
  const { dest, prefix, intoDir } = target;
  const rel = p.length > prefix.length && p.startsWith(prefix) ? p.slice(prefix.length) : null;
  if (rel === null && p !== dest) return false;
  const ctx = c.check.buildContext;
  for (const { clean, glob } of shape.sources) {
    if (glob) return true;
    if (clean === '') {
      if (rel !== null && ctx.exists(rel)) return true;
      continue;
    }
    if (((p === dest && !intoDir) || rel === baseOf(clean)) && ctx.exists(clean)) return true;
    if (rel !== null && ctx.exists(`${clean}/${rel}`)) return true;
  }
  return false;
}

/** What one COPY/ADD from the context contributes (computed once per check and instruction). */
interface CopyContribution {
  fromCopy: boolean;
  sources: string[];
  /** [image path, context path, kept out by .dockerignore], in the order they are set. */
  entries: [string, string, boolean][];
  /** Image path -> context path of the entries not kept out (the last one of a path wins). */
  files(): Map<string, string>;
}

function contributionOf(c: Ctx, m: ImageMemo, j: number): CopyContribution | null {
  let out = m.contributions[j];
  if (out === undefined) m.contributions[j] = out = computeContribution(c, j);
  return out;
}

function computeContribution(c: Ctx, j: number): CopyContribution | null {
  const { model } = c;
  const ctx = c.check.buildContext;
  const spec = copySpec(model, model.instructions[j]!);
  if (!spec) return null;
  let files: Map<string, string> | null = null;
  const out: CopyContribution = {
    fromCopy: spec.from != null,
    sources: [],
    entries: [],
    files: () => {
      if (!files) {
        files = new Map();
        for (const [t, f, ignored] of out.entries) if (!ignored) files.set(t, f);
      }
      return files;
    },
  };
  if (spec.from !== null || spec.heredoc) return out;
  const target = copyDestination(model, spec);
  if (!target) return out;
  const ignore = ignoreOf(c);
  const { dest, intoDir } = target;
  const excludes = spec.flags
    .filter((f) => f.name === 'exclude' && f.value)
    .map((f) => globToRegExp(cleanRelative(f.value!) ?? f.value!));
  for (const w of spec.sources) {
    const v = sourceValue(model, spec, w);
    if (v === null || /^[a-z][a-z0-9+.-]*:\/\//i.test(v)) continue;
    out.sources.push(v);
    const clean = cleanRelative(v);
    if (clean === null || !ctx.available) continue;
    const re = hasGlob(clean) ? globToRegExp(clean) : null;
    for (const f of matchSource(ctx, clean) ?? []) {
      let rel: string;
      if (clean === '') rel = f;
      else if (f === clean || (re && re.test(f))) rel = baseOf(f);
      else if (f.startsWith(clean + '/')) rel = f.slice(clean.length + 1);
      else {
        // Inside a folder a glob matched: the folder's content lands in dest.
        const parts = f.split('/');
        let k = 1;
        while (k < parts.length && !re?.test(parts.slice(0, k).join('/'))) k++;
        rel = parts.slice(k).join('/');
      }
      if (excludes.some((x) => x.test(f) || x.test(rel) || x.test(baseOf(f)))) continue;
      const targets =
        f === clean && !intoDir ? [dest, joinImage(dest, baseOf(f))] : [joinImage(dest, rel)];
      const ignored = ignore.ignores(f);
      for (const t of targets) out.entries.push([t, f, ignored]);
    }
  }
  return out;
}

function computeImageFiles(c: Ctx, i: number, inclusive: boolean): ImageFiles {
  const { model } = c;
  const m = memoOf(c);
  const out: ImageFiles = {
    files: new Map(),
    ignored: new Map(),
    sent: new Set(),
    sources: [],
    fromCopies: 0,
  };
  for (const { stage, upTo } of stageChain(model, i))
    for (let j = stage.first + 1; j <= Math.min(stage.last, inclusive ? upTo : upTo - 1); j++) {
      const k = contributionOf(c, m, j);
      if (!k) continue;
      if (k.fromCopy) out.fromCopies++;
      out.sources.push(...k.sources);
      for (const [t, f, ignored] of k.entries) {
        if (ignored) out.ignored.set(t, f);
        else {
          out.sent.add(f);
          out.files.set(t, f);
        }
      }
    }
  return out;
}

export function ignoreOf(c: Ctx): IgnoreFile {
  const ctx = c.check.buildContext;
  c.ignore ??= loadIgnore(ctx);
  return c.ignore;
}

/** What this module answers comes from the context, also when a per-check memo holds it: each
 * answer reads `buildContext`, which a run that shares checks notes (outside a contextAnswer, a
 * read of the context, see api.ts CheckMemo). */
function noteRead(c: Ctx): void {
  void c.check.buildContext;
}
