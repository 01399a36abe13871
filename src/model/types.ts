/**
 * Public types of dockerfile-optimizer: the Dockerfile model handed to transforms, the build
 * context view, and the Fix / Skipped findings that transforms return.
 *
 * All offsets are JavaScript string indices (UTF-16 code units) into `DockerfileModel.text`,
 * which is the file's text without its byte-order mark. A span is half-open: [start, end).
 */

export interface Span {
  start: number;
  end: number;
}

/** A text edit. Without `file` it applies to the Dockerfile; with `file` (a path relative to the
 * build context root, `/`-separated) it applies to that file, created when missing. */
export interface Edit extends Span {
  text: string;
  file?: string;
}

export type Applicability = 'safe' | 'review';

export interface Fix {
  /** `transform-id/kind`, e.g. `package-hygiene/apt-list-cleanup`. */
  ruleId: string;
  /** One sentence: the problem and why it costs build time or image size (cites DLxxxx). */
  message: string;
  applicability: Applicability;
  /** Offset in the Dockerfile the fix is reported at (usually the instruction start). */
  at: number;
  edits: Edit[];
  /** Optional extra line shown under the fix (e.g. "context 412 MB -> 3.1 MB"). */
  note?: string;
  /** Optional machine-readable details, passed through to `--format json`. */
  data?: Record<string, unknown>;
  /** Hadolint ids this fix resolves (default: the DLxxxx ids cited in the message); a
   * `# hadolint ignore=` comment for one of them suppresses the fix. */
  hadolint?: string[];
}

/** A place where a transform saw an opportunity but could not prove a rewrite is safe. */
export interface Skipped {
  ruleId: string;
  reason: string;
  at: number;
  /** Not a rewrite the rule gave up on, but a note that the code is already right (e.g. the
   * install already runs before the full copy): listed with `--format json`, not in the text
   * report. */
  info?: boolean;
}

export type Finding = Fix | Skipped;

export function isFix(f: Finding): f is Fix {
  return (f as Fix).edits !== undefined;
}

/** One rule of a transform's catalogue: every rule id a transform can report is declared here. */
export interface RuleMeta {
  /** `<transform-id>/<kind>`, stable (used by `--only`, `--skip`, config, pragmas, SARIF). */
  id: string;
  /** A short title, in the style of ruff's fix titles. */
  title: string;
  /** The applicability of the rule's usual fix (some fixes downgrade to `review` case by case). */
  applicability: Applicability;
  /** Hadolint rule ids this rule resolves. */
  hadolint: string[];
}

export interface TransformMeta {
  id: string;
  title: string;
  /** Hadolint rule ids this transform fixes. */
  hadolint: string[];
  /** `safe` when `fix` applies (some of) its fixes by default; `review` when every fix it makes
   * needs `--unsafe`. Each Fix carries its own applicability. */
  applicability: Applicability;
  docs: { why: string; fixSafety: string };
  /** The rule catalogue (to become required once every transform declares its rules). */
  rules?: readonly RuleMeta[];
}

export interface TransformOptions {
  /** Rewrite package caches to BuildKit cache mounts instead of cleaning them. */
  cacheMounts?: boolean;
  /** Extra `.dockerignore` patterns to add, and patterns never to add. */
  dockerignore?: { add?: string[]; keep?: string[] };
}

export interface CheckContext {
  /** Read-only view of the build context. */
  buildContext: BuildContext;
  options: TransformOptions;
  /** Path of the Dockerfile as the user named it (for messages only). */
  path: string;
  /** Set by a run that shares checks between contexts (api.ts CheckMemo); a transform calls it
   * through `contextAnswer` (src/toolkit/context-answer.ts), never directly. */
  judged?: <A, B, C, T>(none: T, compute: (a: A, b: B, c: C) => T, a: A, b: B, c: C) => T;
}

export interface Transform {
  meta: TransformMeta;
  /** Pure: reads the model and the context view, returns findings. Never mutates, never writes. */
  check(model: DockerfileModel, ctx: CheckContext): Finding[];
  /** Without a build context (`!available`) every fix `check` returns is `review` (the engine
   * holds it to that: a `safe` one is an internal error). A run without a context and without
   * `--unsafe` then applies none of its fixes (builds.ts leaves such a transform out of the run
   * that tells which findings depend on the context). */
  reviewWithoutContext?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Build context

export interface ContextEntry {
  /** `/`-separated path relative to the context root. */
  path: string;
  size: number;
  isDirectory: boolean;
  /** A directory whose listing failed (permission denied, ...): what it holds is unknown. */
  unreadable?: boolean;
  /** The last segment of `path`, when the context has it at hand (a disk walk: the name its
   * folder's listing holds). A context that sets it on an entry sets it on every folder above
   * that entry in the same walk. Readers that scan names use it instead of cutting `path` (a
   * walk's paths are built by concatenation, and cutting one makes V8 copy it flat). */
  readonly name?: string;
  /** The path of the folder that holds the entry ('' at the top), when the context has it at hand
   * (a disk walk: the path of a file's folder; set with `name`). Readers that ask where a file
   * is (in a folder, below one) test it instead of `path`: a disk walk makes a file's path when
   * first read, and most are never read. */
  readonly folder?: string;
}

export interface WalkOptions {
  /** Return false to not descend into a directory (it is still listed). */
  descend?: (dir: ContextEntry) => boolean;
  /** Stop after this many entries (default 200000). */
  limit?: number;
  /** Names what `descend` decides (the same key: the same decisions for every context of this
   * root): the walk is then computed once per session and shared (it must not be mutated; nor
   * must a full walk, without `descend` or `limit`, which is shared the same way). */
  key?: string;
}

/** What git says about a path: in the index, neither in it nor ignored, or ignored. */
export type GitStatus = 'tracked' | 'untracked' | 'ignored';

export interface BuildContext {
  /** Absolute directory on disk, or null when there is no context (stdin, API without one). */
  readonly root: string | null;
  /** False when the transform must not rely on file lists (no context on disk). */
  readonly available: boolean;
  exists(path: string): boolean;
  isDirectory(path: string): boolean;
  /** UTF-8 content, or null if missing/unreadable/binary. Pending edits of this run are seen. */
  readFile(path: string): string | null;
  /** Direct children names of a directory ('' for the root), sorted. */
  list(dir: string): string[];
  /** Depth-first walk in sorted order; symlinks are listed but never followed. */
  walk(options?: WalkOptions): ContextEntry[];
  /** Path of the Dockerfile relative to the context root if it lies inside, else null. */
  readonly dockerfilePath: string | null;
  /** What git says about a context-relative path (a folder is `tracked` when it holds a tracked
   * file), or null when the context is in no git repository (or the view does not know). */
  gitStatus?(path: string): GitStatus | null;
  /** Whether git tracks a context-relative path (a folder: holds a tracked file), or null when
   * the context is in no git repository. Unlike `gitStatus`, never needs the list of ignored
   * files (a second `git` process): use it when ignored and untracked are the same answer. */
  gitTracked?(path: string): boolean | null;
}

// ---------------------------------------------------------------------------------------------
// Dockerfile model

export interface Directive {
  name: string;
  value: string;
  span: Span;
}

export interface Flag {
  name: string;
  /** null for a flag without `=value`. */
  value: string | null;
  span: Span;
  /** For `--mount`: its key=value options (type, target, source, from, id, sharing, ...). */
  options: Record<string, string>;
}

export interface Heredoc {
  name: string;
  /** Span of the body (without the terminating delimiter line); empty span when the body is empty. */
  body: Span;
  /** The text of the body, lines joined with `\n`. */
  content: string;
  /** Span of the delimiter line ending the heredoc. */
  delimiter: Span;
  /** `<<-` strips leading tabs. */
  stripTabs: boolean;
  /** Quoted delimiter (`<<"EOF"`): no expansion in the body. */
  quoted: boolean;
}

/** Text assembled from pieces of the source, with a map back to source offsets. */
export interface LogicalText {
  text: string;
  /** Sorted, non-overlapping: logical [from, from+length) comes from source [sourceStart, ...). */
  segments: { from: number; sourceStart: number; length: number }[];
}

export interface Word {
  /** Raw source text of the word (quotes included). */
  raw: string;
  /** Literal value when the word is static (quotes removed, no expansion), else null. */
  value: string | null;
  /** Span in the Dockerfile. */
  span: Span;
}

export interface Redirect {
  raw: string;
  span: Span;
}

export interface SimpleCommand {
  /** Command name word (after leading variable assignments), or null for assignment-only. */
  name: Word | null;
  args: Word[];
  /** `VAR=value` prefixes. */
  assignments: Word[];
  redirects: Redirect[];
  span: Span;
  /** Indices into `ShellScript.statements` / position of the and-or chain holding it. */
  statement: number;
  /** Position inside that statement's chain. */
  position: number;
  /** True when the command sits inside a compound (if/for/while/subshell/function/pipeline). */
  nested: boolean;
}

export type ChainOp = '&&' | '||';

export interface ChainItem {
  /** The operator before this item (null for the first). */
  op: ChainOp | null;
  span: Span;
  /** The simple command when the item is one, null for pipelines, compounds, etc. */
  command: SimpleCommand | null;
  kind: string;
}

export interface Statement {
  /** An and-or chain: items joined by && / ||. */
  items: ChainItem[];
  span: Span;
  /** `;`, `&`, or null (newline / end). */
  terminator: ';' | '&' | null;
}

export interface ShellScript {
  /** The logical shell text (continuations joined, Dockerfile comment lines removed). */
  logical: LogicalText;
  /** False when the shell parser reported an error or the text uses constructs we do not model. */
  ok: boolean;
  statements: Statement[];
  /** Every simple command, in source order, also the nested ones. */
  commands: SimpleCommand[];
}

export interface Instruction {
  index: number;
  /** Upper-case keyword: FROM, RUN, COPY, ... */
  keyword: string;
  /** From the keyword to the end of its last line (heredoc bodies included), without the EOL. */
  span: Span;
  /** 0-based line of the keyword and of the last line. */
  line: number;
  endLine: number;
  /** Index into `DockerfileModel.stages`, -1 before the first FROM. */
  stage: number;
  flags: Flag[];
  /** Arguments after the flags (source slices, quotes kept), split like the builder does. */
  args: Word[];
  /** Span after the keyword and flags up to the end (the arguments, for shell form the command). */
  argsSpan: Span;
  /** JSON (exec) form values, or null for shell form. */
  json: string[] | null;
  heredocs: Heredoc[];
  /** Arguments with continuations joined and Dockerfile comment lines removed (BuildKit rules). */
  logical: LogicalText;
  /** For RUN in shell form (including heredoc scripts): the parsed shell. */
  shell: ShellScript | null;
  /** For ONBUILD: the keyword of the trigger instruction. */
  onbuild?: string;
}

export interface Stage {
  index: number;
  /** `FROM ... AS name` (as written), or null. */
  name: string | null;
  /** Base image as written (may contain variables). */
  image: string;
  /** Base image with ARGs resolved, or null if not resolvable. */
  resolvedImage: string | null;
  /** Index of the stage this one builds on (`FROM <stage>`), or null for an image. */
  fromStage: number | null;
  /** Instruction index range [first, last] including the FROM. */
  first: number;
  last: number;
}

export interface DockerfileModel {
  /** Text without the BOM. */
  text: string;
  eol: '\n' | '\r\n';
  escapeChar: '\\' | '`';
  directives: Directive[];
  instructions: Instruction[];
  stages: Stage[];
  comments: { text: string; span: Span; line: number }[];
  /** Start offset of each line. */
  lineStarts: number[];
  /** Variables (ARG/ENV) visible to instruction i, with values when known (null: no value). */
  varsAt(instruction: number): Map<string, string | null>;
  /** Expand $VAR / ${VAR} / ${VAR:-x} / ${VAR:+x} in `text` as seen by instruction i; null when
   * a referenced variable has no known value. */
  expand(text: string, instruction: number): string | null;
  /** Absolute WORKDIR seen by instruction i; null when inherited from the base image or not
   * resolvable. */
  workdirAt(instruction: number): string | null;
  lineOf(offset: number): number;
  /** Parse errors found by validation (empty for a valid Dockerfile). */
  errors: { message: string; line: number }[];
}
