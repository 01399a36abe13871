/** The verify report as text (side by side) and as JSON. */
import type { StepRef, VerifyReport } from './verify.js';

/** 167.9 MB, 5.2 kB, 512 B (decimal units, like `docker images`). */
export function humanSize(n: number): string {
  const sign = n < 0 ? '-' : '';
  let v = Math.abs(n);
  if (v < 1000) return `${sign}${v} B`;
  for (const u of ['kB', 'MB', 'GB']) {
    v /= 1000;
    if (v < 1000 || u === 'GB') return `${sign}${v.toFixed(1)} ${u}`;
  }
  return `${sign}${v.toFixed(1)} GB`;
}

function signed(n: number, fmt: (n: number) => string): string {
  return n > 0 ? `+${fmt(n)}` : n < 0 ? fmt(n) : '±0';
}

const VERDICT: Record<VerifyReport['verdict'], string> = {
  ok: 'both builds succeed',
  unchanged: 'nothing to optimize: both sides build the same Dockerfile',
  'optimized-build-failed':
    'OPTIMIZED BUILD FAILED where the original builds: do not apply this fix',
  'original-build-failed': 'the original does not build; the optimized one does',
  'both-failed': 'BOTH BUILDS FAILED: nothing could be verified',
};

function row(cells: string[], widths: number[]): string {
  return cells
    .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
    .join('  ')
    .trimEnd();
}

function stepList(steps: StepRef[]): string {
  return steps.map((s) => `[${s.step}] ${clip(s.instruction, 90)}`).join(`\n${' '.repeat(15)}`);
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** The side-by-side text report of one verification. */
export function formatReport(r: VerifyReport): string {
  const out: string[] = [];
  const o = r.original;
  const p = r.optimized;
  const flags = [r.unsafe ? '--unsafe' : 'safe fixes only'];
  if (r.target) flags.push(`--target ${r.target}`);
  for (const a of r.buildArgs) flags.push(`--build-arg ${a}`);
  out.push(`verify ${r.dockerfile} (context ${r.context}; ${flags.join(', ')})`);
  out.push(
    r.fixes.length
      ? `  fixes: ${[...new Set(r.fixes)].join(', ')}`
      : '  fixes: none (the optimized Dockerfile is the original)',
  );
  const loud = r.verdict === 'optimized-build-failed' || r.verdict === 'both-failed';
  out.push(`  ${loud ? '!!! ' : ''}result: ${VERDICT[r.verdict]}`);
  const w = [18, 16, 16];
  out.push('');
  out.push(row(['', 'original', 'optimized', 'change'], w));
  const status = (ok: boolean) => (ok ? 'ok' : 'FAILED');
  out.push(row(['  build', status(o.build.ok), status(p.build.ok), ''], w));
  if (r.size) {
    out.push(
      row(
        [
          '  image size',
          humanSize(r.size.before),
          humanSize(r.size.after),
          `${signed(r.size.change, humanSize)} (${r.size.percent > 0 ? '+' : ''}${r.size.percent.toFixed(1)}%)`,
        ],
        w,
      ),
    );
  }
  if (r.wasted) {
    out.push(
      row(
        [
          '  wasted bytes',
          humanSize(r.wasted.before),
          humanSize(r.wasted.after),
          signed(r.wasted.change, humanSize),
        ],
        w,
      ),
    );
  }
  if (r.layers) {
    out.push(
      row(
        [
          '  layers',
          String(r.layers.before),
          String(r.layers.after),
          signed(r.layers.after - r.layers.before, String),
        ],
        w,
      ),
    );
  }
  out.push(
    row(
      [
        '  cold build',
        `${o.build.seconds.toFixed(1)} s`,
        `${p.build.seconds.toFixed(1)} s`,
        o.build.ok && p.build.ok
          ? signed(
              Math.round((p.build.seconds - o.build.seconds) * 10) / 10,
              (n) => `${n.toFixed(1)} s`,
            )
          : '',
      ],
      w,
    ),
  );
  if (o.cache && p.cache) {
    const cell = (c: NonNullable<typeof o.cache>) =>
      c.ok ? `${c.reran.length} of ${c.total} re-run` : 'FAILED';
    out.push(
      row(
        [
          '  after edit',
          cell(o.cache),
          cell(p.cache),
          `${o.cache.seconds.toFixed(1)} s -> ${p.cache.seconds.toFixed(1)} s`,
        ],
        w,
      ),
    );
  }
  if (r.sameOutput !== null)
    out.push(row(['  run output', '', '', r.sameOutput ? 'same' : 'DIFFERS'], w));

  for (const [label, s] of [
    ['original', o],
    ['optimized', p],
  ] as const) {
    if (!s.build.ok) out.push('', `  ${label} build error: ${s.build.error ?? 'unknown'}`);
  }

  if (r.changedLayers.original.length || r.changedLayers.optimized.length) {
    out.push('', '  layers that changed (uncompressed size, history order):');
    for (const e of r.changedLayers.original)
      out.push(`    - ${humanSize(e.size).padStart(9)}  ${clip(e.createdBy, 96)}`);
    for (const e of r.changedLayers.optimized)
      out.push(`    + ${humanSize(e.size).padStart(9)}  ${clip(e.createdBy, 96)}`);
  }

  for (const [label, s] of [
    ['original', o],
    ['optimized', p],
  ] as const) {
    if (!s.waste?.files) continue;
    out.push(
      '',
      `  wasted in ${label}: ${humanSize(s.waste.bytes)} in ${s.waste.files} file${s.waste.files === 1 ? '' : 's'} hidden by a later layer; largest:`,
    );
    for (const f of s.waste.top.slice(0, 3))
      out.push(
        `    ${humanSize(f.size).padStart(9)}  ${clip(f.path, 70)} (layer ${f.layer}, ${f.how} by layer ${f.hiddenBy})`,
      );
  }

  out.push('');
  if (r.cacheTest.skipped) out.push(`  cache test: skipped (${r.cacheTest.skipped})`);
  else if (o.cache && p.cache) {
    out.push(`  cache test: edited ${r.cacheTest.file}, rebuilt; steps that re-ran:`);
    out.push(`    original:  ${o.cache.reran.length ? stepList(o.cache.reran) : 'none'}`);
    out.push(`    optimized: ${p.cache.reran.length ? stepList(p.cache.reran) : 'none'}`);
  }
  for (const wn of r.warnings) out.push(`  warning: ${wn}`);
  for (const g of r.regressions) out.push(`  !!! REGRESSION: ${g}`);
  return out.join('\n') + '\n';
}

/** The JSON document for `--format json`: every report, plus a summary. */
export function jsonDocument(reports: VerifyReport[], errors: { path: string; error: string }[]) {
  return {
    reports,
    errors,
    ok: verifyExitCode(reports, errors) === 0,
  };
}

/**
 * The exit code of `verify`: 1 when an optimization is worse than the original (a report has
 * regressions: the optimized build fails, the image grows, the output differs, the cache test
 * re-runs more); 2 when something could not be verified (an error, or the original does not
 * build); else 0.
 */
export function verifyExitCode(
  reports: VerifyReport[],
  errors: { path: string; error: string }[],
): number {
  if (reports.some((r) => r.regressions.length)) return 1;
  if (errors.length || reports.some((r) => r.verdict !== 'ok' && r.verdict !== 'unchanged'))
    return 2;
  return 0;
}
