#!/usr/bin/env node
// npm run bench:lsp: the language server's latency and memory (a benchmark, not a test).
// Starts `dockerfile-optimizer lsp --stdio`, opens a 200-line Dockerfile in a small project,
// warms up, then sends 1,000 edits one after another and measures, for each, the time from the
// didChange to the diagnostics of that version; prints the median and p95 and the server's
// resident memory (VmRSS from /proc) after 100, half and all of the edits. `--live-heap`: the
// analysis in-process instead, the live heap after full collections (see below).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import rpc from 'vscode-languageserver-protocol/node';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EDITS = Number(process.env.EDITS ?? 1000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfo-bench-lsp-'));
fs.cpSync(path.join(root, 'examples/flask'), dir, { recursive: true });
// 200 lines: the example's steps, then apt/pip/npm RUNs and COPYs of a long real-world file.
const lines = fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8').split('\n');
const extra = [];
for (let i = 0; extra.length < 200 - lines.length; i++) {
  extra.push(`# step ${i}`);
  extra.push(
    i % 3 === 0
      ? `RUN apt-get update && apt-get install -y pkg${i}`
      : i % 3 === 1
        ? `ENV VAR_${i}=value-${i}`
        : `COPY app.py /srv/copy-${i}.py`,
  );
}
const text = [...lines.slice(0, -1), ...extra, ''].join('\n');
const file = path.join(dir, 'Dockerfile');
fs.writeFileSync(file, text);
const uri = pathToFileURL(file).href;

// --live-heap: no server; the same analysis in this process (re-run with --expose-gc), each edit
// a new text, with a full collection before each reading: the live heap at 1, 100, 300, 1,000,
// 2,000 and 3,000 edits tells a leak (steady growth) from V8's heap sizing (RSS only).
if (process.argv.includes('--live-heap')) {
  if (typeof global.gc !== 'function') {
    const r = spawnSync(process.execPath, ['--expose-gc', ...process.argv.slice(1)], {
      stdio: 'inherit',
    });
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(r.status ?? 1);
  }
  const { analyse } = await import(path.join(root, 'dist/src/lsp/analysis.js'));
  const { initShellParser } = await import(path.join(root, 'dist/src/index.js'));
  await initShellParser();
  const MiB = (x) => (x / 1048576).toFixed(1);
  for (let i = 1; i <= 3000; i++) {
    await analyse(file, text.replace('# step 0', `# step 0 edit ${i}`), {});
    if (![1, 100, 300, 1000, 2000, 3000].includes(i)) continue;
    global.gc();
    const m = process.memoryUsage();
    console.log(
      `  after ${i} edits: live heap ${MiB(m.heapUsed)} MiB, outside the heap ${MiB(m.external)} MiB, RSS ${MiB(m.rss)} MiB`,
    );
  }
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

const child = spawn(
  process.execPath,
  [path.join(root, 'bin/dockerfile-optimizer.js'), 'lsp', '--stdio'],
  { stdio: 'pipe' },
);
const conn = rpc.createProtocolConnection(
  new rpc.StreamMessageReader(child.stdout),
  new rpc.StreamMessageWriter(child.stdin),
);
const waiting = new Map();
conn.onNotification('textDocument/publishDiagnostics', (p) => {
  const w = waiting.get(p.version);
  if (w) {
    waiting.delete(p.version);
    w(p.diagnostics.length);
  }
});
conn.listen();
await conn.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
await conn.sendNotification('initialized', {});
const rss = () =>
  Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024;
const diagnosticsOf = (version) => new Promise((resolve) => waiting.set(version, resolve));
let version = 1;
let p = diagnosticsOf(1);
await conn.sendNotification('textDocument/didOpen', {
  textDocument: { uri, languageId: 'dockerfile', version, text },
});
await p;
const times = [];
let rss100 = 0;
let rssHalf = 0;
for (let i = 0; i < EDITS + 20; i++) {
  version++;
  const edited = text.replace('# step 0', `# step 0 edit ${i}`);
  p = diagnosticsOf(version);
  const t0 = process.hrtime.bigint();
  await conn.sendNotification('textDocument/didChange', {
    textDocument: { uri, version },
    contentChanges: [{ text: edited }],
  });
  await p;
  if (i >= 20) times.push(Number(process.hrtime.bigint() - t0) / 1e6); // the first 20: warm-up
  if (i === 120) rss100 = rss();
  if (i === 20 + Math.floor(EDITS / 2)) rssHalf = rss();
}
const rssEnd = rss();
times.sort((a, b) => a - b);
const q = (f) => times[Math.min(times.length - 1, Math.floor(times.length * f))].toFixed(1);
console.log(`lsp: ${text.split('\n').length - 1}-line Dockerfile, ${EDITS} edits after warm-up`);
console.log(
  `  change -> diagnostics: median ${q(0.5)} ms, p95 ${q(0.95)} ms (target: median <= 50 ms)`,
);
console.log(
  `  server memory (RSS): ${rss100.toFixed(0)} MiB after 100 edits, ${rssHalf.toFixed(0)} after ${EDITS / 2}, ${rssEnd.toFixed(0)} after ${EDITS}` +
    ` (second half: ${rssEnd - rssHalf >= 0 ? '+' : ''}${(rssEnd - rssHalf).toFixed(0)} MiB; flat: the second half adds <= 5% of the first measure)`,
);
await conn.sendRequest('shutdown');
await conn.sendNotification('exit');
fs.rmSync(dir, { recursive: true, force: true });
setTimeout(() => process.exit(0), 200);
