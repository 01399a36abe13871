#!/usr/bin/env node
// CommonJS (bin/package.json): a CommonJS main module starts without Node's ES module loader.
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const v8 = require('node:v8');
const vm = require('node:vm');

const command = process.argv[2];
// The CLI's bundle (scripts/bundle.mjs, built by `npm run build`) starts in a fraction of the time
// of the ~300 module files it joins. When it is missing or older than the compiled CLI (only `tsc`
// was run), the compiled files run instead: same behaviour, slower start.
const bundled = path.join(__dirname, '../dist/bundle/cli.cjs');
const compiled = path.join(__dirname, '../dist/src/cli/cli.js');
const mtime = (file) => fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs;
const useBundle = (mtime(bundled) ?? -Infinity) >= (mtime(compiled) ?? -Infinity);

// Node 22+: Node keeps the compiled code of our modules between runs. Node 20 has no such cache:
// the bundle runs with a code cache of its own (below).
Module.enableCompileCache?.();
const ownCache = useBundle && !Module.enableCompileCache && command !== 'lsp';
// A one-shot CLI does not profit from V8's optimising tier for the shell parser's WebAssembly,
// and at exit V8 waits for those background compiles (about 400 ms here). Baseline code only.
v8.setFlagsFromString('--liftoff-only');
// The language server lives as long as the editor: a bounded old space makes V8 collect instead
// of growing its heap (its caches are bounded; see README "Editors").
if (command === 'lsp') v8.setFlagsFromString('--max-old-space-size=128');

const start = (main, beforeExit = () => {}) => {
  const exit = (code) => {
    beforeExit();
    process.exitCode = code;
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  };
  main(process.argv.slice(2)).then(exit, (err) => {
    process.stderr.write(`dockerfile-optimizer: internal error: ${err?.stack ?? err}\n`);
    exit(2);
  });
};

if (!useBundle) import(pathToFileURL(compiled).href).then(({ main }) => start(main));
else if (!ownCache) start(require(bundled).main);
else {
  const { main, beforeExit } = runWithCodeCache(bundled);
  start(main, beforeExit);
}

/**
 * Node 20: run the bundle (CommonJS) as a script compiled with V8's code cache of an earlier run,
 * and write the cache at exit when there was none, V8 rejected it, or this run used modules of the
 * bundle it did not cover (the new cache holds both: all the functions compiled in this process).
 * One cache file per command, Node version and architecture, in a folder of the user's
 * ($DFO_COMPILE_CACHE, else <tmpdir>/dockerfile-optimizer-compile-cache-<uid>); its first line
 * names the bundle's content (scripts/bundle.mjs), so a cache of another build is never used.
 * `DFO_DISABLE_COMPILE_CACHE=1` (or Node's `NODE_DISABLE_COMPILE_CACHE=1`) turns it off. Any
 * failure to read or write the cache only means running without it: nothing is printed.
 */
function runWithCodeCache(file) {
  // ASCII only (scripts/bundle.mjs checks): read as Latin-1, which Node decodes faster than UTF-8
  const source = fs.readFileSync(file, 'latin1');
  const header = source.slice(0, source.indexOf('\n'));
  const dir = cacheDir();
  // what the command runs: `--version` and `--help` alone run almost nothing of the bundle
  const kind = /^(fix|verify|explain|builds|rules)$/.test(command)
    ? command
    : process.argv.length === 3 && /^(--version|-V|--help|-h)$/.test(command)
      ? 'fast'
      : 'other';
  const name = `${fnv1a(file)}-${kind}-${process.version}-${process.arch}.bin`;
  const cacheFile = dir && path.join(dir, name);
  let cached = null;
  try {
    if (cacheFile && ownedDir(dir)) cached = parseCache(fs.readFileSync(cacheFile), header);
  } catch {
    /* no cache */
  }
  const wrapper = '(function (exports, require, module, __filename, __dirname, __dfoInits) {';
  // A corrupt code cache must be rejected, not run: V8 checks (and writes) a code cache's checksum
  // only with this flag. It stays on only while the bundle is compiled and its cache made: it also
  // makes V8 check Node's own built-in modules as they load (about 13 ms for node:crypto here).
  // V8 accepts a cache made under the flags in force when it is read.
  const cacheFlags = (on) => {
    v8.setFlagsFromString(on ? '--verify-snapshot-checksum' : '--no-verify-snapshot-checksum');
    // (--liftoff-only, set above, is turned off again once the shell grammar is loaded)
    if (on) v8.setFlagsFromString('--liftoff-only');
  };
  cacheFlags(true);
  const script = new vm.Script(`${wrapper}${source}\n})`, {
    filename: file,
    cachedData: cached?.data,
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  cacheFlags(false);
  const inits = [];
  const mod = { exports: {} };
  script
    .runInThisContext()
    .call(
      mod.exports,
      mod.exports,
      Module.createRequire(file),
      mod,
      file,
      path.dirname(file),
      inits,
    );
  const beforeExit = () => {
    if (!cacheFile) return;
    try {
      const used = new Set(cached && !script.cachedDataRejected ? cached.modules : []);
      const known = used.size;
      for (const fn of inits) used.add(Object.keys(fn)[0]);
      if (cached && !script.cachedDataRejected && used.size === known) return;
      cacheFlags(true);
      const data = script.createCachedData();
      writeCache(
        dir,
        cacheFile,
        Buffer.concat([Buffer.from(`${header}\n${[...used].join('\t')}\n`), data]),
      );
    } catch {
      /* no cache */
    }
  };
  return { main: mod.exports.main, beforeExit };
}

/** The cache file's V8 data and the bundle modules it covers, or null when it is of another
 * build of the bundle (or not a cache file). */
function parseCache(buf, header) {
  const first = buf.indexOf(10);
  const second = first < 0 ? -1 : buf.indexOf(10, first + 1);
  if (second < 0 || buf.toString('latin1', 0, first) !== header) return null;
  return {
    modules: buf
      .toString('latin1', first + 1, second)
      .split('\t')
      .filter(Boolean),
    data: buf.subarray(second + 1),
  };
}

function cacheDir() {
  const env = process.env;
  if (env.DFO_DISABLE_COMPILE_CACHE || env.NODE_DISABLE_COMPILE_CACHE) return null;
  if (env.DFO_COMPILE_CACHE) return path.resolve(env.DFO_COMPILE_CACHE);
  const uid = process.getuid?.();
  return path.join(
    os.tmpdir(),
    `dockerfile-optimizer-compile-cache${uid === undefined ? '' : `-${uid}`}`,
  );
}

/** A folder (not a link) that only this user can write to: nobody else can have put code there. */
function ownedDir(dir) {
  const st = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (!st?.isDirectory()) return false;
  const uid = process.getuid?.();
  return uid === undefined || (st.uid === uid && (st.mode & 0o022) === 0);
}

/** Write the file whole or not at all (a concurrent run reads the old one or the new one). */
function writeCache(dir, file, data) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!ownedDir(dir)) return;
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, data, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}

/** A short name for the bundle's path: each installed copy has its own cache files. */
function fnv1a(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}
