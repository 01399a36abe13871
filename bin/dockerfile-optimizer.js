#!/usr/bin/env node
import fs from 'node:fs';
import module from 'node:module';
import v8 from 'node:v8';

// Node 22+: keep the compiled code of our modules between runs (no-op before).
module.enableCompileCache?.();

// A one-shot CLI does not profit from V8's optimising tier for the shell parser's WebAssembly,
// and at exit V8 waits for those background compiles (about 400 ms here). Baseline code only.
v8.setFlagsFromString('--liftoff-only');
// The language server lives as long as the editor: a bounded old space makes V8 collect instead
// of growing its heap (its caches are bounded; see README "Editors").
if (process.argv[2] === 'lsp') v8.setFlagsFromString('--max-old-space-size=128');
// The CLI's bundle (scripts/bundle.mjs, built by `npm run build`) starts in a fraction of the time
// of the ~300 module files it joins. When it is missing or older than the compiled CLI (only `tsc`
// was run), the compiled files run instead: same behaviour, slower start.
const bundled = new URL('../dist/bundle/cli.js', import.meta.url);
const compiled = new URL('../dist/src/cli/cli.js', import.meta.url);
const mtime = (url) => fs.statSync(url, { throwIfNoEntry: false })?.mtimeMs;
const useBundle = (mtime(bundled) ?? -Infinity) >= (mtime(compiled) ?? -Infinity);
const { main } = await import(useBundle ? bundled.href : compiled.href);

const exit = (code) => {
  process.exitCode = code;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
};

main(process.argv.slice(2)).then(exit, (err) => {
  process.stderr.write(`dockerfile-optimizer: internal error: ${err?.stack ?? err}\n`);
  exit(2);
});
