/**
 * dependency-cache: the full copy and the manifest COPY.
 *
 * Which copy is the source copy (`fullCopy`, `sourceCopyFor`), the context files the installs read
 * (`manifests`), the COPY lines that put them in place, and whether any other path an install
 * reads is one only the full copy provides (`readsProblem`).
 * Rules and decisions: docs/rules/dependency-cache.md.
 */
import { cleanRelative } from '../../src/context/context.js';
import { IMAGE_WD, inImageWorkdir, joinImage } from '../../src/model/image-path.js';
import {
  copyDestination,
  copySpec,
  isWholeContext,
  matchSource,
  sourceValue,
  type CopySpec,
} from '../../src/toolkit/copy.js';
import type { BuildContext, DockerfileModel, Instruction } from '../../src/model/types.js';
import {
  type Read,
  type Install,
  type Env,
  imageDir,
  under,
  contextEntries,
  contextPath,
  inContext,
  base,
} from './env.js';
import { quotePath } from './text.js';

export interface FullCopy {
  spec: CopySpec;
  instr: Instruction;
  /** Raw source as written (for new source paths), cleaned context folder ('' = root). */
  srcRaw: string;
  srcDir: string;
  destDir: string;
}

export function fullCopy(
  model: DockerfileModel,
  ctx: BuildContext,
  instr: Instruction,
): FullCopy | null {
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
    // (a pattern first: `COPY package*.json ./` asks nothing of the context)
    if (clean === null || /[*?[]/.test(clean) || !ctx.available || !ctx.isDirectory(clean))
      return null;
    srcDir = clean;
  }
  const destDir = copyDestination(model, spec)?.dest;
  if (destDir === undefined) return null;
  const srcRaw = w.value !== null && isWholeContext(w.value) ? '' : w.raw.replace(/\/+$/, '');
  return { spec, instr, srcRaw, srcDir, destDir };
}

/**
 * Whether `copy` is the copy of the installs' sources, the one to move them above: the whole
 * context, or a folder holding one of their manifests (`COPY backend/ /srv/backend`). A copy of
 * tool or config files (`COPY .yarn ./.yarn`, `COPY prisma ./prisma`) is not: the install may
 * need what it copies, and moving above it breaks the build. An install that is skipped anyway
 * and runs inside the copied folder counts too (to say why).
 */
export function sourceCopyFor(env: Env, installs: Install[]): boolean {
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
      for (const e of contextEntries(env)) {
        const rel = root === '' ? e.path : under(root, e.path);
        if (!e.isDirectory && rel && g.pattern.test(rel) && !env.ignore.ignores(e.path))
          return true;
      }
    }
  }
  return false;
}

export interface ManifestFile {
  /** Context-relative path, and the source text to write. */
  ctxPath: string;
  source: string;
  imagePath: string;
}

/**
 * Why the tool cannot check a manifest it would copy: a symlink (the tool does not follow it, so
 * what the install reads through it stays unseen) or a file that is not text. Binary lock files (`bun.lockb`) are fine.
 */
function unreadable(ctx: BuildContext, cp: string): string | null {
  if (/\.lockb$/.test(cp) || ctx.readFile(cp) !== null) return null;
  return `${cp} cannot be read as text (a symlink, an unreadable or a binary file): the tool cannot see what the install reads through it`;
}

/** The context files the installs read, grouped by target folder; or a reason to skip. */
export function manifests(
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
      if (inContext(env, cp)) {
        const why = unreadable(ctx, cp);
        if (why) return why;
        add(cp, need.path);
      } else if (need.required) {
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
      for (const e of contextEntries(env)) {
        if (e.isDirectory) continue;
        const rel =
          root === ''
            ? e.path
            : e.path.startsWith(root + '/')
              ? e.path.slice(root.length + 1)
              : null;
        if (rel === null || !g.pattern.test(rel) || env.ignore.ignores(e.path)) continue;
        if (/(^|\/)(bin|obj|node_modules)\//.test(rel)) continue;
        if (!/\.(jar|lockb|dll|exe|zip)$/.test(rel)) {
          const why = unreadable(ctx, e.path);
          if (why) return why;
        }
        add(e.path, joinImage(g.dir, rel));
      }
    }
  }
  return files;
}

export function ignore(env: Env, p: string): boolean {
  return env.ignore.ignores(p);
}

/** Image paths that earlier COPY instructions of the stage already put in place (-> context path). */
export function providedBefore(
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
export function copyLines(
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

/** Why a path the installs read or write keeps them after the full copy, or null. */
export function readsProblem(
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
export function shownImagePath(p: string): string {
  return inImageWorkdir(p) ? p.slice(IMAGE_WD.length).replace(/^\//, '') || '.' : p;
}

/**
 * Whether the full copy puts something at a path an install reads (or writes): files of the
 * build context (after .dockerignore) at or below it that are neither copied with the manifests
 * nor put there by an earlier COPY. Paths outside the copy's destination are unaffected by the
 * move; a path holding the destination is a problem (the copy adds to it).
 */
export function readProblem(
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
export function contextFiles(env: Env, cp: string): string[] {
  if (cp !== '' && !env.ctx.exists(cp)) return [];
  if (cp !== '' && !env.ctx.isDirectory(cp)) return env.ignore.ignores(cp) ? [] : [cp];
  const below = cp + '/';
  const out: string[] = [];
  for (const e of contextEntries(env))
    if (!e.isDirectory && (cp === '' || e.path.startsWith(below)) && !env.ignore.ignores(e.path))
      out.push(e.path);
  return out;
}
