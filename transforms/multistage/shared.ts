/**
 * Shared facts and helpers of the `multistage` transform: the analysis of the last stage, the
 * plan an ecosystem returns, the ecosystem table's type, command and path helpers.
 * Docs: docs/rules/multistage.md (the "Decisions" section holds the design notes).
 */
import { cleanRelative } from '../../src/context/context.js';
import {
  copySpec,
  globRoot,
  globToRegExp,
  hasGlob,
  isWholeContext,
  matchSource,
  resolveDest,
  sourceValue,
} from '../../src/toolkit/copy.js';
import { loadIgnore } from '../../src/context/ignore.js';
import { normalizePosix } from '../../src/model/dockerfile.js';
import { commandBase } from '../../src/model/shell.js';
import type {
  CheckContext,
  DockerfileModel,
  Edit,
  Instruction,
  SimpleCommand,
  Stage,
} from '../../src/model/types.js';
import { hubRepo, parseImageRef } from '../../src/model/image-ref.js';

export const ID = 'multistage';

type Eco = 'go' | 'node' | 'python' | 'java' | 'c' | 'dotnet' | 'rust';

/** Instructions that only describe how the image runs: they move to the runtime stage. */
export const RUNTIME_ONLY = new Set([
  'CMD',
  'ENTRYPOINT',
  'EXPOSE',
  'HEALTHCHECK',
  'STOPSIGNAL',
  'VOLUME',
  'USER',
]);
export const HOUSEKEEPING = new Set([
  'mkdir',
  'chmod',
  'chown',
  'ln',
  'touch',
  'useradd',
  'adduser',
  'groupadd',
  'addgroup',
]);
export const USER_COMMANDS = new Set(['useradd', 'adduser', 'groupadd', 'addgroup']);
/** Packages only a build needs. */
export const TOOLCHAIN = new Set([
  'build-essential',
  'build-base',
  'gcc',
  'g++',
  'make',
  'cmake',
  'clang',
  'pkg-config',
  'pkgconf',
  'autoconf',
  'automake',
  'libtool',
  'musl-dev',
  'linux-headers',
  'python3-dev',
  'python-dev',
  'libc6-dev',
  'libc-dev',
  'gfortran',
]);

// ---------------------------------------------------------------------------------------------
// Small helpers

export interface ImageRef {
  /** Repository path as written (without the registry for Docker Hub official images). */
  repo: string;
  tag: string;
}

/** The repository as Docker Hub names it and the tag (src/model/image-ref.ts parses). */
export function parseImage(image: string): ImageRef {
  return { repo: hubRepo(image), tag: parseImageRef(image).tag ?? '' };
}

export function cmdName(c: SimpleCommand): string | null {
  const v = c.name?.value;
  return v ? commandBase(v) : null;
}

export function argValues(c: SimpleCommand): (string | null)[] {
  return c.args.map((a) => a.value);
}

export function stageInstrs(model: DockerfileModel, stage: Stage): Instruction[] {
  return model.instructions.slice(stage.first, stage.last + 1);
}

/** Packages an apt/apk install command installs (versions stripped). */
export function installed(c: SimpleCommand): { mgr: 'apt' | 'apk'; pkgs: string[] } | null {
  const name = cmdName(c);
  const args = argValues(c);
  if ((name === 'apt-get' || name === 'apt') && args.includes('install')) {
    const after = args.slice(args.indexOf('install') + 1);
    return {
      mgr: 'apt',
      pkgs: after
        .filter((a): a is string => !!a && !a.startsWith('-'))
        .map((a) => a.split('=')[0]!),
    };
  }
  if (name === 'apk' && args[0] === 'add') {
    const pkgs: string[] = [];
    for (let i = 1; i < args.length; i++) {
      const a = args[i];
      if (!a) continue;
      if (a === '--virtual' || a === '-t' || a === '--repository' || a === '-X') {
        i++;
        continue;
      }
      if (a.startsWith('-')) continue;
      pkgs.push(a.split(/[=<>~]/)[0]!);
    }
    return { mgr: 'apk', pkgs };
  }
  return null;
}

export function removesPackages(c: SimpleCommand): boolean {
  const name = cmdName(c);
  const a0 = c.args[0]?.value;
  if (name === 'apt-get' || name === 'apt')
    return ['purge', 'remove', 'autoremove'].includes(a0 ?? '');
  if (name === 'apk') return a0 === 'del';
  return false;
}

export function isToolchain(pkg: string): boolean {
  return TOOLCHAIN.has(pkg) || /-(dev|devel)$/.test(pkg);
}

/** Absolute path of `p` as seen by instruction i (null when it depends on an unknown WORKDIR). */
export function absolute(model: DockerfileModel, p: string, i: number): string | null {
  if (p.startsWith('/')) return normalizePosix(p);
  const wd = model.workdirAt(i);
  if (wd === null) return null;
  return normalizePosix(`${wd}/${p}`);
}

export function wordValue(model: DockerfileModel, raw: string, value: string | null, i: number) {
  return value ?? model.expand(raw, i);
}

export function under(path: string, dir: string): boolean {
  return dir === '/' || path === dir || path.startsWith(dir + '/');
}

/** Destination for an artifact copied to the same absolute path, relative to WORKDIR if inside. */
export function destFor(abs: string, workdir: string | null, isDir: boolean): string {
  if (workdir && workdir !== '/' && under(abs, workdir) && abs !== workdir) {
    const rel = abs.slice(workdir.length + 1);
    if (isDir) return `./${rel}`;
    const dir = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/') + 1) : '';
    return `./${dir}`;
  }
  if (isDir) return abs;
  return abs.slice(0, abs.lastIndexOf('/') + 1) || '/';
}

/** The words of CMD/ENTRYPOINT (exec form values, or shell words). */
export function commandWords(model: DockerfileModel, instr: Instruction): string[] {
  if (instr.json) return instr.json.flatMap((w) => w.split(/\s+/).filter(Boolean));
  return instr.args.map((a) => wordValue(model, a.raw, a.value, instr.index) ?? a.raw);
}

export function stripJsonComments(s: string): string {
  return s.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:"])\/\/.*$/gm, '$1');
}

export function readJson(ctx: CheckContext, path: string): Record<string, unknown> | null {
  const text = ctx.buildContext.readFile(path);
  if (text === null) return null;
  try {
    const v: unknown = JSON.parse(stripJsonComments(text).replace(/,(\s*[}\]])/g, '$1'));
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Analysis of the last stage

export interface Analysis {
  model: DockerfileModel;
  ctx: CheckContext;
  stage: Stage;
  instrs: Instruction[];
  fromInstr: Instruction;
  image: ImageRef;
  /** Index of the last RUN that builds (the build step). */
  buildAt: number;
  /** Every package the stage installs with apt/apk, and the manager. */
  packages: string[];
  mgr: 'apt' | 'apk' | null;
  /** The last USER of the stage, and the RUNs up to the build step that create users. */
  user: Instruction | null;
  userRuns: Instruction[];
  /** Full `python:<tag>` image without an apt toolchain: the requirements pip builds from
   * source with the image's own compilers, and their runtime libraries (null: not known). */
  sourceBuilt?: { name: string; runtime: string[] | null }[];
}

export interface Plan {
  eco: Eco;
  runtimeImage: string;
  /** Lines right after FROM (and the ARGs): system packages. */
  setup: string[];
  /** Lines after WORKDIR, before the artifacts: manifests and dependency installs. */
  deps?: string[];
  /** Extra ENV lines (e.g. the venv PATH). */
  env: string[];
  /** Artifacts copied from the builder: to the same path unless `to` is given. */
  copies: Artifact[];
  /** Replacement for the CMD (e.g. Next.js standalone: `node server.js`). */
  cmd?: string;
  /** Extra edits in the builder (e.g. the venv creation). */
  builderEdits: Edit[];
  message: string;
  /** Extra words for the note. */
  noteExtra?: string;
  data: Record<string, unknown>;
}

export interface Artifact {
  from: string;
  dir: boolean;
  /** Destination in the runtime stage (default: the same absolute path). */
  to?: string;
  /** `--chown` for files the app writes to at run time (Next.js's .next/cache). */
  chown?: string;
}

export type Outcome = Plan | { skip: string; at?: number } | null;

export function isSkip(o: Outcome): o is { skip: string; at?: number } {
  return !!o && 'skip' in o;
}

export function commandsOf(instr: Instruction): SimpleCommand[] {
  return instr.keyword === 'RUN' && instr.shell ? instr.shell.commands : [];
}

export function findCommand(
  a: Analysis,
  pred: (c: SimpleCommand) => boolean,
): { instr: Instruction; cmd: SimpleCommand }[] {
  const out: { instr: Instruction; cmd: SimpleCommand }[] = [];
  for (const instr of a.instrs)
    for (const c of commandsOf(instr)) if (pred(c)) out.push({ instr, cmd: c });
  return out;
}

export function lastCmdInstr(
  instrs: Instruction[],
  keyword: 'CMD' | 'ENTRYPOINT',
): Instruction | null {
  for (let i = instrs.length - 1; i >= 0; i--)
    if (instrs[i]!.keyword === keyword) return instrs[i]!;
  return null;
}

/** ENTRYPOINT + CMD words as the container runs them. */
export function startWords(a: Analysis): { words: string[]; exec: boolean; at: number } | null {
  const ep = lastCmdInstr(a.instrs, 'ENTRYPOINT');
  const cmd = lastCmdInstr(a.instrs, 'CMD');
  if (!ep && !cmd) return null;
  const words = [
    ...(ep ? commandWords(a.model, ep) : []),
    ...(cmd && (!ep || ep.json) ? commandWords(a.model, cmd) : []),
  ];
  return { words, exec: (!ep || !!ep.json) && (!cmd || !!cmd.json), at: (ep ?? cmd)!.index };
}

/**
 * The context file that a COPY of the stage before instruction `before` put at the absolute
 * image path `abs` (the latest such COPY wins), or null when none did or it cannot be told.
 */
export function contextFileAt(a: Analysis, abs: string, before: number): string | null {
  return contextCopyAt(a, abs, before)?.file ?? null;
}

/** `contextFileAt`, with the COPY that put the file there. */
export function contextCopyAt(
  a: Analysis,
  abs: string,
  before: number,
): { file: string; instr: Instruction } | null {
  const { model } = a;
  const bc = a.ctx.buildContext;
  if (!bc.available) return null;
  const ignore = loadIgnore(bc);
  const file = (p: string | null) =>
    p !== null && bc.exists(p) && !bc.isDirectory(p) && !ignore.ignores(p) ? p : null;
  const inside = (dir: string) =>
    under(abs, dir) && abs !== dir ? abs.slice(dir === '/' ? 1 : dir.length + 1) : null;
  for (let k = a.instrs.length - 1; k >= 0; k--) {
    const i = a.instrs[k]!;
    if (i.index >= before) continue;
    const spec = copySpec(model, i);
    if (!spec || spec.from || spec.heredoc) continue;
    const dest = resolveDest(model, spec);
    if (dest === null) return null;
    const dir = dest.endsWith('/') ? dest.replace(/\/+$/, '') || '/' : dest;
    const intoDir = dest.endsWith('/') || spec.sources.length > 1;
    for (const w of spec.sources) {
      const v = sourceValue(model, spec, w);
      if (v === null) return null;
      const src = cleanRelative(v);
      if (src === null) continue;
      let hit: string | null = null;
      if (src === '' || isWholeContext(v)) hit = file(inside(dir));
      else if (hasGlob(src)) {
        // A matched file lands in the destination by its name, a matched folder's contents
        // land there by their path inside it.
        const re = globToRegExp(src);
        for (const m of matchSource(bc, src) ?? []) {
          const root = globRoot(re, m);
          if (root === null) continue;
          const rest = root === m ? m.slice(m.lastIndexOf('/') + 1) : m.slice(root.length + 1);
          if (normalizePosix(`${dir}/${rest}`) === abs) hit = file(m);
        }
      } else if (bc.isDirectory(src)) {
        const rel = inside(dir);
        hit = rel === null ? null : file(`${src}/${rel}`);
      } else {
        const target = intoDir ? `${dir}/${src.split('/').pop()}` : dir;
        if (normalizePosix(target) === abs) hit = file(src);
      }
      if (hit !== null) return { file: hit, instr: i };
    }
  }
  return null;
}

export function andList(items: string[]): string {
  return items.length <= 1
    ? items.join('')
    : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The gcc and buildpack-deps images come with compilers and common headers. */
export function hasToolchain(a: Analysis): boolean {
  return a.packages.some(isToolchain) || ['gcc', 'buildpack-deps'].includes(a.image.repo);
}

/** The index of the last instruction that runs a matching command, or -1. */
export function lastBuild(a: Analysis, pred: (c: SimpleCommand) => boolean): number {
  const hits = findCommand(a, pred);
  return hits.length ? hits[hits.length - 1]!.instr.index : -1;
}

/** One ecosystem of the split (ecosystems/<eco>.ts), listed in detection order in
 * ecosystems/index.ts. */
export interface Ecosystem {
  id: Eco;
  /** The command that builds; the last RUN that runs one is the build step. */
  isBuild(c: SimpleCommand): boolean;
  /** The build step's instruction index, or -1 when the stage builds nothing worth splitting. */
  detect(a: Analysis): number;
  /** Whether a runtime base is known for this builder base image. */
  acceptsBase(image: ImageRef): boolean;
  /** The build, as the skip for an unknown base names it (`a Go build on ...`). */
  build: string;
  plan(a: Analysis): Outcome;
  /** What to verify, shown under every fix of the ecosystem. */
  note: string;
  /** ENV variables that only configure this ecosystem's build: they stay in the builder. */
  builderEnv(name: string, value: string | null): boolean;
}
