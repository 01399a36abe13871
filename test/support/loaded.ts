/**
 * Run the real binary and list the source modules it loaded: a loader hook registered before the
 * CLI starts prints every module resolved; a chunk of the CLI's bundle (dist/bundle/, see
 * scripts/bundle.mjs) stands for the source files it holds (dist/bundle/inputs.json).
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
  /** Module files resolved, relative to the checkout (`dist/bundle/cli.js`, `node_modules/...`). */
  files: string[];
  /** The source files those stand for: a bundle chunk is replaced by its inputs. */
  sources: string[];
}

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

export function runLoaded(args: string[], cwd: string = ROOT): LoadedRun {
  const hooks = path.join(tmpdir('dfo-hooks-'), 'hooks.mjs');
  fs.writeFileSync(
    hooks,
    'export async function resolve(s, c, next) { const r = await next(s, c); ' +
      "process.stderr.write('LOADED ' + r.url + '\\n'); return r; }\n",
  );
  const preload = `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hooks).href)});`;
  const r = runBinWithPreload(preload, args, cwd, { ...process.env, NO_COLOR: '1' });
  const files = [
    ...new Set(
      r.stderr
        .split('\n')
        .filter((l) => l.startsWith('LOADED file:'))
        .map((l) => path.relative(ROOT, fileURLToPath(l.slice(7)))),
    ),
  ];
  const inputsFile = path.join(ROOT, 'dist/bundle/inputs.json');
  const inputs = fs.existsSync(inputsFile)
    ? (JSON.parse(fs.readFileSync(inputsFile, 'utf8')) as Record<string, string[]>)
    : {};
  const sources = files.flatMap((f) =>
    f.startsWith('dist/bundle/') ? (inputs[f.slice('dist/bundle/'.length)] ?? [f]) : [f],
  );
  const stderr = r.stderr
    .split('\n')
    .filter((l) => !l.startsWith('LOADED '))
    .join('\n');
  return { status: r.status, stdout: r.stdout, stderr, files, sources };
}
