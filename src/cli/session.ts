/**
 * The per-file loop every command shares (fix, explain, verify): validate the rule ids, load
 * `--config`, find the Dockerfiles, then for each file run the command's handler with its
 * config, catching a file's error as that file's outcome (unless the command calls it fatal).
 */
import * as path from 'node:path';
import { selectTransforms } from '../api.js';
import { findConfig, loadConfig, type LoadedConfig, type RuleCheck } from '../context/config.js';
import { discover } from '../io/io.js';
import { configRuleCheck } from '../model/rules.js';
import type { Transform } from '../model/types.js';
import type { CliIO } from './io.js';
import { splitList } from './options.js';

/** One file's result, or its error. */
export interface Outcome<T> {
  path: string;
  result?: T;
  error?: string;
}

export interface SessionFile {
  /** As found (cwd-relative, `/`-separated); `-` for stdin. */
  display: string;
  /** Absolute path, or `-` for stdin. */
  absolute: string;
  /** The name shown for it (`--stdin-filename` for stdin). */
  shown: string;
}

export interface SessionOptions {
  io: CliIO;
  paths: string[];
  transforms: readonly Transform[];
  /** `--only` / `--skip` as given (checked against the catalogue up front). */
  only?: unknown;
  skip?: unknown;
  /** `--config`: one config for every file (default: the nearest one per file). */
  config?: string;
}

export interface EachOptions<T> {
  /** Stdin (`-`) is refused with this error; default: handled like a file. */
  refuseStdin?: string;
  /** Name shown for stdin. */
  stdinName?: string;
  /** Errors that end the run instead of failing the file. */
  fatal?: (err: unknown) => boolean;
  /** `[n/total] file` progress on a terminal's stderr. */
  progress?: boolean;
  /** Called at once for each failed file (default: collected only). */
  onError?: (o: Outcome<T>) => void;
}

const PROGRESS_THRESHOLD = 50;

export class Session {
  readonly io: CliIO;
  readonly transforms: readonly Transform[];
  readonly files: SessionFile[];
  /** Paths that could not be read as Dockerfiles (already as outcomes). */
  readonly errors: Outcome<never>[];
  /** Rule check for config files: true, or the problem. */
  readonly ruleCheck: RuleCheck;
  private readonly fixedConfig: LoadedConfig | null;
  private readonly configs = new Map<string, LoadedConfig | null>();

  constructor(options: SessionOptions) {
    this.io = options.io;
    this.transforms = options.transforms;
    const all = options.transforms;
    this.ruleCheck = configRuleCheck(all);
    selectTransforms(all, splitList(options.only), splitList(options.skip));
    this.fixedConfig = options.config
      ? loadConfig(path.resolve(options.io.cwd, options.config), this.ruleCheck)
      : null;
    const { files, errors } = discover(options.paths, options.io.cwd);
    this.files = files.map((f) => ({ ...f, shown: f.display }));
    this.errors = errors.map((e) => ({ path: e.path, error: e.message }));
  }

  /** The config for a Dockerfile in `dir`: `--config`, else the nearest one (memoised). */
  configFor(dir: string): LoadedConfig | null {
    return this.fixedConfig ?? findConfig(dir, this.ruleCheck, this.configs);
  }

  /** Run `handle` on every file in order; resolves to the outcomes (without discovery errors). */
  async each<T>(
    handle: (f: SessionFile) => Promise<T>,
    options: EachOptions<T> = {},
  ): Promise<Outcome<T>[]> {
    const { io } = this;
    const outcomes: Outcome<T>[] = [];
    const total = this.files.length;
    const progress =
      Boolean(options.progress) && total > PROGRESS_THRESHOLD && Boolean(io.stderrIsTTY);
    const fail = (o: Outcome<T>) => {
      outcomes.push(o);
      options.onError?.(o);
    };
    for (const [n, f] of this.files.entries()) {
      const shown = f.absolute === '-' ? (options.stdinName ?? '-') : f.display;
      if (progress) io.stderr(`\r\u001b[K[${n + 1}/${total}] ${shown}`);
      if (f.absolute === '-' && options.refuseStdin) {
        fail({ path: f.display, error: options.refuseStdin });
        continue;
      }
      try {
        outcomes.push({ path: shown, result: await handle({ ...f, shown }) });
      } catch (err) {
        if (options.fatal?.(err)) throw err;
        fail({ path: shown, error: (err as Error).message });
      }
    }
    if (progress) io.stderr('\r\u001b[K');
    return outcomes;
  }
}
