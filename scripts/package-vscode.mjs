#!/usr/bin/env node
// npm run package:vscode: build the VS Code extension (editors/vscode) as a .vsix with the official
// packaging tool (@vscode/vsce), the language server inside it (server/: bin, dist, production
// node_modules copied from this checkout, docs/rules for the diagnostics' links), then check the
// package: manifest (activation on dockerfile documents, main and server inside the package) and
// a smoke run of the packaged server (initialize over stdio). Exit 1 on any problem.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ext = path.join(root, 'editors/vscode');
const server = path.join(ext, 'server');
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: 'inherit' });
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

run(
  process.execPath,
  [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
  root,
);
run(process.execPath, [path.join(root, 'scripts/bundle.mjs')], root);
fs.rmSync(server, { recursive: true, force: true });
fs.mkdirSync(server, { recursive: true });
// dist/bundle: the CLI's bundle (scripts/bundle.mjs), copied after dist/src so the bin uses it.
for (const p of ['bin', 'dist/src', 'dist/transforms', 'dist/bundle', 'docs/rules', 'package.json'])
  fs.cpSync(path.join(root, p), path.join(server, p), { recursive: true });
// Production dependencies as installed here (no network): npm's own list of them.
const deps = execFileSync(npm, ['ls', '--omit=dev', '--all', '--parseable'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((p) => p && p !== root && p.startsWith(path.join(root, 'node_modules')));
for (const d of deps) fs.cpSync(d, path.join(server, path.relative(root, d)), { recursive: true });
// Only the bash grammar of @vscode/tree-sitter-wasm is used (src/model/shell.ts).
const wasm = path.join(server, 'node_modules/@vscode/tree-sitter-wasm/wasm');
for (const f of fs.readdirSync(wasm))
  if (/^tree-sitter-.*\.wasm$/.test(f) && f !== 'tree-sitter-bash.wasm')
    fs.rmSync(path.join(wasm, f));

if (!fs.existsSync(path.join(ext, 'node_modules')))
  run(npm, ['ci', '--no-audit', '--no-fund'], ext);
run(
  process.execPath,
  [path.join(ext, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
  ext,
);
const manifest = JSON.parse(fs.readFileSync(path.join(ext, 'package.json'), 'utf8'));
const vsix = path.join(ext, `${manifest.name}-${manifest.version}.vsix`);
fs.rmSync(vsix, { force: true });
run(
  process.execPath,
  [path.join(ext, 'node_modules/@vscode/vsce/vsce'), 'package', '--out', vsix],
  ext,
);

// ---- check the package
const problems = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dfo-vsix-'));
execFileSync('python3', ['-m', 'zipfile', '-e', vsix, tmp]);
const inside = (p) => path.join(tmp, 'extension', p);
const m = JSON.parse(fs.readFileSync(inside('package.json'), 'utf8'));
if (!m.activationEvents?.includes('onLanguage:dockerfile'))
  problems.push('not activated on dockerfile documents');
if (!fs.existsSync(inside(m.main.replace(/^\.\//, ''))))
  problems.push(`main ${m.main} is not in the package`);
const mainJs = fs.readFileSync(inside(m.main.replace(/^\.\//, '')), 'utf8');
const serverMain = /path\.join\('server', 'bin', 'dockerfile-optimizer\.js'\)/.test(mainJs)
  ? 'server/bin/dockerfile-optimizer.js'
  : null;
if (!serverMain) problems.push('the extension does not start server/bin/dockerfile-optimizer.js');
for (const p of [
  'server/bin/dockerfile-optimizer.js',
  'server/dist/src/lsp/server.js',
  'server/dist/bundle/cli.cjs',
  'server/node_modules/vscode-languageserver/package.json',
  'server/node_modules/@vscode/tree-sitter-wasm/wasm/tree-sitter-bash.wasm',
  'node_modules/vscode-languageclient/package.json',
])
  if (!fs.existsSync(inside(p))) problems.push(`${p} is not in the package`);
// The packaged server answers `initialize` (its imports resolve inside the package).
if (!problems.length) {
  const child = spawn(process.execPath, [inside(serverMain), 'lsp', '--stdio'], { stdio: 'pipe' });
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { processId: null, rootUri: null, capabilities: {} },
  });
  child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  const answer = await new Promise((resolve) => {
    let out = '';
    const t = setTimeout(() => resolve(out), 20_000);
    child.stdout.on('data', (c) => {
      out += c;
      if (out.includes('"capabilities"')) {
        clearTimeout(t);
        resolve(out);
      }
    });
  });
  child.kill();
  if (!String(answer).includes('"codeActionProvider"'))
    problems.push('the packaged server did not answer initialize');
}
fs.rmSync(tmp, { recursive: true, force: true });
const size = (fs.statSync(vsix).size / 1e6).toFixed(1);
if (problems.length) {
  for (const p of problems) console.error(`package:vscode: ${p}`);
  process.exit(1);
}
console.log(
  `package:vscode: ${path.relative(root, vsix)} (${size} MB): manifest and packaged server checked`,
);
