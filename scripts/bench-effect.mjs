#!/usr/bin/env node
// Effect benchmark with real Docker builds (never a timed test): `npm run bench:effect`.
// For every example in examples/ (except flask, which needs PyPI): optimize with --unsafe, build
// the original and the optimized Dockerfile cold (--no-cache), edit a source file and rebuild.
// Prints a Markdown table: image size before/after, reduction, layers, cold build time, steps
// re-run after the edit. Starts the engine with scripts/docker-setup.sh when needed.
// Env: DFO_DIST (compiled output, default dist), DFO_EXAMPLES (comma-separated names).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.resolve(root, process.env.DFO_DIST ?? 'dist');
const { optimizeFile } = await import(path.join(dist, 'src/api.js'));
const { verify } = await import(path.join(dist, 'src/verify/verify.js'));
const { defaultDockerBin } = await import(path.join(dist, 'src/verify/docker.js'));
const { explain, contextAfter } = await import(path.join(dist, 'src/explain/explain.js'));
const { DiskContext } = await import(path.join(dist, 'src/context/context.js'));

const bin = process.env.DFO_DOCKER ?? defaultDockerBin();
const setup = spawnSync('bash', [path.join(root, 'scripts/docker-setup.sh')], {
  encoding: 'utf8',
  timeout: 20 * 60_000,
  env: { ...process.env, DFO_DOCKER: bin },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const host = /export DOCKER_HOST=(\S+)/.exec(setup.stdout ?? '')?.[1];
if (setup.status !== 0 || !host) {
  console.error('bench:effect: no Docker engine (scripts/docker-setup.sh failed)');
  process.exit(2);
}
const client = { bin, env: { DOCKER_HOST: host } };

const names = (
  process.env.DFO_EXAMPLES?.split(',') ??
  fs.readdirSync(path.join(root, 'examples')).filter((n) => n !== 'flask')
)
  .filter((n) => fs.existsSync(path.join(root, 'examples', n, 'Dockerfile')))
  .sort();

const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
const rows = [];
let failed = false;
for (const name of names) {
  const dockerfile = path.join(root, 'examples', name, 'Dockerfile');
  process.stderr.write(`bench:effect: ${name} ...\n`);
  const result = await optimizeFile(dockerfile, { unsafe: true, cwd: root });
  const r = await verify({
    client,
    dockerfile,
    contextDir: path.dirname(dockerfile),
    original: result.files[0]?.before ?? result.output,
    result,
    unsafe: true,
    buildTimeoutMs: 10 * 60_000,
  });
  if (!r.size) {
    failed = true;
    rows.push([name, r.verdict, '', '', '', '', '', '']);
    continue;
  }
  const o = r.original.cache;
  const p = r.optimized.cache;
  const reran = (c) => (c ? `${c.reran.length}/${c.total}` : 'n/a');
  // Installs, compiles and downloads among the steps that re-ran, as `explain` classifies them.
  const context = new DiskContext(path.dirname(dockerfile), dockerfile);
  const expensive = (text, ctx) =>
    new Set(
      explain({ text, context: ctx, edits: [] })
        .steps.filter((s) => s.expensive)
        .map((s) => s.buildkit.label.trim().replace(/\s+/g, ' ')),
    );
  const heavyBefore = expensive(result.files[0]?.before ?? result.output, context);
  const heavyAfter = expensive(result.output, contextAfter(context, result));
  const heavy = (c, set) =>
    c ? c.reran.filter((s) => set.has(s.step.trim().replace(/\s+/g, ' '))).length : 0;
  rows.push([
    name,
    String(new Set(r.fixes).size),
    `${mb(r.size.before)} → ${mb(r.size.after)}`,
    `${(-r.size.percent).toFixed(1)} %`,
    `${r.layers.before} → ${r.layers.after}`,
    `${r.original.build.seconds.toFixed(1)} s → ${r.optimized.build.seconds.toFixed(1)} s`,
    `${reran(o)} → ${reran(p)}`,
    `${heavy(o, heavyBefore)} → ${heavy(p, heavyAfter)}`,
  ]);
}
const head = [
  'example',
  'fixes',
  'image size (before → after)',
  'reduction',
  'layers',
  'cold build',
  'steps re-run after a source edit',
  'of them install/compile',
];
const lines = [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`);
console.log(lines.join('\n'));
process.exitCode = failed ? 1 : 0;
