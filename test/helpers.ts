/** Shared test helpers: temp dirs, fixture loading, git apply / patch checks. */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiskContext } from '../src/context/context.js';
import { copySpec, isWholeContext, matchSource, sourceValue } from '../src/toolkit/copy.js';
import { loadIgnore } from '../src/context/ignore.js';
import { parseDockerfile } from '../src/model/dockerfile.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const FIXTURES = path.join(ROOT, 'fixtures');

const created: string[] = [];

/** A fresh temp dir, removed by `removeTmpdirs()` (call it in afterAll). */
export function tmpdir(prefix = 'dfo-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function removeTmpdirs(): void {
  for (const d of created.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

export function copyDir(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const a = path.join(from, e.name);
    const b = path.join(to, e.name);
    if (e.isDirectory()) copyDir(a, b);
    else if (e.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(a), b);
    else fs.copyFileSync(a, b);
  }
}

/** Write a map of relative path -> content (a string, or {size} for a filler file). */
export function writeTree(root: string, files: Record<string, string | { size: number }>): void {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, ...rel.split('/'));
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    if (typeof content === 'string') fs.writeFileSync(abs, content);
    else fs.writeFileSync(abs, Buffer.alloc(content.size, 0x61));
  }
}

export function readTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(dir, e.name), r);
      else if (e.isFile()) out[r] = fs.readFileSync(path.join(dir, e.name), 'utf8');
    }
  };
  walk(root, '');
  return out;
}

/** Apply a diff with `git apply` in `dir` (after --check). Throws with git's message on failure. */
export function gitApply(dir: string, diff: string): void {
  const run = (args: string[]) => {
    const r = spawnSync('git', args, { cwd: dir, input: diff, encoding: 'utf8' });
    if (r.status !== 0)
      throw new Error(`git ${args.join(' ')} failed: ${r.stderr}\n--- diff ---\n${diff}`);
  };
  run(['apply', '--check', '-']);
  run(['apply', '-']);
}

/** `patch -p1 --dry-run` must accept the diff. */
export function patchDryRun(dir: string, diff: string): void {
  const r = spawnSync('patch', ['-p1', '--dry-run', '--batch'], {
    cwd: dir,
    input: diff,
    encoding: 'utf8',
  });
  if (r.status !== 0)
    throw new Error(`patch -p1 --dry-run failed: ${r.stdout}${r.stderr}\n--- diff ---\n${diff}`);
}

export function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface CaseSpec {
  /** Options passed to optimize (only defaults to the transform named by the folder). */
  options?: Record<string, unknown>;
  /** Run every transform, not only the folder's. */
  all?: boolean;
  /** Rule ids of the fixes expected to apply (in any order, each at least once). */
  fixes?: string[];
  /** Rule ids of fixes expected to be reported but not applied (review without --unsafe). */
  pending?: string[];
  /** Each entry: `ruleId` or `ruleId: substring of the reason` expected among skipped. */
  skipped?: string[];
  /** Why this case exists (documentation only). */
  about?: string;
  /** Put the Dockerfile inside the context at this relative path (default: beside `context/`). */
  dockerfile?: string;
  /** The context file `expected.dockerignore` describes (default `.dockerignore`). */
  ignoreFile?: string;
  /** Make the context a git repository at test time: `git init` + `git add` of these paths
   * (`.` adds every file its .gitignore does not ignore); the rest stays untracked. */
  git?: string[];
}

export interface FixtureCase {
  transform: string;
  name: string;
  dir: string;
  input: string;
  spec: CaseSpec;
  expected: string | null;
  expectedDockerignore: string | null;
  hasContext: boolean;
  extra: Record<string, string | { size: number }>;
}

export function loadCases(): FixtureCase[] {
  const cases: FixtureCase[] = [];
  if (!fs.existsSync(FIXTURES)) return cases;
  for (const transform of fs.readdirSync(FIXTURES).sort()) {
    const tdir = path.join(FIXTURES, transform);
    if (!fs.statSync(tdir).isDirectory()) continue;
    for (const name of fs.readdirSync(tdir).sort()) {
      const dir = path.join(tdir, name);
      if (!fs.statSync(dir).isDirectory()) continue;
      const read = (f: string) =>
        fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : null;
      const input = read('Dockerfile');
      if (input === null) throw new Error(`fixture ${transform}/${name} has no Dockerfile`);
      const specText = read('case.json');
      const extraText = read('context.extra.json');
      cases.push({
        transform,
        name,
        dir,
        input,
        spec: specText ? (JSON.parse(specText) as CaseSpec) : {},
        expected: read('expected.Dockerfile'),
        expectedDockerignore: read('expected.dockerignore'),
        hasContext: fs.existsSync(path.join(dir, 'context')),
        extra: extraText ? (JSON.parse(extraText) as FixtureCase['extra']) : {},
      });
    }
  }
  return cases;
}

/** Materialise a case in a temp dir: `Dockerfile` and `context/` (with extra files). */
export function materialise(
  c: FixtureCase,
  dockerfileText: string = c.input,
): { dir: string; dockerfile: string; context: string | null } {
  const dir = tmpdir(`dfo-${c.transform}-`);
  let dockerfile = path.join(dir, 'Dockerfile');
  let context: string | null = null;
  if (c.hasContext || Object.keys(c.extra).length) {
    context = path.join(dir, 'context');
    if (c.hasContext) copyDir(path.join(c.dir, 'context'), context);
    else fs.mkdirSync(context);
    writeTree(context, c.extra);
    if (c.spec.git) gitInit(context, c.spec.git);
    if (c.spec.dockerfile) dockerfile = path.join(context, ...c.spec.dockerfile.split('/'));
  }
  fs.writeFileSync(dockerfile, dockerfileText);
  return { dir, dockerfile, context };
}

/** A git repository in `dir` with `paths` added to the index (no commit needed). */
export function gitInit(dir: string, paths: string[]): void {
  for (const args of [
    ['init', '-q'],
    ['add', '--', ...paths],
  ]) {
    const r = spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')} in ${dir}: ${r.stderr}`);
  }
}

export function toCRLF(s: string): string {
  return s.replace(/\r?\n/g, '\r\n');
}

/**
 * Context files that a COPY/ADD (without --from) of `dockerfileText` takes by name (a file, a
 * glob's matches, everything under a named folder; whole-context sources such as `.` are left
 * out) and that the ignore file in force excludes. Read from disk as it is now.
 */
export function excludedCopySources(
  contextDir: string,
  dockerfileAbs: string,
  dockerfileText: string,
): string[] {
  const ctx = new DiskContext(contextDir, dockerfileAbs);
  const ignore = loadIgnore(ctx);
  const model = parseDockerfile(dockerfileText.replace(/^\uFEFF/, ''));
  const out = new Set<string>();
  for (const instr of model.instructions) {
    const spec = copySpec(model, instr);
    if (!spec || spec.from !== null || spec.heredoc) continue;
    for (const w of spec.sources) {
      const value = sourceValue(model, spec, w);
      if (value === null || isWholeContext(value) || /^[a-z][a-z0-9+.-]*:\/\//i.test(value))
        continue;
      for (const f of matchSource(ctx, value) ?? []) if (ignore.ignores(f)) out.add(f);
    }
  }
  return [...out].sort();
}
