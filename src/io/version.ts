/** The tool's own folder and version, found from its package.json. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null | undefined;
let cached: string | null = null;

/** The package folder: the nearest folder above this module holding the tool's package.json,
 * wherever the module runs from (src/ under jest, dist/src/, the CLI's bundle in dist/bundle/). */
export function packageRoot(): string | null {
  if (root !== undefined) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'dockerfile-optimizer' && pkg.version) {
        cached = pkg.version;
        return (root = dir);
      }
    } catch {
      /* not here */
    }
    const up = path.dirname(dir);
    if (up === dir) return (root = null);
    dir = up;
  }
}

export function packageVersion(): string {
  if (!cached) packageRoot();
  return cached ?? 'unknown';
}
