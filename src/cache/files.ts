/** The build context as the cache model reads it: `.dockerignore`, which files a source takes,
 * their content hashes (computed on first use), and which paths are directories. */
import { createHash } from 'node:crypto';
import { cleanRelative } from '../context/context.js';
import { loadIgnore, type IgnoreFile } from '../context/ignore.js';
import type { BuildContext } from '../model/types.js';
import { matchSource, sentEntries } from '../toolkit/copy.js';
import { sourceMatcher } from './paths.js';
import type { StepSource } from './types.js';

export function sha(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export class ContextFiles {
  readonly ignore: IgnoreFile;
  private readonly fileHash = new Map<string, string>();
  private readonly sizes = new Map<string, number>();
  private readonly fileSets = new Map<StepSource, Set<string>>();

  constructor(readonly ctx: BuildContext) {
    this.ignore = loadIgnore(ctx);
    if (ctx.available)
      for (const e of sentEntries(ctx)) if (!e.isDirectory) this.sizes.set(e.path, e.size);
  }

  /** Content hash of a context file (binary files: by size). */
  hashFile(p: string): string {
    let h = this.fileHash.get(p);
    if (h === undefined) {
      const content = this.ctx.readFile(p);
      h = sha([content ?? `<binary ${this.sizes.get(p) ?? 0}>`]);
      this.fileHash.set(p, h);
    }
    return h;
  }

  /** True/false for a directory of the context, null without a context. */
  isDir(p: string): boolean | null {
    return this.ctx.available ? this.ctx.isDirectory(p) : null;
  }

  /** A COPY/ADD or mount source: its cleaned path and the files it takes after .dockerignore. */
  resolveSource(raw: string, expanded: string | null): StepSource {
    const path = expanded === null ? null : cleanRelative(expanded);
    let files: string[] | null = null;
    if (path !== null && this.ctx.available) {
      files = (matchSource(this.ctx, path) ?? []).filter((f) => !this.ignore.ignores(f)).sort();
    }
    return { raw, path, files };
  }

  /** The source takes `file` (listed, or matched by its path when the file does not exist yet). */
  sourceTakes(source: StepSource, file: string): boolean {
    if (source.files === null) return source.path !== null && sourceMatcher(source.path)(file);
    let set = this.fileSets.get(source);
    if (!set) this.fileSets.set(source, (set = new Set(source.files)));
    return (
      set.has(file) ||
      (!this.ctx.exists(file) && source.path !== null && sourceMatcher(source.path)(file))
    );
  }
}
