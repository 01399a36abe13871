#!/usr/bin/env node
// The CLI's bundle (issue 18: start fast). Node spends most of a short run resolving and loading
// ~300 small module files (ours and our dependencies'); esbuild joins the compiled CLI
// (dist/src/cli/cli.js, from `tsc`) and its dependencies into a few files in dist/bundle/. Code
// splitting keeps every dynamic import() a separate chunk, so a command still loads only what it
// uses (`--help` loads neither yargs nor the parser). bin/dockerfile-optimizer.js runs the bundle,
// or dist/src/cli/cli.js when the bundle is missing or older than it (only `tsc` was run).
// The API (dist/src/index.js) is not bundled.
//
// Kept outside the bundle, resolved from node_modules at run time: the WebAssembly grammars and
// web-tree-sitter (they load their .wasm files relative to their own module). Code inside the bundle
// that finds files does so by walking up to the package root (src/io/version.ts), by
// createRequire(import.meta.url) (node_modules from dist/bundle/) or relative to the current
// directory, never by a path relative to its own source file.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist/bundle');

// yargs finds its translations (locales/*.json) relative to its own file; in the bundle that file is
// a chunk of dist/bundle/, so the folder is looked up from where yargs is installed instead.
const yargsLocales = {
  name: 'yargs-locales',
  setup(build) {
    build.onLoad({ filter: /[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/ }, (args) => {
      const text = fs.readFileSync(args.path, 'utf8');
      const from = "resolve(__dirname, '../../../locales')";
      if (!text.includes(from))
        throw new Error(`${args.path}: no ${from} (yargs changed: update scripts/bundle.mjs)`);
      const to = "join(dirname(require.resolve('yargs/package.json')), 'locales')";
      return { contents: text.replace(from, to), loader: 'js' };
    });
  },
};

// yargs lays out help text with cliui (wrap-ansi, strip-ansi, ansi-styles) and string-width, which
// build Unicode regular expressions, colour tables and an Intl.Segmenter when they load: about
// 40 ms of every run, though a command run never lays out help. Each import of these modules (each
// exports one function) gets a function that loads the real module on its first call (esbuild's
// lazy init of a require()d ES module); the results are the same.
const LAZY = /^(cliui|string-width)$/;
const lazyHelpLayout = {
  name: 'lazy-help-layout',
  setup(build) {
    build.onResolve({ filter: LAZY }, async (args) => {
      if (args.pluginData?.real) return undefined;
      const real = await build.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: { real: true },
      });
      if (real.errors.length) return { errors: real.errors };
      // relative to the checkout: no build path in the output
      return { path: path.relative(root, real.path), namespace: 'lazy' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
      contents:
        `let real;\n` +
        `export default function lazy(...args) {\n` +
        `  real ??= require(${JSON.stringify(path.resolve(root, args.path))}).default;\n` +
        `  return real(...args);\n` +
        `}\n`,
      resolveDir: path.dirname(path.resolve(root, args.path)),
      loader: 'js',
    }));
  },
};

export async function bundle() {
  fs.rmSync(outdir, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { cli: 'dist/src/cli/cli.js' },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // jsonc-parser's `main` is a UMD build whose require() calls esbuild cannot follow.
    mainFields: ['module', 'main'],
    external: [
      'web-tree-sitter',
      '@vscode/tree-sitter-wasm',
      '@tree-sitter-grammars/tree-sitter-hcl',
    ],
    // CommonJS dependencies bundled into ESM call require() for Node's built-in modules.
    banner: {
      js: "import { createRequire as __dfoCreateRequire } from 'node:module'; const require = __dfoCreateRequire(import.meta.url);",
    },
    chunkNames: 'chunk-[hash]',
    // The licence notices of the bundled dependencies stay, at the end of each file.
    legalComments: 'eof',
    logLevel: 'warning',
    metafile: true,
    plugins: [yargsLocales, lazyHelpLayout],
  });
  // Which source files each output file holds (test/cli/bundle.test.ts reads it).
  const inputs = {};
  for (const [out, o] of Object.entries(result.metafile.outputs))
    inputs[path.basename(out)] = Object.keys(o.inputs).sort();
  fs.writeFileSync(path.join(outdir, 'inputs.json'), JSON.stringify(inputs, null, 1) + '\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!fs.existsSync(path.join(root, 'dist/src/cli/cli.js'))) {
    console.error('bundle: dist/src/cli/cli.js is missing: run `tsc -p tsconfig.json` first');
    process.exit(1);
  }
  await bundle();
}
