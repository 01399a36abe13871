#!/usr/bin/env node
// Speed and memory benchmark (never a timed test): `npm run bench [-- options]`.
// Prints each target of issue 18 as a ratio measured in this one run:
//   (a) declared contexts vs no context on a folder of checked-out projects (--repos DIR): per
//       project (each top folder of DIR), with every cache cleared first, the time of what
//       `fix --dry-run` does from the project's root (findBuilds + optimizeDeclaredFiles: the
//       Dockerfiles read from disk, each optimized over the contexts compose/bake/skaffold/
//       devcontainer/workflow files declare, else its own folder) against optimize(text) without
//       a context, same Dockerfiles, same process: the median of 7 paired rounds' ratios after
//       3 warm-up rounds (see the (a) section),
//   (b) N Dockerfiles in one shared context vs the same files each in its own folder,
//   (c) median ms per Dockerfile without context, and the peak memory (RSS) of the corpus run:
//       the maximum resident size of this process over (a) + (b) + the median (maxRSS read
//       right after (b)),
//   (d) CPU time of `--help`, `rules`, `--version` above `node -e 0`, and of `fix --dry-run`
//       on a small file (child processes, user+system time from /usr/bin/time or rusage).
// The size-doubling rows (generated 2500/5000 one-line RUNs and 1000/2000 apt groups: the
// linearity check of issue 13) run in a child process of their own, after the rest, so that the
// (c) peak is the corpus run's; each row shows that child's own peak RSS.
// Options:
//   --repos DIR   folder of checked-out projects (default: $DFO_CORPUS, else ./corpus when it
//                 exists; see README "Performance"). Without one, (a) and (c) use generated files.
//   --shared N    number of Dockerfiles for (b) (default 405, repeated from the seed set)
//   --seed DIR    folder whose Dockerfiles seed (b) (default: <repos>/golang, else generated)
//   --api file    (b) shared: optimizeFile() per file instead of one optimizeFiles() call
//   --quick       fewer repetitions (one round of (a), no warm-up past the first, instead of 3 + 7)
//   --only a      only (a) and (c) (e.g. to profile the declared-contexts path)
//   --skip d      leave out (d) (the CLI start-up child processes)
//   --per-project (a) by project too, after the table: each mode's median time and the ratio
// Numbers vary by machine; ratios are what the targets are about.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const api = await import(path.join(root, 'dist/src/index.js'));
const { optimize, optimizeFile, initShellParser } = api;
const clearCaches = api.clearCaches ?? (() => {});

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const quick = argv.includes('--quick');

// Large files (issue 13): one-line RUNs or apt groups, the size doubled; linear time means a
// ratio near 2 (the 1 MiB input limit keeps the largest case under it). The bench runs each kind
// in a child process of its own (`--size-phases KIND`), which prints its times and its own peak
// RSS as JSON.
const SIZE_PHASES = {
  'one-line RUNs': { sizes: [2500, 5000], line: (i) => `RUN echo line-${i} > /tmp/f${i % 100}\n` },
  'apt groups': {
    sizes: [1000, 2000],
    line: (i) => `RUN apt-get update && apt-get install -y pkg${i}-a pkg${i}-b\n`,
  },
};
if (argv.includes('--size-phases')) {
  const { sizes, line } = SIZE_PHASES[opt('--size-phases')];
  await initShellParser();
  const times = [];
  const ns = quick ? sizes.map((x) => x / 2) : sizes;
  for (const n of [ns[0] / 10, ...ns]) {
    let src = 'FROM debian:bookworm\n';
    for (let i = 0; i < n; i++) src += line(i);
    const t0 = process.hrtime.bigint();
    await optimize(src, { path: 'Dockerfile', context: null });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.shift(); // the warm-up (a tenth of the smaller size: JIT, shell grammar)
  console.log(JSON.stringify({ ms: times, peak: process.resourceUsage().maxRSS / 1024 }));
  process.exit(0);
}
const onlyA = opt('--only') === 'a';
// `--corpus-once`: the child process that measures the memory of one corpus run ((a) with the
// declared contexts once, no warm-up and no run without contexts, then (b) once) and prints
// its peak RSS as JSON.
const corpusOnce = argv.includes('--corpus-once');
const skipD = opt('--skip') === 'd' || corpusOnce;
const reposDir =
  opt('--repos') ??
  process.env.DFO_CORPUS ??
  (fs.existsSync(path.join(root, 'corpus')) ? path.join(root, 'corpus') : null);
const sharedN = Number(opt('--shared', '405'));
const sharedApi = opt('--api', 'files');

const SKIP_DIRS = new Set(['node_modules', '.git', 'vendor', '.venv', 'dist', 'target']);
const isDockerfileName = (n) =>
  /^(Dockerfile|Containerfile)(\..+)?$/.test(n) && !/\.(dockerignore|md|txt)$/.test(n);

/** Every Dockerfile under dir (not in dependency or VCS folders), sorted. */
function findDockerfiles(dir) {
  const out = [];
  const visit = (d) => {
    let entries;
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const abs = path.join(d, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) visit(abs);
      } else if (e.isFile() && isDockerfileName(e.name)) out.push(abs);
    }
  };
  visit(dir);
  return out.sort();
}

function generated(stages, runsPerStage) {
  let s = '# syntax=docker/dockerfile:1\nARG BASE=debian:bookworm\n';
  for (let st = 0; st < stages; st++) {
    s += `FROM \${BASE} AS stage${st}\nWORKDIR /app\n`;
    for (let r = 0; r < runsPerStage; r++) {
      s += `RUN apt-get update\nRUN apt-get install -y pkg${r}-a pkg${r}-b \\\n    # comment inside\n    pkg${r}-c\n`;
      s += `ENV STEP_${st}_${r}=${r}\n`;
    }
    s +=
      'COPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nCMD ["python3", "app.py"]\n';
  }
  return s;
}

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
const rows = [];
const row = (target, measured, goal, ok) =>
  rows.push([target, measured, goal, ok === null ? '' : ok ? 'yes' : 'NO']);

await initShellParser();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dfo-bench-'));

// (a) + (c): the real-repositories set, without and with the declared build contexts. Both
// modes see the same Dockerfiles (those that parse), one repository at a time, with every cache
// cleared before each repository (as a fresh `fix` run), in the same process:
//   none:     optimize(text, { context: null }) per Dockerfile (the text read beforehand);
//   declared: what `fix --dry-run` does from the repository's root: findBuilds([root]) (compose,
//             bake, skaffold, devcontainer, workflows), then optimizeDeclaredFiles() in one
//             session: each Dockerfile read from disk and optimized over the contexts its
//             project declares (several: once per context, plus the run without a context
//             that tells which fixes depend on it), its own folder when none declares it.
// Each round runs both modes, the run without a context first; the ratio is the median of the
// rounds' own ratios (each round's two runs are next to each other in time, so a machine that
// slows down or speeds up during the bench moves both), after warm-up rounds (the JIT keeps
// optimizing for several rounds: on a 2-core VM the first 4-5 rounds of both modes ran up to
// 1.5x slower than the later ones). The median rounds' totals are shown beside it.
let files = reposDir ? findDockerfiles(reposDir) : [];
const texts = new Map();
for (const f of files) texts.set(f, fs.readFileSync(f, 'utf8'));
if (!files.length) {
  for (let i = 0; i < 50; i++) {
    const f = path.join(tmp, 'gen', `p${i}`, 'Dockerfile');
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, generated(1 + (i % 3), 2 + (i % 5)));
    files.push(f);
    texts.set(f, fs.readFileSync(f, 'utf8'));
  }
}
/** The repository of a Dockerfile: its top folder under --repos (generated: its own folder). */
const repoOf = (f) =>
  reposDir ? path.join(reposDir, path.relative(reposDir, f).split(path.sep)[0]) : path.dirname(f);
const errors = [];
const unparsable = [];
for (const f of files) {
  try {
    // (The memory child only parses: a run without contexts is not part of its corpus run.)
    if (corpusOnce) api.parseDockerfile(texts.get(f).replace(/^\uFEFF/, ''));
    else await optimize(texts.get(f), { path: f, context: null });
  } catch (err) {
    unparsable.push(f);
  }
}
files = files.filter((f) => !unparsable.includes(f));
const repos = new Map();
for (const f of files) repos.set(repoOf(f), [...(repos.get(repoOf(f)) ?? []), f]);
const runNone = async () => {
  const per = [];
  const byRepo = new Map();
  let total = 0;
  for (const [repo, list] of repos) {
    clearCaches();
    let sum = 0;
    for (const f of list) {
      const t = process.hrtime.bigint();
      await optimize(texts.get(f), { path: f, context: null, cwd: repo });
      const d = ms(t);
      per.push(d);
      sum += d;
    }
    byRepo.set(repo, sum);
    total += sum;
  }
  return { total, per, byRepo };
};
// What the declared run asks of the operating system, recorded in its first round: the folders
// it lists (readdir), the files it sizes (stat, for the size note of a dockerignore fix) and the
// files it reads (Dockerfiles, ignore files, manifests and other files of the contexts). The
// same calls made bare are the floor of any run that must see them (see "Where (a)'s time
// goes" below).
const { diskCounters } = await import(path.join(root, 'dist/src/context/cache.js'));
const LOGS = ['listLog', 'sizeLog', 'fileLog', 'readLog'];
const listed = new Map();
const runDeclared = async () => {
  let total = 0;
  let search = 0;
  const byRepo = new Map();
  for (const [repo, list] of repos) {
    clearCaches();
    const record = !listed.has(repo) && diskCounters;
    if (record) for (const log of LOGS) diskCounters[log] = [];
    const t = process.hrtime.bigint();
    try {
      const builds = await api.findBuilds([repo], repo, process.env);
      search += ms(t);
      await api.optimizeDeclaredFiles(list, { cwd: repo, builds });
    } catch (err) {
      errors.push(`${repo}: ${err.message}`);
    }
    byRepo.set(repo, ms(t));
    total += byRepo.get(repo);
    if (record) {
      listed.set(repo, {
        folders: diskCounters.listLog,
        sized: diskCounters.sizeLog ?? [],
        read: [...(diskCounters.fileLog ?? []), ...(diskCounters.readLog ?? [])],
      });
      for (const log of LOGS) diskCounters[log] = null;
    }
  }
  return { total, search, byRepo };
};
/** The same calls as the declared run's, bare: a readdir (as the listing cache does it) of every
 * folder it listed, a stat of every file it sized, a read of every file it read; ms each. */
const runBareFloor = () => {
  const bare = { readdir: 0, stat: 0, read: 0 };
  let t = process.hrtime.bigint();
  for (const { folders } of listed.values())
    for (const f of folders) {
      try {
        fs.readdirSync(f, { withFileTypes: true });
      } catch {
        // (gone since: as the run, nothing to list)
      }
    }
  bare.readdir = ms(t);
  t = process.hrtime.bigint();
  for (const { sized } of listed.values())
    for (const f of sized) fs.lstatSync(f, { throwIfNoEntry: false });
  bare.stat = ms(t);
  t = process.hrtime.bigint();
  for (const { read } of listed.values())
    for (const f of read) {
      try {
        fs.readFileSync(f);
      } catch {
        // (gone since)
      }
    }
  bare.read = ms(t);
  return bare;
};
const rounds = quick || corpusOnce ? 1 : 7;
const warmUps = corpusOnce ? 0 : quick ? 1 : 3;
for (let i = 0; i < warmUps; i++) {
  await runNone(); // warm up (JIT, shell grammar, HCL parser)
  await runDeclared();
}
const noCtxRuns = [];
const withCtxRuns = [];
for (let i = 0; i < rounds; i++) {
  // The memory child runs the corpus as a user would: with the declared contexts only.
  noCtxRuns.push(corpusOnce ? { total: 1, per: [1] } : await runNone());
  withCtxRuns.push(await runDeclared());
}
const mid = (runs) => [...runs].sort((a, b) => a.total - b.total)[Math.floor(runs.length / 2)];
const noCtx = mid(noCtxRuns);
const withCtx = mid(withCtxRuns);
const setName = reposDir
  ? `${files.length} Dockerfiles of ${repos.size} projects in ${reposDir}`
  : `${files.length} generated Dockerfiles`;
const ratios = withCtxRuns.map((r, i) => r.total / noCtxRuns[i].total);
const ratioA = median(ratios);
const range =
  ratios.length > 1
    ? `, rounds ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}x`
    : '';
row(
  `(a) declared contexts vs none, ${setName}`,
  `${ratioA.toFixed(2)}x (${(withCtx.total / 1000).toFixed(2)} s vs ${(noCtx.total / 1000).toFixed(2)} s${range})`,
  '<= 1.5x',
  ratioA <= 1.5,
);
// Where (a)'s time goes (no goal: it explains the ratio): the search for build files, which
// lists every folder of each project (the contexts then reuse those listings), and the rest of
// the declared run; and the operating system's floor: the same readdir, stat and read calls
// made bare, which no run that looks at those folders and files avoids, as a share of the run
// without a context (each part the median of three). The last row is (a) with that floor taken
// off each round's declared run: what the declared run's own work costs against the run
// without one.
if (!corpusOnce) {
  const floors = [runBareFloor(), runBareFloor(), runBareFloor()];
  const part = (k) => median(floors.map((f) => f[k]));
  const bare = { readdir: part('readdir'), stat: part('stat'), read: part('read') };
  const floor = bare.readdir + bare.stat + bare.read;
  const count = (k) =>
    [...listed.values()].reduce((n, l) => n + l[k].length, 0).toLocaleString('en-US');
  const s3 = (x) => (x / 1000).toFixed(3);
  row(
    `(a) where the declared time goes: search for build files / the rest; the OS floor: a bare readdir of the ${count('folders')} folders listed, stat of the ${count('sized')} files sized, read of the ${count('read')} files read`,
    `${(withCtx.search / 1000).toFixed(2)} s / ${((withCtx.total - withCtx.search) / 1000).toFixed(2)} s; floor ${s3(floor)} s (readdir ${s3(bare.readdir)}, stat ${s3(bare.stat)}, read ${s3(bare.read)}) = ${(floor / noCtx.total).toFixed(2)}x no context`,
    '',
    null,
  );
  // (as (a): the median of the rounds' own ratios)
  const above = withCtxRuns.map((r, i) => (r.total - floor) / noCtxRuns[i].total);
  row(
    '(a) above the OS floor: (declared - floor) / none, each round',
    `${median(above).toFixed(2)}x (rounds ${Math.min(...above).toFixed(2)}-${Math.max(...above).toFixed(2)}x)`,
    '',
    null,
  );
}
const rssA = process.resourceUsage().maxRSS / 1024;
const med = median(noCtx.per);
row('(c) median per Dockerfile, no context', `${med.toFixed(2)} ms`, '<= 2 ms', med <= 2);

// (b) N Dockerfiles in one shared context vs each in its own folder.
if (!onlyA) {
  const seedDir =
    opt('--seed') ??
    (reposDir && fs.existsSync(path.join(reposDir, 'golang'))
      ? path.join(reposDir, 'golang')
      : null);
  let seeds = seedDir ? findDockerfiles(seedDir).map((f) => fs.readFileSync(f, 'utf8')) : [];
  if (!seeds.length) seeds = [1, 2, 3].map((n) => generated(n, 3));
  const shared = path.join(tmp, 'shared');
  const separate = path.join(tmp, 'separate');
  fs.mkdirSync(shared, { recursive: true });
  const sharedFiles = [];
  const separateFiles = [];
  for (let i = 0; i < sharedN; i++) {
    const text = seeds[i % seeds.length];
    const a = path.join(shared, `Dockerfile.${i}`);
    fs.writeFileSync(a, text);
    sharedFiles.push(a);
    const d = path.join(separate, `f${i}`);
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, 'Dockerfile'), text);
    separateFiles.push(path.join(d, 'Dockerfile'));
  }
  // Each seed's helper files (docker-entrypoint.sh and the like) in both layouts, so the
  // COPY sources resolve the same way.
  for (const name of ['docker-entrypoint.sh', 'entrypoint.sh']) {
    fs.writeFileSync(path.join(shared, name), '#!/bin/sh\nexec "$@"\n');
    for (const f of separateFiles)
      fs.writeFileSync(path.join(path.dirname(f), name), '#!/bin/sh\nexec "$@"\n');
  }
  clearCaches();
  let t0 = process.hrtime.bigint();
  // Both layouts through the same API: one optimizeFiles() call (one session, as `fix`), or
  // optimizeFile() once per file (`--api file`).
  if (sharedApi === 'files' && api.optimizeFiles) await api.optimizeFiles(separateFiles);
  else for (const f of separateFiles) await optimizeFile(f);
  const tSeparate = ms(t0);
  clearCaches();
  t0 = process.hrtime.bigint();
  if (sharedApi === 'files' && api.optimizeFiles) await api.optimizeFiles(sharedFiles);
  else for (const f of sharedFiles) await optimizeFile(f);
  const tShared = ms(t0);
  const how = sharedApi === 'files' && api.optimizeFiles ? 'optimizeFiles' : 'optimizeFile each';
  const ratioB = tShared / tSeparate;
  row(
    `(b) ${sharedN} Dockerfiles (${seeds.length} seeds) shared vs separate, ${how}`,
    `${ratioB.toFixed(2)}x (${(tShared / 1000).toFixed(2)} s vs ${(tSeparate / 1000).toFixed(2)} s)`,
    '<= 2x',
    ratioB <= 2,
  );
}

// (c) peak memory of the corpus run, (a) + (b) + the median (maxRSS is in KiB); (d) and the
// size-doubling phases run in child processes, whose memory is not this process's.
const rssB = process.resourceUsage().maxRSS / 1024;
if (corpusOnce) {
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(JSON.stringify({ peak: rssB, afterA: rssA }));
  process.exit(0);
}
// One corpus run in a process of its own: each Dockerfile of (a) once per mode, (b) once. This
// process's own peak (the warm-up and the timed rounds repeat the run 4 times) is shown too.
{
  const r = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.url), ...argv, '--corpus-once'],
    { encoding: 'utf8' },
  );
  let p = null;
  try {
    p = JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    row(
      '(c) peak memory (RSS), one corpus run',
      `failed: ${r.stderr.trim().split('\n').pop()}`,
      '<= 150 MiB',
      false,
    );
  }
  if (p)
    row(
      `(c) peak memory (RSS), one corpus run (${onlyA ? '(a)' : '(a) + (b)'}), own process`,
      `${p.peak.toFixed(0)} MiB (after (a): ${p.afterA.toFixed(0)})`,
      '<= 150 MiB',
      p.peak <= 150,
    );
}
row(
  `(c) peak RSS of this process: warm-up + ${rounds} timed rounds of (a)${onlyA ? '' : ' + (b)'}`,
  `${rssB.toFixed(0)} MiB (after (a): ${rssA.toFixed(0)})`,
  '',
  null,
);

// (d) CLI start: CPU time (user + system) of child processes, median of several runs.
if (!onlyA && !skipD) {
  const bin = path.join(root, 'bin/dockerfile-optimizer.js');
  const small = path.join(tmp, 'small');
  fs.mkdirSync(small);
  fs.writeFileSync(
    path.join(small, 'Dockerfile'),
    'FROM debian\nRUN apt-get update\nRUN echo hi\n',
  );
  const hasTime = fs.existsSync('/usr/bin/time');
  const once = (args) => {
    if (!hasTime) return NaN; // no child CPU time without time(1)
    const r = spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', process.execPath, ...args], {
      encoding: 'utf8',
    });
    const m = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
    return m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN;
  };
  const runs = quick ? 5 : 9;
  /** Median CPU of `args`, and median of (args - node -e 0) measured in alternation (a busy
   * machine drifts; pairs keep the baseline next to the command). */
  const cpu = (args) => {
    const xs = [];
    const diffs = [];
    for (let i = 0; i < runs; i++) {
      const base = once(['-e', '0']);
      const x = once(args);
      xs.push(x);
      diffs.push(x - base);
    }
    return { total: median(xs), above: median(diffs) };
  };
  const base = median(Array.from({ length: runs }, () => once(['-e', '0'])));
  for (const [label, args] of [
    ['--help', [bin, '--help']],
    ['rules', [bin, 'rules']],
    ['--version', [bin, '--version']],
  ]) {
    const c = cpu(args).above;
    row(
      `(d) ${label} CPU above node -e 0 (${base.toFixed(0)} ms)`,
      `${c.toFixed(0)} ms`,
      '<= 100 ms',
      c <= 100,
    );
  }
  const c = cpu([bin, 'fix', '--dry-run', '--quiet', small]).total;
  row('(d) fix --dry-run, 3-line Dockerfile, CPU', `${c.toFixed(0)} ms`, '<= 250 ms', c <= 250);
}

// Large files (issue 13, see SIZE_PHASES above): each kind in a child process, so that their
// memory is measured apart from (c) and shown in their own rows.
for (const kind of onlyA ? [] : Object.keys(SIZE_PHASES)) {
  const r = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.url), '--size-phases', kind, ...(quick ? ['--quick'] : [])],
    { encoding: 'utf8' },
  );
  let p = null;
  try {
    p = JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    row(`size x2, ${kind}`, `failed: ${r.stderr.trim().split('\n').pop()}`, '', false);
    continue;
  }
  const ratio = p.ms[1] / p.ms[0];
  row(
    `size x2, ${kind} (${p.ms[0].toFixed(0)} -> ${p.ms[1].toFixed(0)} ms), own process`,
    `${ratio.toFixed(2)}x, peak RSS ${p.peak.toFixed(0)} MiB`,
    '<= 2.5x (linear)',
    ratio <= 2.5,
  );
}

fs.rmSync(tmp, { recursive: true, force: true });

const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
console.log(`dockerfile-optimizer benchmark (node ${process.version}, ${os.cpus().length} cpus)\n`);
console.log(
  `| ${'target'.padEnd(w[0])} | ${'measured'.padEnd(w[1])} | ${'goal'.padEnd(w[2])} | met |`,
);
console.log(`|${'-'.repeat(w[0] + 2)}|${'-'.repeat(w[1] + 2)}|${'-'.repeat(w[2] + 2)}|-----|`);
for (const r of rows)
  console.log(
    `| ${r[0].padEnd(w[0])} | ${r[1].padEnd(w[1])} | ${r[2].padEnd(w[2])} | ${r[3].padEnd(3)} |`,
  );
if (unparsable.length)
  console.log(
    `\n(a) left out ${unparsable.length} Dockerfiles that do not parse, e.g. ${unparsable[0]}`,
  );
if (errors.length)
  console.log(`\n${errors.length} projects failed with their declared contexts, e.g. ${errors[0]}`);
if (argv.includes('--per-project') && !corpusOnce) {
  // Each project's median over the timed rounds, in each mode (the memory child runs no rounds).
  console.log('\n(a) by project: Dockerfiles, no context, declared contexts, ratio');
  const name = (r) => (reposDir ? path.relative(reposDir, r) : r);
  const width = Math.max(...[...repos.keys()].map((r) => name(r).length));
  for (const [repo, list] of repos) {
    const none = median(noCtxRuns.map((r) => r.byRepo.get(repo)));
    const decl = median(withCtxRuns.map((r) => r.byRepo.get(repo)));
    console.log(
      `  ${name(repo).padEnd(width)} ${String(list.length).padStart(4)} ${none.toFixed(1).padStart(7)} ms ${decl.toFixed(1).padStart(7)} ms ${(decl / none).toFixed(2).padStart(6)}x`,
    );
  }
}
