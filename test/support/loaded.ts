/**
 * Run the real binary and list the source modules it ran. A preload module, imported before the
 * CLI starts, records:
 * - every ES module resolved (a loader hook: the compiled files dist/src/, when they run),
 * - every CommonJS file required (packages left outside the bundle),
 * - the CLI's bundle (dist/bundle/cli.cjs, see scripts/bundle.mjs) when it is compiled, and which
 *   of the modules it holds ran: the bundle pushes each module it runs on demand on the
 *   `__dfoInits` array the binary passes it (or on a global of that name when it is required).
 * A module of the bundle stands for a source file; it ran when it is not one that runs on demand
 * (the entry and what only it imports), or when it was pushed.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ROOT, tmpdir } from '../helpers.js';

export interface LoadedRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Files loaded, relative to the checkout (`dist/bundle/cli.cjs`, `node_modules/...`). */
  files: string[];
  /** The source files that ran: for the bundle, those of its modules that ran. */
  sources: string[];
}

export const BUNDLE = path.join(ROOT, 'dist/bundle/cli.cjs');

/** The binary run with `preload` (ES module source) imported first. */
export function runBinWithPreload(
  preload: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
) {
  return spawnSync(
    process.execPath,
    [
      '--import',
      `data:text/javascript,${encodeURIComponent(preload)}`,
      path.join(ROOT, 'bin/dockerfile-optimizer.js'),
      ...args,
    ],
    { cwd, encoding: 'utf8', env },
  );
}

const TRACER = `
import Module from 'node:module';
import vm from 'node:vm';
const say = (kind, what) => process.stderr.write('LOADED ' + kind + ' ' + what + '\\n');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (...a) {
  const file = resolve.apply(this, a);
  if (file.includes('/')) say('file', file);
  return file;
};
const inits = (globalThis.__dfoInits = []);
const Script = vm.Script;
vm.Script = class extends Script {
  constructor(source, options) {
    super(source, options);
    this.file = options?.filename;
    if (this.file) say('file', this.file);
  }
  runInThisContext(...a) {
    const fn = super.runInThisContext(...a);
    return this.file === ${JSON.stringify(BUNDLE)}
      ? function (...args) { if (Array.isArray(args[5])) pushed.push(args[5]); return fn.apply(this, args); }
      : fn;
  }
};
const pushed = [inits];
process.on('exit', () => {
  for (const list of pushed) for (const fn of list) say('init', Object.keys(fn)[0]);
});
`;

/** The modules of the bundle that run on demand (esbuild's __esm and __commonJS wrappers). */
function onDemand(): Set<string> {
  const text = fs.readFileSync(BUNDLE, 'latin1');
  const names = [...text.matchAll(/= __(?:esm|commonJS\d*)\(\{\n\s*"([^"]+)"\(/g)].map(
    (m) => m[1]!,
  );
  if (names.length === 0) throw new Error(`${BUNDLE}: no module that runs on demand found`);
  return new Set(names);
}

export function runLoaded(args: string[], cwd: string = ROOT): LoadedRun {
  const hooks = path.join(tmpdir('dfo-hooks-'), 'hooks.mjs');
  fs.writeFileSync(
    hooks,
    'export async function resolve(s, c, next) { const r = await next(s, c); ' +
      "process.stderr.write('LOADED file ' + r.url + '\\n'); return r; }\n",
  );
  const preload =
    `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hooks).href)});\n` +
    TRACER;
  const r = runBinWithPreload(preload, args, cwd, { ...process.env, NO_COLOR: '1' });
  const lines = r.stderr.split('\n');
  const loaded = (kind: string) =>
    lines.filter((l) => l.startsWith(`LOADED ${kind} `)).map((l) => l.slice(8 + kind.length));
  const files = [
    ...new Set(
      loaded('file')
        .filter((f) => f.startsWith('file:') || f.startsWith('/'))
        .map((f) => path.relative(ROOT, f.startsWith('file:') ? fileURLToPath(f) : f)),
    ),
  ];
  const sources = files.filter((f) => f !== 'dist/bundle/cli.cjs');
  if (files.includes('dist/bundle/cli.cjs')) {
    const inputs = JSON.parse(
      fs.readFileSync(path.join(ROOT, 'dist/bundle/inputs.json'), 'utf8'),
    ) as string[];
    const lazy = onDemand();
    const ran = new Set(loaded('init'));
    sources.push(...inputs.filter((i) => !lazy.has(i) || ran.has(i)));
  }
  const stderr = lines.filter((l) => !l.startsWith('LOADED ')).join('\n');
  return { status: r.status, stdout: r.stdout, stderr, files, sources };
}
