#!/usr/bin/env node
// Speed and memory benchmark (never a timed test): `npm run bench`.
// Measures: CLI start-up, optimize() throughput on generated Dockerfiles of several sizes,
// and a build-context scan of 100k files. Prints a table; numbers vary by machine.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { optimize, initShellParser, DiskContext } = await import(
  path.join(root, 'dist/src/index.js')
);

function dockerfile(stages, runsPerStage) {
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

const rows = [];
const time = async (label, fn, iterations) => {
  await fn(); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6 / iterations;
  rows.push([
    label,
    `${ms.toFixed(2)} ms`,
    `${(process.memoryUsage().rss / 1048576).toFixed(0)} MB rss`,
  ]);
};

// 1. CLI start-up (one process, one small file).
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dfo-bench-'));
fs.writeFileSync(path.join(tmp, 'Dockerfile'), 'FROM debian\nRUN echo hi\n');
{
  const bin = path.join(root, 'bin/dockerfile-optimizer.js');
  const n = 5;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++)
    spawnSync(process.execPath, [bin, 'fix', '--dry-run', '--quiet', tmp]);
  rows.push([
    'CLI start-up + one small file',
    `${(Number(process.hrtime.bigint() - t0) / 1e6 / n).toFixed(0)} ms`,
    '(separate process)',
  ]);
}

// 2. optimize() on generated files (no context).
await initShellParser();
for (const [stages, runs] of [
  [1, 2],
  [3, 10],
  [10, 20],
]) {
  const src = dockerfile(stages, runs);
  const lines = src.split('\n').length;
  await time(
    `optimize(), ${lines}-line Dockerfile`,
    () => optimize(src, { path: 'Dockerfile', context: null }),
    lines > 500 ? 5 : 20,
  );
}

// 2b. Scaling (issue 13): one-line RUNs and apt groups, doubling the size; time should double.
for (const [kind, sizes] of [
  ['one-line RUN', [2500, 5000, 10000]],
  ['apt group', [1000, 2000, 4000]],
]) {
  for (const n of sizes) {
    let src = 'FROM debian:bookworm\n';
    for (let i = 0; i < n; i++)
      src +=
        kind === 'apt group'
          ? `RUN apt-get update && apt-get install -y pkg${i}-a pkg${i}-b\n`
          : `RUN echo line-${i} > /tmp/f${i % 100}\n`;
    await time(
      `optimize(), ${n} x ${kind} (${(src.length / 1024).toFixed(0)} KiB)`,
      () => optimize(src, { path: 'Dockerfile', context: null }),
      1,
    );
  }
}

// 3. Context scan of 100k files (DiskContext.walk, what the dockerignore transform reads).
{
  const ctx = path.join(tmp, 'ctx');
  for (let d = 0; d < 100; d++) {
    const dir = path.join(ctx, 'node_modules', `pkg${d}`, 'lib');
    fs.mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 1000; f++) fs.writeFileSync(path.join(dir, `f${f}.js`), '');
  }
  const t0 = process.hrtime.bigint();
  const n = new DiskContext(ctx).walk().length;
  rows.push([
    `context walk, ${n} entries`,
    `${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms`,
    `${(process.memoryUsage().rss / 1048576).toFixed(0)} MB rss`,
  ]);
  const src = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n';
  fs.writeFileSync(path.join(ctx, 'package.json'), '{"name":"x"}');
  fs.writeFileSync(path.join(ctx, 'package-lock.json'), '{}');
  const t1 = process.hrtime.bigint();
  await optimize(src, { path: path.join(ctx, 'Dockerfile'), context: ctx });
  rows.push([
    'optimize() with a 100k-file context',
    `${(Number(process.hrtime.bigint() - t1) / 1e6).toFixed(0)} ms`,
    `${(process.memoryUsage().rss / 1048576).toFixed(0)} MB rss`,
  ]);
}
fs.rmSync(tmp, { recursive: true, force: true });

const w = [0, 1].map((i) => Math.max(...rows.map((r) => r[i].length)));
console.log(`dockerfile-optimizer benchmark (node ${process.version}, ${os.cpus().length} cpus)`);
for (const r of rows) console.log(`${r[0].padEnd(w[0])}  ${r[1].padStart(w[1])}  ${r[2]}`);
