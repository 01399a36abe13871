/**
 * Values the analysis derives from one walk of a context and what the context says about some
 * of its paths (git, `.gitignore` files, file contents), shared by every Dockerfile of that
 * context and every pass of the engine. A value is reused only when the context view in hand
 * gives the same answer to every question the computation asked (a view may see pending files
 * of its own run: an ignore file, a Dockerfile), so sharing never changes a result.
 */
import type { BuildContext, ContextEntry, GitStatus, WalkOptions } from '../../src/model/types.js';

/** Counts of real work, for the count-based tests: shared values computed and reused, name
 * scans of a walk's entries (secrets.ts, clutter.ts), the walk's paths by kind and junk
 * roots made (model.ts, analysis.ts: only when a question needs them), and the RUN steps of a
 * Dockerfile listed (usage.ts `runStepsOf`: only when a rule reads them). */
export const memoCounters = { computed: 0, reused: 0, scans: 0, kinds: 0, junkRoots: 0, steps: 0 };

type Question =
  | { ask: 'exists' | 'isDirectory' | 'gitTracked'; path: string; answer: boolean | null }
  | { ask: 'readFile'; path: string; answer: string | null }
  | { ask: 'gitStatus'; path: string; answer: GitStatus | null };

/** A view of `bc` that writes down each question it answers (only those a computation of this
 * transform asks: no walks, no listings). */
class RecordingContext implements BuildContext {
  readonly asked: Question[] = [];
  readonly gitStatus?: (path: string) => GitStatus | null;
  readonly gitTracked?: (path: string) => boolean | null;

  constructor(private readonly bc: BuildContext) {
    // The optional methods exist exactly when the view's do (repo.ts asks which there are).
    if (bc.gitStatus)
      this.gitStatus = (path) => {
        const answer = bc.gitStatus!(path);
        this.asked.push({ ask: 'gitStatus', path, answer });
        return answer;
      };
    if (bc.gitTracked)
      this.gitTracked = (path) => {
        const answer = bc.gitTracked!(path);
        this.asked.push({ ask: 'gitTracked', path, answer });
        return answer;
      };
  }
  get root(): string | null {
    return this.bc.root;
  }
  get available(): boolean {
    return this.bc.available;
  }
  get dockerfilePath(): string | null {
    return this.bc.dockerfilePath;
  }
  exists(path: string): boolean {
    const answer = this.bc.exists(path);
    this.asked.push({ ask: 'exists', path, answer });
    return answer;
  }
  isDirectory(path: string): boolean {
    const answer = this.bc.isDirectory(path);
    this.asked.push({ ask: 'isDirectory', path, answer });
    return answer;
  }
  readFile(path: string): string | null {
    const answer = this.bc.readFile(path);
    this.asked.push({ ask: 'readFile', path, answer });
    return answer;
  }
  list(): string[] {
    throw new Error('dockerignore memo: a shared computation must not list folders');
  }
  walk(_options?: WalkOptions): ContextEntry[] {
    throw new Error('dockerignore memo: a shared computation must not walk');
  }
}

function sameAnswers(bc: BuildContext, asked: readonly Question[]): boolean {
  for (const q of asked) {
    let answer: unknown;
    switch (q.ask) {
      case 'exists':
        answer = bc.exists(q.path);
        break;
      case 'isDirectory':
        answer = bc.isDirectory(q.path);
        break;
      case 'readFile':
        answer = bc.readFile(q.path);
        break;
      case 'gitTracked':
        answer = bc.gitTracked ? bc.gitTracked(q.path) : undefined;
        break;
      case 'gitStatus':
        answer = bc.gitStatus ? bc.gitStatus(q.path) : undefined;
        break;
    }
    if (answer !== q.answer) return false;
  }
  return true;
}

/** Variants kept per key (views of one walk that answer differently are rare). */
const VARIANTS = 4;

/**
 * Values computed from one walk (the owner: an object made once per walk) and a `key` naming
 * everything else they depend on but the context view; `compute` asks the view only through
 * the one it is given. Results are shared: read-only.
 */
export class WalkMemo<T> {
  private readonly byOwner = new WeakMap<object, Map<string, { asked: Question[]; value: T }[]>>();

  get(owner: object, key: string, bc: BuildContext, compute: (bc: BuildContext) => T): T {
    let byKey = this.byOwner.get(owner);
    if (!byKey) this.byOwner.set(owner, (byKey = new Map()));
    let variants = byKey.get(key);
    if (!variants) byKey.set(key, (variants = []));
    for (const v of variants) {
      if (sameAnswers(bc, v.asked)) {
        memoCounters.reused++;
        return v.value;
      }
    }
    memoCounters.computed++;
    const recording = new RecordingContext(bc);
    const value = compute(recording);
    variants.push({ asked: recording.asked, value });
    if (variants.length > VARIANTS) variants.shift();
    return value;
  }
}
