/**
 * Dockerfile model: dockerfile-ast for the instruction structure, our own logical-line builder
 * (BuildKit's continuation and comment rules) and variable scopes, the shell parser for RUN.
 */
import { DockerfileParser, type Instruction as AstInstruction } from 'dockerfile-ast';
import { memoizeRawArguments } from './ast-memo.js';
import { computeLineStarts, detectEol, lineEnd, lineOfOffset, toSource } from './text.js';
import { parseShell } from './shell.js';
import type {
  Directive,
  DockerfileModel,
  Flag,
  Heredoc,
  Instruction,
  LogicalText,
  Span,
  Stage,
  Word,
} from './types.js';

export const KEYWORDS = new Set([
  'FROM',
  'RUN',
  'CMD',
  'LABEL',
  'MAINTAINER',
  'EXPOSE',
  'ENV',
  'ADD',
  'COPY',
  'ENTRYPOINT',
  'VOLUME',
  'USER',
  'WORKDIR',
  'ARG',
  'ONBUILD',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
]);

interface Position {
  line: number;
  character: number;
}

/**
 * Build the logical text of [start, end) the way BuildKit joins an instruction: a line ending in
 * the escape character (optionally followed by blanks) continues on the next line; the escape
 * character and the line break are dropped; comment lines and empty lines inside a continuation
 * are dropped.
 */
export function buildLogical(
  text: string,
  lineStarts: number[],
  start: number,
  end: number,
  escapeChar: string,
): LogicalText {
  const segments: LogicalText['segments'] = [];
  let out = '';
  let pos = start;
  let first = true;
  while (pos < end) {
    const line = lineOfOffset(lineStarts, pos);
    const le = Math.min(lineEnd(text, lineStarts, line), end);
    const nextLine = line + 1 < lineStarts.length ? lineStarts[line + 1]! : text.length;
    const content = text.slice(pos, le);
    if (!first) {
      const trimmed = content.replace(/^[ \t]+/, '');
      if (trimmed.startsWith('#') || trimmed.trim() === '') {
        pos = nextLine;
        continue;
      }
    }
    first = false;
    // Continuation: escape char followed only by blanks at the end of the line.
    let body = content;
    let continued = false;
    const m = /[ \t]*$/.exec(content);
    const beforeBlanks = m ? content.length - m[0].length : content.length;
    if (beforeBlanks > 0 && content[beforeBlanks - 1] === escapeChar && le < end) {
      // An escaped escape char (`\\`) at the end does not continue in BuildKit either way; keep simple.
      body = content.slice(0, beforeBlanks - 1);
      continued = true;
    }
    if (body.length > 0) {
      segments.push({ from: out.length, sourceStart: pos, length: body.length });
      out += body;
    }
    if (!continued) break;
    pos = nextLine;
  }
  return { text: out, segments };
}

/** Split a logical text into whitespace-separated words (BuildKit's split for most instructions). */
export function splitWords(logical: LogicalText): Word[] {
  const words: Word[] = [];
  const re = /\S+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(logical.text))) {
    const raw = m[0];
    const start = toSource(logical, m.index, false);
    const end = toSource(logical, m.index + raw.length, true);
    words.push({ raw, value: unquote(raw), span: { start, end } });
  }
  return words;
}

/** Remove shell-style quotes from a word; null if it holds a variable reference. */
export function unquote(raw: string): string | null {
  // Most words hold no quote, escape or variable: the word itself (the loop below would copy it
  // one character at a time).
  if (!/[$\\'"]/.test(raw)) return raw;
  // Literal runs are copied as slices, not one character at a time: a string grown by `+=` per
  // character is a chain of one V8 cons string per character, which the model then keeps.
  let out = '';
  let from = 0; // start of the literal run not yet copied to `out`
  let i = 0;
  while (i < raw.length) {
    const c = raw[i]!;
    if (c === '$') return null;
    if (c === '\\' && i + 1 < raw.length) {
      out += raw.slice(from, i) + raw[i + 1];
      i += 2;
      from = i;
    } else if (c === "'") {
      const j = raw.indexOf("'", i + 1);
      if (j < 0) return null;
      out += raw.slice(from, i) + raw.slice(i + 1, j);
      i = j + 1;
      from = i;
    } else if (c === '"') {
      out += raw.slice(from, i);
      let j = i + 1;
      let run = j;
      while (j < raw.length && raw[j] !== '"') {
        if (raw[j] === '$') return null;
        if (raw[j] === '\\' && j + 1 < raw.length) {
          out += raw.slice(run, j) + raw[j + 1];
          j += 2;
          run = j;
        } else j++;
      }
      if (j >= raw.length) return null;
      out += raw.slice(run, j);
      i = j + 1;
      from = i;
    } else {
      i++;
    }
  }
  return out + raw.slice(from);
}

function parseMountOptions(value: string | null): Record<string, string> {
  const options: Record<string, string> = {};
  if (!value) return options;
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    const val =
      eq < 0
        ? 'true'
        : part
            .slice(eq + 1)
            .trim()
            .replace(/^"(.*)"$/, '$1');
    if (key) options[key] = val;
  }
  return options;
}

/** Expand Dockerfile variables with a scope; null when something cannot be resolved. */
export function expandWith(text: string, vars: Map<string, string | null>): string | null {
  if (!text.includes('$')) return text;
  // Literal runs are copied as slices (see unquote).
  let out = '';
  let i = 0;
  let from = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === '$') {
      out += text.slice(from, i) + '$';
      i += 2;
      from = i;
      continue;
    }
    if (c !== '$') {
      i++;
      continue;
    }
    out += text.slice(from, i);
    let name: string;
    let op = '';
    let word = '';
    if (text[i + 1] === '{') {
      const close = text.indexOf('}', i + 2);
      if (close < 0) return null;
      const inner = text.slice(i + 2, close);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])(.*))?$/s.exec(inner);
      if (!m) return null;
      name = m[1]!;
      op = m[2] ?? '';
      word = m[3] ?? '';
      i = close + 1;
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
      if (!m) {
        from = i; // a `$` without a name stays literal: the start of the next run
        i++;
        continue;
      }
      name = m[0];
      i += 1 + name.length;
    }
    const has = vars.has(name);
    const val = vars.get(name);
    if (op === '') {
      if (!has || val === null || val === undefined) return null;
      out += val;
    } else if (op === ':-' || op === '-') {
      if (!has) return null;
      if (val === null || val === undefined) return null;
      const w = expandWith(word, vars);
      if (w === null) return null;
      out += op === ':-' && val === '' ? w : val;
    } else {
      if (!has || val === null || val === undefined) return null;
      const w = expandWith(word, vars);
      if (w === null) return null;
      out += op === ':+' ? (val !== '' ? w : '') : w;
    }
    from = i;
  }
  return out + text.slice(from);
}

function offsetOf(lineStarts: number[], text: string, p: Position): number {
  const base = p.line < lineStarts.length ? lineStarts[p.line]! : text.length;
  return Math.min(base + p.character, text.length);
}

export class DockerfileParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/**
 * Parse a Dockerfile text (without BOM) into the model. Never throws for odd input: problems are
 * listed in `model.errors` (see `validate`).
 */
/** A heredoc marker word (`<<EOT`, `<<-"EOT"`): group 2 is the name. */
export const HEREDOC_MARKER = /^<<-?(["']?)([A-Za-z0-9_]+)\1$/;

/**
 * Parsed models by exact text, most recent last: `fix` over a declared context runs the same
 * Dockerfile twice (with and without the context, see src/builds.ts) and the engine's passes
 * reach the same intermediate texts, so each text is parsed once. A model is never mutated after
 * parsing (frozen under test: NODE_ENV=test or DFO_FREEZE_MODELS=1, so a transform that writes
 * into one fails there). Bounded by entries and by the length of the texts they key.
 *
 * Each model sits in a cell of its own, emptied when it leaves the cache. A Map that keeps
 * deleting and inserting is rehashed into a new table every so often, and V8 leaves the old
 * table's entries in place (for iterators) until a full collection: once this Map's table is in
 * the old generation, such a dead table keeps every model it held alive through each scavenge,
 * and the scavenges then promote them and all they hold (about 30 KB each; 23 of the 30 MB
 * promoted over 5 rounds of jessfraz/dockerfiles, where no text is parsed twice). An emptied
 * cell holds nothing.
 */
interface Cell {
  model: DockerfileModel | null;
}
const parsedModels = new Map<string, Cell>();
const PARSED_ENTRIES = 32;
const PARSED_TEXT = 1024 * 1024;
let parsedText = 0;
const freezeModels = process.env.NODE_ENV === 'test' || process.env.DFO_FREEZE_MODELS === '1';
/** Counts of real parses (for count-based tests). */
export const parseCounters = { parses: 0 };

function deepFreeze(x: unknown, seen = new Set<unknown>()): void {
  if (x === null || typeof x !== 'object' || seen.has(x)) return;
  seen.add(x);
  if (x instanceof Map) {
    for (const v of x.values()) deepFreeze(v, seen);
    return;
  }
  Object.freeze(x);
  for (const v of Object.values(x)) deepFreeze(v, seen);
}

/** Drop the parsed models (the API's clearCaches). */
export function clearParsedModels(): void {
  for (const cell of parsedModels.values()) cell.model = null;
  parsedModels.clear();
  parsedText = 0;
}

/** Drop the kept models whose text `keep` rejects. A run over many files calls it when a file is
 * done (see optimizeDeclaredFiles): the models of its texts and of the intermediate texts its
 * passes reached are not asked for again, and the cache then holds the file in progress and the
 * texts of the files to come that were parsed ahead (the ignore plan), not the last 32 parsed
 * whatever they were (models alive at a scavenge are copied: 60 -> 46 MB copied over 5
 * declared-contexts rounds of the corpus). */
export function dropParsedModels(keep: (text: string) => boolean): void {
  for (const [key, cell] of parsedModels) {
    if (keep(key)) continue;
    cell.model = null;
    parsedModels.delete(key);
    parsedText -= key.length;
  }
}

/** Models are kept only while a run over many files is under way (`fix`, optimizeFiles,
 * optimizeDeclaredFiles, withOptimizeSession: see context/cache.ts inSession); a single
 * optimize() call, such as each analysis of the language server, keeps none (a model weighs far
 * more than its text: keeping dozens between keystrokes cost the server about 80 MiB). */
let keepModels = 0;
export function keepParsedModels(on: boolean): void {
  keepModels += on ? 1 : -1;
  if (keepModels === 0) clearParsedModels();
}

/** Parse a Dockerfile text (without BOM); the same text gives the same (read-only) model. */
export function parseDockerfile(text: string): DockerfileModel {
  const hit = parsedModels.get(text);
  if (hit?.model) {
    parsedModels.delete(text);
    parsedModels.set(text, hit);
    return hit.model;
  }
  const model = parseNow(text);
  if (freezeModels) deepFreeze(model);
  if (keepModels > 0 && text.length <= PARSED_TEXT / 4) {
    parsedModels.set(text, { model });
    parsedText += text.length;
    for (const [key, cell] of parsedModels) {
      if (parsedModels.size <= PARSED_ENTRIES && parsedText <= PARSED_TEXT) break;
      cell.model = null;
      parsedModels.delete(key);
      parsedText -= key.length;
    }
  }
  return model;
}

function parseNow(text: string): DockerfileModel {
  parseCounters.parses++;
  memoizeRawArguments();
  const lineStarts = computeLineStarts(text);
  const ast = DockerfileParser.parse(text);
  const escapeChar = ast.getEscapeCharacter() === '`' ? '`' : '\\';
  const pos = (p: Position) => offsetOf(lineStarts, text, p);
  const spanOf = (r: { start: Position; end: Position }): Span => ({
    start: pos(r.start),
    end: pos(r.end),
  });

  // dockerfile-ast also reads `# hadolint global ignore=X` as a directive; BuildKit only takes
  // `# key=value` with a one-word key. Anything else is a plain comment.
  const directives: Directive[] = [];
  const directiveComments: { text: string; span: Span; line: number }[] = [];
  for (const d of ast.getDirectives()) {
    const span = spanOf(d.getRange());
    const line = lineOfOffset(lineStarts, span.start);
    const raw = text.slice(lineStarts[line]!, lineEnd(text, lineStarts, line));
    if (/^\s*#\s*[a-zA-Z][a-zA-Z0-9]*\s*=/.test(raw)) {
      directives.push({ name: d.getName().toLowerCase(), value: d.getValue(), span });
    } else {
      const hashAt = raw.indexOf('#');
      directiveComments.push({
        text: raw.slice(hashAt + 1).trim(),
        span: { start: lineStarts[line]! + hashAt, end: lineStarts[line]! + raw.length },
        line,
      });
    }
  }
  const astComments = ast.getComments().map((c) => {
    const s = spanOf(c.getRange());
    // The comment's range starts after '#'; widen to the '#'.
    const hash = text.lastIndexOf('#', s.start);
    const start =
      hash >= 0 && hash >= lineStarts[lineOfOffset(lineStarts, s.start)]! ? hash : s.start;
    return {
      text: c.getContent(),
      span: { start, end: s.end },
      line: lineOfOffset(lineStarts, start),
    };
  });
  const comments = [...directiveComments, ...astComments].sort(
    (a, b) => a.span.start - b.span.start,
  );

  const errors: { message: string; line: number }[] = [];
  const instructions: Instruction[] = [];
  const stages: Stage[] = [];
  const astInstructions = ast.getInstructions();

  for (const [index, ai] of astInstructions.entries()) {
    const keyword = ai.getKeyword().toUpperCase();
    const span = spanOf(ai.getRange());
    const line = lineOfOffset(lineStarts, span.start);
    const endLine = lineOfOffset(lineStarts, span.end);
    const flags: Flag[] = [];
    const withFlags = ai as AstInstruction & { getFlags?: () => import('dockerfile-ast').Flag[] };
    if (typeof withFlags.getFlags === 'function') {
      for (const f of withFlags.getFlags()) {
        const name = f.getName();
        const value = f.getValue();
        flags.push({
          name,
          value,
          span: spanOf(f.getRange()),
          options: name === 'mount' ? parseMountOptions(value) : {},
        });
      }
    }
    let argsStart = pos(ai.getInstructionRange().end);
    for (const f of flags) argsStart = Math.max(argsStart, f.span.end);
    // Skip blanks (and continuations) between keyword/flags and the arguments.
    const heredocs: Heredoc[] = [];
    const withHeredocs = ai as AstInstruction & {
      getHeredocs?: () => import('dockerfile-ast').Heredoc[];
    };
    if (
      (keyword === 'RUN' || keyword === 'COPY' || keyword === 'ADD') &&
      typeof withHeredocs.getHeredocs === 'function'
    ) {
      for (const h of withHeredocs.getHeredocs()) {
        const startOff = pos(h.getStartRange().start);
        const marker = text.slice(startOff, pos(h.getNameRange().end) + 1);
        const cr = h.getContentRange();
        const dr = h.getDelimiterRange();
        if (!dr) {
          errors.push({
            message: `unterminated heredoc <<${h.getName()}`,
            line: lineOfOffset(lineStarts, startOff),
          });
        }
        const delimiter = dr ? spanOf(dr) : { start: span.end, end: span.end };
        const body = cr ? spanOf(cr) : { start: delimiter.start, end: delimiter.start };
        const rawBody = text.slice(body.start, body.end);
        heredocs.push({
          name: h.getName(),
          body,
          content: rawBody.replace(/\r\n/g, '\n'),
          delimiter,
          stripTabs: /^<<-/.test(marker),
          quoted: /^<<-?["']/.test(marker),
        });
      }
    }
    const firstLineOfArgs = lineOfOffset(lineStarts, argsStart);
    let logicalEnd = span.end;
    if (heredocs.length > 0) {
      // The command line ends where the first heredoc body begins.
      const bodyLine = lineOfOffset(lineStarts, Math.min(...heredocs.map((h) => h.body.start)));
      logicalEnd = Math.max(
        argsStart,
        lineEnd(text, lineStarts, Math.max(firstLineOfArgs, bodyLine - 1)),
      );
    }
    const logical = buildLogical(text, lineStarts, argsStart, logicalEnd, escapeChar);
    // Trim leading blanks of the logical text (keep the map consistent).
    const lead = /^[ \t]*/.exec(logical.text)![0].length;
    if (lead > 0) trimLogicalStart(logical, lead);
    const args = splitWords(logical);
    let json: string[] | null = null;
    const trimmed = logical.text.trim();
    if (
      trimmed.startsWith('[') &&
      ['RUN', 'CMD', 'ENTRYPOINT', 'COPY', 'ADD', 'SHELL', 'VOLUME', 'HEALTHCHECK'].includes(
        keyword,
      )
    ) {
      try {
        const parsed: unknown = JSON.parse(trimmed);
        if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string'))
          json = parsed as string[];
      } catch {
        json = null;
      }
    }
    const argsSpan: Span = {
      start: logical.segments.length ? logical.segments[0]!.sourceStart : argsStart,
      end: span.end,
    };
    const instr: Instruction = {
      index,
      keyword,
      span,
      line,
      endLine,
      stage: -1,
      flags,
      args,
      argsSpan,
      json,
      heredocs,
      logical,
      shell: null,
    };
    if (keyword === 'ONBUILD') instr.onbuild = args[0]?.raw.toUpperCase();
    instructions.push(instr);
  }

  // Stages.
  const stageByName = new Map<string, number>();
  for (const instr of instructions) {
    if (instr.keyword === 'FROM') {
      const image = instr.args[0]?.raw ?? '';
      const asWord = instr.args[1]?.raw.toLowerCase();
      const name = asWord === 'as' ? (instr.args[2]?.raw ?? null) : null;
      const fromStage = stageByName.get(image.toLowerCase()) ?? null;
      const stage: Stage = {
        index: stages.length,
        name,
        image,
        resolvedImage: null,
        fromStage,
        first: instr.index,
        last: instr.index,
      };
      stages.push(stage);
      if (name) stageByName.set(name.toLowerCase(), stage.index);
    }
    if (stages.length > 0) {
      instr.stage = stages.length - 1;
      stages[stages.length - 1]!.last = instr.index;
    }
  }

  // Variable scopes: snapshot before each instruction.
  const scopes: Map<string, string | null>[] = [];
  const workdirs: (string | null)[] = [];
  const meta = new Map<string, string | null>();
  const stageEnv: Map<string, string | null>[] = [];
  const stageWorkdir: (string | null)[] = [];
  let args = new Map<string, string | null>();
  let env = new Map<string, string | null>();
  let workdir: string | null = null;
  const propsOf = (ai: AstInstruction) =>
    (
      ai as unknown as { getProperties?: () => { getName(): string; getValue(): string | null }[] }
    ).getProperties?.() ?? [];
  // The scope before an instruction is shared with the previous one while no variable changed
  // (scopes are never mutated: varsAt copies, expand reads), so a long run of RUNs costs one Map.
  let version = 0;
  let lastVisible: Map<string, string | null> | null = null;
  let lastKey = '';
  for (const instr of instructions) {
    const ai = astInstructions[instr.index]!;
    const fromMeta = instr.stage < 0 || instr.keyword === 'FROM';
    const key = `${fromMeta ? 'meta' : 'stage'}:${version}`;
    const visible: Map<string, string | null> =
      lastVisible && key === lastKey
        ? lastVisible
        : fromMeta
          ? new Map(meta)
          : new Map([...args, ...env]);
    lastVisible = visible;
    lastKey = key;
    if (instr.keyword === 'ARG' || instr.keyword === 'ENV' || instr.keyword === 'FROM') version++;
    scopes.push(visible);
    workdirs.push(instr.keyword === 'FROM' ? null : workdir);
    if (instr.keyword === 'ARG') {
      for (const p of propsOf(ai)) {
        const name = p.getName();
        const raw = p.getValue();
        if (instr.stage < 0) {
          meta.set(name, raw === null ? null : expandWith(raw, meta));
        } else {
          const value =
            raw === null ? (meta.has(name) ? meta.get(name)! : null) : expandWith(raw, visible);
          if (!env.has(name)) args.set(name, value);
        }
      }
    } else if (instr.keyword === 'ENV') {
      for (const p of propsOf(ai)) {
        const raw = p.getValue();
        env.set(p.getName(), raw === null ? '' : expandWith(raw, new Map([...args, ...env])));
      }
    } else if (instr.keyword === 'FROM') {
      const stage = stages[instr.stage]!;
      stage.resolvedImage = expandWith(stage.image, meta);
      args = new Map();
      env = stage.fromStage !== null ? new Map(stageEnv[stage.fromStage]) : new Map();
      workdir = stage.fromStage !== null ? (stageWorkdir[stage.fromStage] ?? null) : null;
    } else if (instr.keyword === 'WORKDIR') {
      const raw = instr.args.map((a) => a.raw).join(' ');
      const value = unquote(raw) ?? expandWith(raw, new Map([...args, ...env]));
      if (value === null) workdir = null;
      else if (value.startsWith('/')) workdir = normalizePosix(value);
      else workdir = workdir === null ? null : normalizePosix(`${workdir}/${value}`);
    }
    if (instr.stage >= 0) {
      stageEnv[instr.stage] = env;
      stageWorkdir[instr.stage] = workdir;
    }
  }

  const model: DockerfileModel = {
    text,
    eol: detectEol(text),
    escapeChar,
    directives,
    instructions,
    stages,
    comments,
    lineStarts,
    varsAt: (i) => new Map(scopes[i] ?? []),
    expand: (t, i) => expandWith(t, scopes[i] ?? new Map()),
    workdirAt: (i) => workdirs[i] ?? null,
    lineOf: (offset) => lineOfOffset(lineStarts, offset),
    errors,
  };
  validate(model);
  // Shell models last: only for valid files.
  for (const instr of instructions) {
    if (instr.keyword !== 'RUN' || instr.json) continue;
    const only =
      instr.heredocs.length === 1 ? HEREDOC_MARKER.exec(instr.logical.text.trim()) : null;
    if (only) {
      instr.shell = parseShell(heredocLogical(text, instr.heredocs[0]!.body));
    } else {
      instr.shell = parseShell(instr.logical);
    }
  }
  return model;
}

/** A heredoc body as logical text: lines kept as they are (with `\n` separators). */
export function heredocLogical(text: string, body: Span): LogicalText {
  const segments: LogicalText['segments'] = [];
  let out = '';
  let pos = body.start;
  while (pos < body.end) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0 || nl > body.end) nl = body.end;
    let le = nl;
    if (le > pos && text[le - 1] === '\r') le--;
    if (le > pos) segments.push({ from: out.length, sourceStart: pos, length: le - pos });
    out += text.slice(pos, le);
    if (nl < body.end) out += '\n';
    pos = nl + 1;
  }
  return { text: out, segments };
}

function trimLogicalStart(logical: LogicalText, n: number): void {
  logical.text = logical.text.slice(n);
  const segs: LogicalText['segments'] = [];
  for (const s of logical.segments) {
    const end = s.from + s.length;
    if (end <= n) continue;
    if (s.from < n)
      segs.push({ from: 0, sourceStart: s.sourceStart + (n - s.from), length: end - n });
    else segs.push({ from: s.from - n, sourceStart: s.sourceStart, length: s.length });
  }
  logical.segments = segs;
}

export function normalizePosix(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return '/' + parts.join('/');
}

/** The checks BuildKit makes before it builds anything (the ones that matter for a rewrite). */
function validate(model: DockerfileModel): void {
  const { instructions, errors } = model;
  if (instructions.length === 0) {
    errors.push({ message: 'no instructions found (is this a Dockerfile?)', line: 0 });
    return;
  }
  for (const instr of instructions) {
    if (!KEYWORDS.has(instr.keyword)) {
      errors.push({ message: `unknown instruction: ${instr.keyword}`, line: instr.line });
    }
  }
  if (errors.length) return;
  const firstNonArg = instructions.find((i) => i.keyword !== 'ARG');
  if (!firstNonArg || firstNonArg.keyword !== 'FROM') {
    const where = firstNonArg ?? instructions[0]!;
    errors.push({
      message: `${where.keyword} before the first FROM (no build stage)`,
      line: where.line,
    });
  }
  for (const instr of instructions) {
    if (instr.keyword === 'FROM' && instr.args.length === 0)
      errors.push({ message: 'FROM requires an image', line: instr.line });
    if (
      instr.keyword === 'FROM' &&
      instr.args.length > 1 &&
      (instr.args[1]!.raw.toLowerCase() !== 'as' || instr.args.length !== 3)
    ) {
      errors.push({ message: 'FROM takes an image and an optional "AS name"', line: instr.line });
    }
  }
}
