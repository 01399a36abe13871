#!/usr/bin/env node
// Robustness run over real projects (not a test; the projects are not part of this repository):
//   node scripts/corpus.mjs DIR...
// Every file named Dockerfile, Dockerfile.*, *.Dockerfile or *.dockerfile under the DIRs is
// optimized with --unsafe in its own folder as build context. Checked per file: no crash, the
// output re-parses, a second run changes nothing, the diff applies with `git apply` and
// `patch -p1`. VERBOSE=1 also prints the bad-input rejections. Prints one line per problem and a summary (rule counts, skip counts); exit 1 on a problem.
// Each file is also optimized without --unsafe (what `fix` applies), and checked for trust:
//   --clean DIR   DIR holds already-clean Dockerfiles (docker-library/golang, official images):
//                 any safe change there is a problem (review-only changes are listed).
//   every line a .dockerignore edit adds that excludes a git-tracked file is listed; in the safe
//                 run that is a problem (none allowed), in the --unsafe run it is listed for review.
//   --diffs DIR   write the safe-mode diff of every changed Dockerfile into DIR for reading.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { optimizeFile, optimize, initShellParser, InputError } = await import(
  path.join(root, 'dist/src/index.js')
);
await initShellParser();

const { matcher, parsePatterns } = await import(path.join(root, 'dist/src/context/ignore.js'));

const dirs = [];
const cleanDirs = [];
let diffsDir = null;
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--clean') cleanDirs.push(path.resolve(process.argv[++i]));
  else if (a === '--diffs') diffsDir = path.resolve(process.argv[++i]);
  else dirs.push(a);
}
for (const d of cleanDirs) if (!dirs.some((x) => path.resolve(x) === d)) dirs.push(d);
if (dirs.length === 0) {
  console.error('usage: node scripts/corpus.mjs [--clean DIR]... [--diffs OUT] DIR...');
  process.exit(2);
}
if (diffsDir) fs.mkdirSync(diffsDir, { recursive: true });
const isClean = (file) => cleanDirs.some((d) => file === d || file.startsWith(d + path.sep));

/** Git-tracked files under `dir`, relative to it (null outside a repository). */
const trackedCache = new Map();
function trackedFiles(dir) {
  if (!trackedCache.has(dir)) {
    const r = spawnSync('git', ['-C', dir, 'ls-files', '-z'], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
    trackedCache.set(dir, r.status === 0 ? r.stdout.split('\0').filter(Boolean) : null);
  }
  return trackedCache.get(dir);
}

/** Tracked files that the .dockerignore edits of `r` newly exclude: [{ignore, path}]. */
function trackedExclusions(r) {
  const out = [];
  for (const f of r.files ?? []) {
    if (!f.absolutePath || !/(^|[\/.])dockerignore$/.test(f.absolutePath)) continue;
    const dir = path.dirname(f.absolutePath);
    const tracked = trackedFiles(dir);
    if (!tracked) continue;
    const before = matcher(parsePatterns(f.before ?? ''));
    const after = matcher(parsePatterns(f.after));
    for (const t of tracked)
      if (after(t) && !before(t)) out.push({ ignore: f.absolutePath, path: t });
  }
  return out;
}
const isDockerfile = (n) => /^Dockerfile(\..+)?$|\.[Dd]ockerfile$/.test(n);
const files = [];
const walk = (d) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    if (e.name === '.git' || e.name === 'node_modules') continue;
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.isFile() && isDockerfile(e.name)) files.push(path.resolve(p));
  }
};
dirs.forEach(walk);

const problems = [];
const reviewExclusions = [];
const cleanReview = [];
let safeChanged = 0;
const rules = new Map();
const skips = new Map();
let changed = 0;
let inputErrors = 0;
const count = (m, k) => m.set(k, (m.get(k) ?? 0) + 1);

for (const file of files) {
  const dir = path.dirname(file);
  let r;
  try {
    r = await optimizeFile(file, { unsafe: true, cwd: dir });
  } catch (e) {
    if (e instanceof InputError) {
      inputErrors++;
      if (process.env.VERBOSE) console.log(`input error: ${e.message}`);
      continue;
    }
    problems.push(`${file}: crash: ${e?.stack?.split('\n').slice(0, 3).join(' | ') ?? e}`);
    continue;
  }
  // The safe run: what `fix` applies by default.
  try {
    const safe = await optimizeFile(file, { cwd: dir });
    if (safe.changed) {
      safeChanged++;
      if (isClean(file))
        problems.push(
          `${file}: already-clean file changed by safe fixes: ${[...new Set(safe.fixes.filter((f) => f.applied).map((f) => f.ruleId))].join(', ')}`,
        );
      if (diffsDir)
        fs.writeFileSync(
          path.join(diffsDir, path.relative('/', file).replace(/[\/]/g, '__') + '.diff'),
          safe.fixes
            .map((f) => `# ${f.applied ? 'applied' : 'review'} ${f.ruleId}: ${f.message}\n`)
            .join('') + safe.diff,
        );
    }
    for (const x of trackedExclusions(safe))
      problems.push(
        `${file}: safe .dockerignore edit excludes git-tracked ${x.path} (${x.ignore})`,
      );
  } catch (e) {
    if (!(e instanceof InputError)) problems.push(`${file}: safe run fails: ${e?.message ?? e}`);
  }
  if (isClean(file) && r.changed)
    cleanReview.push(
      `${file}: ${[...new Set(r.fixes.filter((f) => f.applied).map((f) => f.ruleId))].join(', ')}`,
    );
  for (const x of trackedExclusions(r)) reviewExclusions.push(`${file}: ${x.path}`);
  for (const f of r.fixes ?? []) count(rules, f.ruleId);
  for (const s of r.skipped ?? []) if (!s.info) count(skips, s.ruleId);
  if (!r.changed) continue;
  changed++;
  // second run: nothing left to do (with the new .dockerignore in place)
  try {
    const pending = new Map(
      r.files.filter((f) => f.absolutePath !== file).map((f) => [f.absolutePath, f.after]),
    );
    const again = await optimize(r.output, {
      unsafe: true,
      path: file,
      context: dir,
      cwd: dir,
      pending,
    });
    if (again.output !== r.output)
      problems.push(`${file}: second run changes the Dockerfile again`);
  } catch (e) {
    problems.push(`${file}: second run fails: ${e?.message ?? e}`);
  }
  // the diff applies to a copy of the folder with git apply and with patch -p1
  for (const tool of ['git', 'patch']) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dfo-corpus-'));
    try {
      for (const f of r.files) {
        if (f.before === null || f.before === undefined) continue;
        const dest = path.join(tmp, f.path);
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        fs.writeFileSync(dest, f.before);
      }
      const args = tool === 'git' ? ['apply', '-'] : ['-p1', '-s', '--no-backup-if-mismatch'];
      const a = spawnSync(tool, args, { cwd: tmp, input: r.diff, encoding: 'utf8' });
      if (a.status !== 0)
        problems.push(`${file}: ${tool} does not apply the diff: ${a.stderr.trim()}`);
      else if (r.files.some((f) => fs.readFileSync(path.join(tmp, f.path), 'utf8') !== f.after))
        problems.push(`${file}: ${tool} applied the diff to different bytes`);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
}

for (const p of problems) console.log(`PROBLEM ${p}`);
const uniq = (a) => [...new Set(a)];
if (cleanReview.length)
  console.log(
    `already-clean files changed only with --unsafe (review fixes):\n  ${cleanReview.join('\n  ')}`,
  );
if (reviewExclusions.length)
  console.log(
    `git-tracked files excluded by review (--unsafe) .dockerignore edits:\n  ${uniq(reviewExclusions).join('\n  ')}`,
  );
const top = (m) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `  ${String(v).padStart(4)}  ${k}`)
    .join('\n');
console.log(`fixes by rule:\n${top(rules)}\nskips by rule:\n${top(skips)}`);
console.log(
  `${files.length} Dockerfiles, ${changed} changed (${safeChanged} by safe fixes), ${inputErrors} rejected as bad input, ${problems.length} problems`,
);
process.exit(problems.length ? 1 : 0);
