/** Copies of the build-definition fixtures (fixtures/builds/<name>/repo) for the builds tests. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const tmp: string[] = [];

/** Remove `p` too with the copies (a file a test made beside one). */
export function removeLater(p: string): void {
  tmp.push(p);
}

/** Remove every copy made (call from afterAll). */
export function removeRepoCopies(): void {
  for (const d of tmp.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** A copy of fixtures/builds/<name>/repo in a temporary folder with a `.git` (real path). */
export function copyRepo(name: string, prefix = 'dfo-builds-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmp.push(dir);
  fs.cpSync(path.resolve('fixtures/builds', name, 'repo'), dir, { recursive: true });
  fs.mkdirSync(path.join(dir, '.git'));
  return fs.realpathSync(dir);
}

/** Every file below `dir` by its relative path, with its text. */
export function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const abs = path.join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else out[path.relative(dir, abs)] = fs.readFileSync(abs, 'utf8');
    }
  };
  walk(dir);
  return out;
}
