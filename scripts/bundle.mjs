#!/usr/bin/env node
// The CLI's bundle (issue 18: start fast). Node spends most of a short run resolving, loading and
// compiling ~300 small module files (ours and our dependencies'); esbuild joins the compiled CLI
// (dist/src/cli/cli.js, from `tsc`) and its dependencies into one CommonJS file,
// dist/bundle/cli.cjs. Each module that is imported dynamically (each command's code, the build-file
// parsers, the language server, ...) stays a function that runs on its first import, so a command
// still runs only what it uses (`--help` runs neither yargs nor the parser). One classic script is
// what V8 can keep compiled between runs: bin/dockerfile-optimizer.js runs it with a code cache on
// Node 20 (Node 22+: Node's own compile cache), or runs dist/src/cli/cli.js when the bundle is
// missing or older than it (only `tsc` was run). The API (dist/src/index.js) is not bundled.
//
// The first line of the bundle is `// dockerfile-optimizer bundle <hash of the rest>`: the code
// cache is kept for that content only.
//
// Kept outside the bundle, resolved from node_modules at run time: the WebAssembly grammars (files
// found with require.resolve) and the HCL grammar's package. Code inside the bundle that finds
// files does so by walking up to the package root (src/io/version.ts), by
// createRequire(import.meta.url) (node_modules from dist/bundle/) or relative to the current
// directory, never by a path relative to its own source file; `import.meta.url` is the bundle's.
import * as crypto from 'node:crypto';
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import { isBuiltin } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist/bundle');
export const BUNDLE = path.join(outdir, 'cli.cjs');
export const HEADER = '// dockerfile-optimizer bundle ';

/** An onLoad plugin that replaces texts in one dependency's file, failing the build when a text
 * is no longer there (the dependency changed: update this script). */
function patch(name, filter, replacements) {
  return {
    name,
    setup(build) {
      build.onLoad({ filter }, (args) => {
        let text = fs.readFileSync(args.path, 'utf8');
        for (const [from, to] of replacements) {
          if (!text.includes(from))
            throw new Error(`${args.path}: no ${from} (changed: update scripts/bundle.mjs)`);
          text = text.replace(from, to);
        }
        return { contents: text, loader: 'js' };
      });
    },
  };
}

// yargs' platform shim, three things:
// - it finds its translations (locales/*.json) relative to its own file, which in the bundle is
//   dist/bundle/cli.cjs: the folder is looked up from where yargs is installed instead;
// - it guesses the program's version from the package.json found upward from the node_modules
//   folder holding it, else from the current directory: without one there (a Dockerfile's folder)
//   a failed assertion is thrown and caught on every run (node:assert loaded, an AssertionError
//   built). The CLI sets its version itself; the search starts at the bundle, which finds the
//   tool's own package.json, as the compiled CLI does from node_modules/yargs;
// - node:assert is loaded only if an assertion fails.
// Its `__dirname` (the file's path) is renamed: in a CommonJS bundle a top-level `var __dirname`
// would be the module wrapper's parameter.
const yargsShim = patch('yargs-shim', /[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/, [
  [
    "import { notStrictEqual, strictEqual } from 'assert'",
    // (the same test as node:assert's: Object.is)
    "const notStrictEqual = (a, b, m) => Object.is(a, b) && require('assert').notStrictEqual(a, b, m)\n" +
      "const strictEqual = (a, b, m) => Object.is(a, b) || require('assert').strictEqual(a, b, m)",
  ],
  [
    "const __dirname = fileURLToPath(import.meta.url);\nconst mainFilename = __dirname.substring(0, __dirname.lastIndexOf('node_modules'));",
    'const mainFilename = fileURLToPath(import.meta.url);',
  ],
  ["resolve(__dirname, '../../../locales')", "join(__dfoPackageDir('yargs'), 'locales')"],
]);

// web-tree-sitter (the shell grammar's runtime): its CommonJS build, bundled, finds its own
// web-tree-sitter.wasm from where the package is installed, not from the bundle's folder, and reads
// a grammar file with fs.readFileSync instead of importing node:fs/promises for one read (that
// import starts Node's ES module loader and loads fs/promises, readline and streams).
const webTreeSitter = {
  name: 'web-tree-sitter',
  setup(build) {
    build.onResolve({ filter: /^web-tree-sitter$/ }, (args) =>
      args.pluginData?.real
        ? undefined
        : build.resolve(args.path, {
            kind: 'require-call',
            resolveDir: args.resolveDir,
            pluginData: { real: true },
          }),
    );
    patch('web-tree-sitter-wasm', /[\\/]web-tree-sitter[\\/]web-tree-sitter\.cjs$/, [
      [
        'scriptDirectory = __dirname + "/";',
        'scriptDirectory = __dfoPackageDir("web-tree-sitter") + "/";',
      ],
      [
        'const fs2 = await import("fs/promises");\n      binary2 = await fs2.readFile(input);',
        'binary2 = require("fs").readFileSync(input);',
      ],
    ]).setup(build);
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

// The modules the bundle runs on demand (esbuild's __esm and __commonJS wrappers) are each
// pushed on `__dfoInits` when they first run, if there is such an array: a parameter of the
// bundle's function when bin/dockerfile-optimizer.js runs it (its code cache is rewritten when a
// run used modules it did not cover), else a global of that name (test/support/loaded.ts).
// Otherwise nothing is recorded.
const TRACE = 'typeof __dfoInits == "object" && __dfoInits.push';
const INIT_HOOKS = [
  [
    'function __init() {\n  return fn && (res = ',
    `function __init() {\n  return fn && (${TRACE}(fn), res = `,
  ],
  [
    'function __require() {\n  return mod || (0, cb[',
    `function __require() {\n  return mod || (${TRACE}(cb), 0, cb[`,
  ],
];
// `import * as fs from 'node:fs'` becomes `__toESM(require("node:fs"), 1)` in each module: a copy
// of the built-in module's exports (a getter each) per importing module, about 30 in a small `fix`.
// One copy per built-in module is enough (an ES module namespace is one object too).
function shareBuiltinNamespaces(text) {
  let n = 0;
  text = text.replace(/\b(__toESM\d*)\(require\("([^"]+)"\), 1\)/g, (all, toESM, id) =>
    isBuiltin(id) ? (n++, `__dfoBuiltin("${id}", ${toESM})`) : all,
  );
  if (n === 0)
    throw new Error(
      'bundle: no namespace import of a built-in module found: update scripts/bundle.mjs',
    );
  return text;
}

function traceInits(text) {
  for (const [from, to] of INIT_HOOKS) {
    const at = text.indexOf(from);
    if (at < 0 || at > 5000)
      throw new Error(`bundle: esbuild's runtime has no ${from}: update scripts/bundle.mjs`);
    text = text.slice(0, at) + to + text.slice(at + from.length);
  }
  return text;
}

// At the top of the bundle: `import.meta` of every module (the bundle's: a CommonJS file has none),
// the shared namespaces of built-in modules (below), and where a package is installed. The folder is found as require.resolve
// would find the package, without reading its `exports` (resolving a path through a package's
// `exports` loads and compiles Node's ES module resolver: 5-10 ms of a short run).
const BANNER = `"use strict";
var __dfoImportMeta = {
  url: require("node:url").pathToFileURL(__filename).href,
  resolve: (s) => require("node:url").pathToFileURL(require.resolve(s)).href,
};
var __dfoBuiltins = {};
function __dfoBuiltin(id, toESM) {
  return (__dfoBuiltins[id] ??= toESM(require(id), 1));
}
function __dfoPackageDir(name) {
  for (const dir of require.resolve.paths(name) ?? []) {
    const pkg = require("node:path").join(dir, name);
    if (require("node:fs").existsSync(require("node:path").join(pkg, "package.json"))) return pkg;
  }
  throw new Error("cannot find the package " + name);
}`;

export async function bundle() {
  fs.rmSync(outdir, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['dist/src/cli/cli.js'],
    outfile: BUNDLE,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // jsonc-parser's `main` is a UMD build whose require() calls esbuild cannot follow.
    mainFields: ['module', 'main'],
    external: ['@vscode/tree-sitter-wasm', '@tree-sitter-grammars/tree-sitter-hcl'],
    // `import.meta` of every module is the bundle's (a CommonJS file has none).
    define: { 'import.meta': '__dfoImportMeta' },
    banner: { js: BANNER },
    // The licence notices of the bundled dependencies stay, at the end of the file.
    legalComments: 'eof',
    logLevel: 'warning',
    metafile: true,
    write: false,
    plugins: [yargsShim, webTreeSitter, lazyHelpLayout],
  });
  const text = shareBuiltinNamespaces(traceInits(result.outputFiles[0].text));
  // esbuild writes any other character as an escape; the bin reads the bundle as Latin-1
  if (/[^\0-\x7f]/.test(text)) throw new Error('bundle: not ASCII (the bin reads it as Latin-1)');
  const hash = crypto.createHash('sha256').update(text).digest('hex').slice(0, 32);
  fs.mkdirSync(outdir, { recursive: true });
  fs.writeFileSync(BUNDLE, `${HEADER}${hash}\n${text}`);
  // Which source files the bundle holds (test/support/loaded.ts reads it).
  const inputs = Object.keys(Object.values(result.metafile.outputs)[0].inputs).sort();
  fs.writeFileSync(path.join(outdir, 'inputs.json'), JSON.stringify(inputs, null, 1) + '\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!fs.existsSync(path.join(root, 'dist/src/cli/cli.js'))) {
    console.error('bundle: dist/src/cli/cli.js is missing: run `tsc -p tsconfig.json` first');
    process.exit(1);
  }
  await bundle();
}
