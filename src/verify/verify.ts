/**
 * Build the original and the optimized Dockerfile with the real engine and compare them: build
 * success, image size, layers, per-layer sizes of the layers that changed, cold build time, and
 * which steps re-run after a source edit.
 *
 * Each side builds from its own temporary copy of the context (the optimized copy gets the files
 * the result creates or changes, such as a new .dockerignore), so the user's files are never
 * touched. Cold builds use `--no-cache` (both sides start from the same point); the cache test
 * then edits one source file in both copies and rebuilds with the cache. Every image it makes
 * has a unique temporary tag and is removed at the end, also on failure or interrupt.
 */
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { OptimizeResult } from '../api.js';
import { diskContext } from '../explain/explain.js';
import type { BuildContext } from '../model/types.js';
import { copySpec, matchSource, sourceValue } from '../toolkit/copy.js';
import { loadIgnore, matcher, parsePatterns } from '../context/ignore.js';
import { CODE_EXT, isManifest } from '../toolkit/packages/manifest.js';
import { parseDockerfile } from '../model/dockerfile.js';
import { initShellParser } from '../model/shell.js';
import { countedSteps, parseBuildLog, rerunSteps, type BuildStep } from './buildlog.js';
import {
  build,
  imageFacts,
  removeImages,
  runImage,
  type DockerClient,
  type ImageFacts,
  type LayerEntry,
} from './docker.js';
import { imageWaste, type Waste } from './waste.js';

export interface VerifyInput {
  client: DockerClient;
  /** Absolute path of the Dockerfile. */
  dockerfile: string;
  /** Absolute build context directory. */
  contextDir: string;
  /** The Dockerfile's text as read (the original side builds the file itself). */
  original: string;
  /** The optimize result to prove. */
  result: OptimizeResult;
  unsafe: boolean;
  target?: string;
  buildArgs?: string[];
  /** Context-relative file to edit for the cache test; undefined: choose one; null: no test. */
  edit?: string | null;
  /** Run the cache test (default true). */
  cacheTest?: boolean;
  /** Compute each image's wasted bytes from `docker save` (default true). */
  waste?: boolean;
  /** `docker run --rm` both images and compare their output (default false). */
  run?: boolean;
  buildTimeoutMs?: number;
  runTimeoutMs?: number;
  /** Shown names (relative to the user's cwd). */
  display?: { dockerfile: string; context: string };
  /** Progress lines (stderr). */
  progress?: (line: string) => void;
}

export type Verdict =
  'ok' | 'unchanged' | 'optimized-build-failed' | 'original-build-failed' | 'both-failed';

export interface StepRef {
  step: string;
  instruction: string;
  seconds: number | null;
}

export interface CacheSide {
  ok: boolean;
  error?: string;
  seconds: number;
  /** Steps counted (all but FROM). */
  total: number;
  reran: StepRef[];
  cached: StepRef[];
}

export interface Side {
  build: { ok: boolean; seconds: number; builder: string; error?: string };
  image: { id: string; size: number; layers: number } | null;
  /** History entries, oldest first (CreatedBy shortened, uncompressed bytes). */
  history: LayerEntry[];
  /** Bytes the image's layers store but a later layer hides (deleted, overwritten, re-owned);
   * null when it could not be computed (a warning says why), absent when not asked for. */
  waste?: Waste | null;
  cache?: CacheSide;
  run?: { code: number | null; output: string; timedOut: boolean };
}

export interface VerifyReport {
  dockerfile: string;
  context: string;
  unsafe: boolean;
  target: string | null;
  buildArgs: string[];
  /** Rule ids of the fixes applied in the optimized Dockerfile. */
  fixes: string[];
  changed: boolean;
  /** Files the result changes or creates (shown names). */
  files: string[];
  verdict: Verdict;
  original: Side;
  optimized: Side;
  size: { before: number; after: number; change: number; percent: number } | null;
  layers: { before: number; after: number } | null;
  /** Wasted bytes (see Side.waste) of both images, when both were computed. */
  wasted: { before: number; after: number; change: number } | null;
  /** History entries only one side has (same text and size on both sides are left out). */
  changedLayers: { original: LayerEntry[]; optimized: LayerEntry[] };
  cacheTest: { file: string | null; skipped?: string };
  /** Both containers printed the same (stdout and exit code); null when not run. */
  sameOutput: boolean | null;
  warnings: string[];
  /** What makes the optimization worse than the original (empty: none): the optimized build
   * fails where the original builds, the image grows, the output differs, or a step that was a
   * cache hit after the edit now re-runs. `verify` exits 1 when any report has one. */
  regressions: string[];
}

/** The optimized image may be this much larger and still count as "not larger": the
 * dependency-cache fix copies each manifest once more (a layer of a few hundred bytes). */
export const SIZE_SLACK = 4096;

/** The regressions of a finished report (see VerifyReport.regressions). */
export function regressionsOf(r: Omit<VerifyReport, 'regressions'>): string[] {
  const out: string[] = [];
  if (r.verdict === 'optimized-build-failed')
    out.push('the optimized Dockerfile fails to build where the original builds');
  if (r.size && r.size.after > r.size.before + SIZE_SLACK)
    out.push(`the optimized image is larger (${r.size.before} B -> ${r.size.after} B)`);
  if (r.sameOutput === false) out.push('the containers print different output');
  const o = r.original.cache;
  const p = r.optimized.cache;
  if (o?.ok && p?.ok && p.reran.length > o.reran.length)
    out.push(
      `a source edit re-runs more steps after the fix (${o.reran.length} -> ${p.reran.length})`,
    );
  return out;
}

const DEFAULT_BUILD_TIMEOUT = 20 * 60_000;
const DEFAULT_RUN_TIMEOUT = 120_000;

/** Templates and stylesheets rank with code for the cache test's edit (`explain` ranks them
 * below code). */
const MARKUP_EXT = /\.(html|css|tmpl)$/;
const TEXT_EXT = /\.(txt|md|rst|json|ya?ml|toml|conf|cfg|ini|log|csv|xml)$/;

/**
 * The file the cache test edits: one a COPY/ADD takes from the context, not ignored (by the
 * original or the new ignore file), not a dependency manifest, preferring source code. Null when
 * the Dockerfile copies no such file. Needs initShellParser() to have run.
 */
export function chooseEditFile(
  dockerfileText: string,
  contextDir: string,
  dockerfileAbs: string,
  newIgnoreText: string | null,
): string | null {
  let model;
  try {
    model = parseDockerfile(dockerfileText);
  } catch {
    return null;
  }
  let ctx: BuildContext;
  try {
    // The ignore file read through a link, as fix and Docker read it.
    ctx = diskContext(contextDir, dockerfileAbs);
  } catch {
    return null;
  }
  const ignore = loadIgnore(ctx);
  const newIgnore = newIgnoreText === null ? () => false : matcher(parsePatterns(newIgnoreText));
  const dockerfileRel = ctx.dockerfilePath;
  const found: string[] = [];
  for (const instr of model.instructions) {
    const spec = copySpec(model, instr);
    if (!spec || spec.from !== null || spec.heredoc) continue;
    for (const w of spec.sources) {
      const v = sourceValue(model, spec, w);
      if (v === null || /^[a-z]+:\/\//i.test(v)) continue;
      for (const f of matchSource(ctx, v) ?? []) {
        if (ignore.ignores(f) || newIgnore(f)) continue;
        if (isManifest(f) || f === dockerfileRel || /(^|\/)\.dockerignore$/.test(f)) continue;
        if (/(^|\/)(Dockerfile|Containerfile)[^/]*$/.test(f)) continue;
        if (!found.includes(f)) found.push(f);
      }
    }
  }
  const rank = (f: string) =>
    CODE_EXT.test(f) || MARKUP_EXT.test(f) ? 0 : TEXT_EXT.test(f) ? 1 : 2;
  found.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return found[0] ?? null;
}

/** History entries of `a` that `b` does not have (same text and size), in order. */
export function historyOnlyIn(a: LayerEntry[], b: LayerEntry[]): LayerEntry[] {
  const pool = new Map<string, number>();
  for (const e of b) pool.set(key(e), (pool.get(key(e)) ?? 0) + 1);
  const out: LayerEntry[] = [];
  for (const e of a) {
    const n = pool.get(key(e)) ?? 0;
    if (n > 0) pool.set(key(e), n - 1);
    else out.push(e);
  }
  return out;
}

function key(e: LayerEntry): string {
  return `${e.size}\u0000${e.createdBy}`;
}

function stepRef(s: BuildStep): StepRef {
  return { step: s.step, instruction: s.instruction, seconds: s.seconds };
}

/** Temporary resources of one verification, removed by cleanup() (also from a signal handler). */
class Scratch {
  readonly dir: string;
  readonly images: string[] = [];
  readonly name = `dfo-verify-${process.pid}-${randomBytes(4).toString('hex')}`;
  constructor(private readonly client: DockerClient) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfo-verify-'));
  }
  tag(label: string): string {
    const t = `${this.name}:${label}`;
    this.images.push(t);
    return t;
  }
  async cleanup(): Promise<void> {
    await removeImages(this.client, this.images);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
  /** Synchronous cleanup for signal handlers. */
  cleanupSync(): void {
    if (this.images.length) {
      const env = { ...process.env, ...this.client.env } as NodeJS.ProcessEnv;
      spawnSync(this.client.bin, ['image', 'rm', '--force', ...new Set(this.images)], {
        env,
        timeout: 60_000,
        stdio: 'ignore',
      });
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const active = new Set<Scratch>();
let handlersInstalled = false;
function installSignalHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const s of active) s.cleanupSync();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

function copyContext(src: string, dst: string): void {
  fs.cpSync(src, dst, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
}

export async function verify(input: VerifyInput): Promise<VerifyReport> {
  const { client, result } = input;
  const progress = input.progress ?? (() => {});
  const buildTimeoutMs = input.buildTimeoutMs ?? DEFAULT_BUILD_TIMEOUT;
  const warnings: string[] = [];
  const contextDir = path.resolve(input.contextDir);
  const dockerfileAbs = path.resolve(input.dockerfile);
  const relDockerfile = path.relative(contextDir, dockerfileAbs);
  const inContext = !relDockerfile.startsWith('..') && !path.isAbsolute(relDockerfile);

  const scratch = new Scratch(client);
  active.add(scratch);
  installSignalHandlers();
  try {
    // The two build contexts and Dockerfiles.
    const sides = { original: '', optimized: '' } as Record<'original' | 'optimized', string>;
    const dockerfiles = { ...sides };
    for (const side of ['original', 'optimized'] as const) {
      const ctx = path.join(scratch.dir, side, 'context');
      copyContext(contextDir, ctx);
      sides[side] = ctx;
      dockerfiles[side] = inContext
        ? path.join(ctx, relDockerfile)
        : path.join(scratch.dir, side, path.basename(dockerfileAbs));
      if (side === 'original' && !inContext) fs.copyFileSync(dockerfileAbs, dockerfiles[side]);
    }
    let newIgnore: string | null = null;
    let optimizedWritten = false;
    for (const f of result.files) {
      const abs = f.absolutePath ? path.resolve(f.absolutePath) : null;
      if (abs === dockerfileAbs || (!abs && f.path === input.display?.dockerfile)) {
        fs.writeFileSync(dockerfiles.optimized, f.after);
        optimizedWritten = true;
        continue;
      }
      const rel = abs ? path.relative(contextDir, abs) : null;
      if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) {
        warnings.push(`${f.path} lies outside the build context: not part of the optimized build`);
        continue;
      }
      const target = path.join(sides.optimized, rel);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, f.after);
      if (/(^|[\\/])\.dockerignore$/.test(rel)) newIgnore = f.after;
    }
    if (!optimizedWritten) fs.writeFileSync(dockerfiles.optimized, result.output);

    // Which file the cache test edits.
    const wantCache = input.cacheTest !== false && input.edit !== null;
    let editFile: string | null = null;
    let editSkip: string | undefined;
    if (wantCache) {
      if (input.edit) {
        const rel = path.isAbsolute(input.edit)
          ? path.relative(contextDir, input.edit)
          : input.edit;
        const clean = rel.split(path.sep).join('/');
        if (clean.startsWith('..') || !fs.existsSync(path.join(contextDir, clean)))
          editSkip = `--edit ${input.edit}: no such file in the build context`;
        else editFile = clean;
      } else {
        await initShellParser();
        editFile = chooseEditFile(input.original, contextDir, dockerfileAbs, newIgnore);
        if (!editFile) editSkip = 'the Dockerfile copies no source file (other than manifests)';
      }
    } else editSkip = 'not requested';

    const side = async (label: 'original' | 'optimized'): Promise<Side> => {
      progress(`building ${label} (cold, --no-cache) ...`);
      const tag = scratch.tag(label);
      const b = await build(client, {
        contextDir: sides[label],
        dockerfile: dockerfiles[label],
        tag,
        target: input.target,
        buildArgs: input.buildArgs,
        noCache: true,
        timeoutMs: buildTimeoutMs,
      });
      const out: Side = {
        build: { ok: b.ok, seconds: round(b.seconds), builder: b.builder },
        image: null,
        history: [],
      };
      if (!b.ok) {
        out.build.error = b.error;
        return out;
      }
      const facts: ImageFacts = await imageFacts(client, tag);
      scratch.images.push(facts.id);
      out.image = { id: facts.id, size: facts.size, layers: facts.layers };
      out.history = facts.history;
      if (input.waste !== false) {
        progress(`measuring wasted bytes of ${label} (docker save) ...`);
        out.waste = await imageWaste(client, tag, scratch.dir).catch((e: Error) => {
          warnings.push(`wasted bytes of the ${label} image: ${e.message}`);
          return null;
        });
      }
      return out;
    };
    const original = await side('original');
    const optimized = await side('optimized');

    if (editFile && original.build.ok && optimized.build.ok) {
      for (const label of ['original', 'optimized'] as const) {
        // A unique edit on each side and in each run: the sides share the build cache (and so
        // do earlier runs), and the same edited content would hit their steps.
        fs.appendFileSync(path.join(sides[label], editFile), editSuffix());
        progress(`rebuilding ${label} after editing ${editFile} ...`);
        const tag = scratch.tag(`${label}-edit`);
        const b = await build(client, {
          contextDir: sides[label],
          dockerfile: dockerfiles[label],
          tag,
          target: input.target,
          buildArgs: input.buildArgs,
          timeoutMs: buildTimeoutMs,
        });
        const steps = parseBuildLog(b.log).steps;
        const counted = countedSteps(steps);
        const cache: CacheSide = {
          ok: b.ok,
          seconds: round(b.seconds),
          total: counted.length,
          reran: rerunSteps(steps).map(stepRef),
          cached: counted.filter((s) => s.status === 'CACHED').map(stepRef),
        };
        if (!b.ok) cache.error = b.error;
        (label === 'original' ? original : optimized).cache = cache;
        if (b.ok) {
          const id = (await imageFacts(client, tag).catch(() => null))?.id;
          if (id) scratch.images.push(id);
        }
      }
    } else if (editFile) editSkip = 'a build failed';

    let sameOutput: boolean | null = null;
    if (input.run && original.build.ok && optimized.build.ok) {
      const timeout = input.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT;
      for (const [label, s] of [
        ['original', original],
        ['optimized', optimized],
      ] as const) {
        progress(`running ${label} ...`);
        const r = await runImage(
          client,
          `${scratch.name}:${label}`,
          `${scratch.name}-${label}`,
          timeout,
        );
        s.run = { code: r.code, output: r.stdout, timedOut: r.timedOut };
      }
      sameOutput =
        original.run!.code === optimized.run!.code &&
        original.run!.output === optimized.run!.output;
    }

    const verdict: Verdict =
      original.build.ok && optimized.build.ok
        ? result.changed
          ? 'ok'
          : 'unchanged'
        : original.build.ok
          ? 'optimized-build-failed'
          : optimized.build.ok
            ? 'original-build-failed'
            : 'both-failed';
    const both = original.image && optimized.image;
    const report: Omit<VerifyReport, 'regressions'> = {
      dockerfile: input.display?.dockerfile ?? dockerfileAbs,
      context: input.display?.context ?? contextDir,
      unsafe: input.unsafe,
      target: input.target ?? null,
      buildArgs: input.buildArgs ?? [],
      fixes: result.fixes.filter((f) => f.applied).map((f) => f.ruleId),
      changed: result.changed,
      files: result.files.map((f) => f.path),
      verdict,
      original,
      optimized,
      size: both
        ? {
            before: original.image!.size,
            after: optimized.image!.size,
            change: optimized.image!.size - original.image!.size,
            percent: pct(original.image!.size, optimized.image!.size),
          }
        : null,
      layers: both ? { before: original.image!.layers, after: optimized.image!.layers } : null,
      wasted:
        original.waste && optimized.waste
          ? {
              before: original.waste.bytes,
              after: optimized.waste.bytes,
              change: optimized.waste.bytes - original.waste.bytes,
            }
          : null,
      changedLayers: {
        original: historyOnlyIn(original.history, optimized.history),
        optimized: historyOnlyIn(optimized.history, original.history),
      },
      cacheTest:
        editSkip && !original.cache ? { file: editFile, skipped: editSkip } : { file: editFile },
      sameOutput,
      warnings,
    };
    return { ...report, regressions: regressionsOf(report) };
  } finally {
    active.delete(scratch);
    await scratch.cleanup().catch(() => scratch.cleanupSync());
  }
}

/** A trailing line of 32 spaces/tabs that spells a random number: harmless in source code of
 * every common language and data format, and unique per edit. */
export function editSuffix(bits: number = randomBytes(4).readUInt32BE(0)): string {
  let line = '';
  for (let i = 31; i >= 0; i--) line += (bits >>> i) & 1 ? '\t' : ' ';
  return `\n${line}\n`;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function pct(before: number, after: number): number {
  return before === 0 ? 0 : Math.round(((after - before) / before) * 1000) / 10;
}
