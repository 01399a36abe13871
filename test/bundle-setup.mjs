// jest globalSetup: the tests that run the real binary exercise the CLI's bundle
// (scripts/bundle.mjs), rebuilt here when it is missing or older than the compiled CLI (after a
// `tsc` without `npm run build`). Without dist/ there is nothing to bundle (those tests say so).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../scripts/bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mtime = (p) => fs.statSync(path.join(root, p), { throwIfNoEntry: false })?.mtimeMs;

export default async function () {
  const compiled = mtime('dist/src/cli/cli.js');
  if (compiled === undefined) return;
  if ((mtime('dist/bundle/cli.cjs') ?? -Infinity) < compiled) await bundle();
}
