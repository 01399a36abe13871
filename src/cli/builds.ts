/** The CLI side of build definitions: loading them once per run (warnings on stderr), and the
 * `builds` command (text and JSON). */
import * as path from 'node:path';
import { buildsFor, findBuilds, warningLines } from '../builds.js';
import { discover } from '../io/io.js';

interface BuildsIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  cwd: string;
  env: Record<string, string | undefined>;
}

function rel(abs: string, cwd: string): string {
  const r = path.relative(cwd, abs).split(path.sep).join('/');
  return r === '' ? '.' : r;
}

/** `dockerfile-optimizer builds`: every Dockerfile with the builds declared for it. */
export async function runBuilds(
  paths: string[],
  format: 'text' | 'json',
  io: BuildsIO,
): Promise<number> {
  const set = await findBuilds(paths, io.cwd, io.env);
  const { files } = discover(paths, io.cwd);
  const dockerfiles = new Set<string>(
    files.filter((f) => f.absolute !== '-').map((f) => f.absolute),
  );
  for (const b of set.builds) dockerfiles.add(b.dockerfile);
  const sorted = [...dockerfiles].sort((a, b) => rel(a, io.cwd).localeCompare(rel(b, io.cwd)));
  if (format === 'json') {
    const doc = {
      version: 1,
      files: set.files.map((f) => rel(f, io.cwd)),
      dockerfiles: sorted.map((d) => ({
        path: rel(d, io.cwd),
        builds: buildsFor(set, d).map((b) => ({
          context: rel(b.context, io.cwd),
          target: b.target,
          args: b.args,
          contexts: Object.fromEntries(
            Object.entries(b.contexts).map(([k, v]) => [
              k,
              path.isAbsolute(v) ? rel(v, io.cwd) : v,
            ]),
          ),
          source: {
            format: b.source.format,
            file: rel(b.source.file, io.cwd),
            line: b.source.line,
            name: b.source.name,
          },
        })),
      })),
      skipped: set.skipped.map((s) => ({
        ...s,
        file: rel(s.file, io.cwd),
        reason: s.reason.split(io.cwd + path.sep).join(''),
      })),
      warnings: set.warnings.map((w) => ({ ...w, file: rel(w.file, io.cwd) })),
    };
    io.stdout(JSON.stringify(doc, null, 2) + '\n');
    return 0;
  }
  for (const d of sorted) {
    const list = buildsFor(set, d);
    io.stdout(`${rel(d, io.cwd)}\n`);
    if (!list.length)
      io.stdout(
        `  context ${rel(path.dirname(d), io.cwd)} (default: no build declares this Dockerfile)\n`,
      );
    for (const b of list) {
      let line = `  context ${rel(b.context, io.cwd)}`;
      if (b.target) line += `  target ${b.target}`;
      const args = Object.entries(b.args).map(([k, v]) => `${k}=${v}`);
      if (args.length) line += `  args ${args.join(' ')}`;
      const extra = Object.entries(b.contexts).map(
        ([k, v]) => `${k}=${path.isAbsolute(v) ? rel(v, io.cwd) : v}`,
      );
      if (extra.length) line += `  contexts ${extra.join(' ')}`;
      io.stdout(`${line}  (${rel(b.source.file, io.cwd)}:${b.source.line} ${b.source.name})\n`);
    }
  }
  for (const s of set.skipped)
    io.stdout(
      `skipped: ${rel(s.file, io.cwd)}:${s.line} ${s.name}: ${s.reason.split(io.cwd + path.sep).join('')}\n`,
    );
  for (const l of warningLines(set, io.cwd)) io.stderr(l + '\n');
  return 0;
}
