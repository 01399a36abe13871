/**
 * GitHub Actions workflows (`.github/workflows/*.yml`): steps using `docker/build-push-action`
 * (`context`, default the repository root; `file`, default `<context>/Dockerfile`, relative to
 * the workspace; `target`; `build-args` and `build-contexts` as `KEY=VALUE` lines), and
 * `docker build` / `docker buildx build` / `docker image build` commands in `run:` steps (read
 * with the shell parser: `-f`/`--file`, `--target`, `--build-arg`, `--build-context`, the context
 * argument), from the step's `working-directory`. A value holding a `${{ }}` expression or a shell
 * variable is unknown: a build whose context or Dockerfile is unknown is reported and skipped, an
 * unknown build arg is left out.
 */
import * as path from 'node:path';
import { parseShell } from '../../model/shell.js';
import { isRemote, resolveContexts, resolveFrom } from './common.js';
import type { BuildDecl, BuildWarning } from './types.js';
import type { ComposeResult } from './compose.js';
import { isRecord, loadYaml, readText } from './yaml.js';

const EXPR = /\$\{\{([^}]|\}(?!\}))*\}\}/g;
const PLACEHOLDER = '__DFO_EXPR__';

/** Flags of `docker build` that take a value (the others are switches). */
const VALUE_FLAGS = new Set([
  '-f',
  '--file',
  '-t',
  '--tag',
  '--target',
  '--build-arg',
  '--build-context',
  '--label',
  '--platform',
  '--cache-from',
  '--cache-to',
  '-o',
  '--output',
  '--progress',
  '--secret',
  '--ssh',
  '--network',
  '--iidfile',
  '--metadata-file',
  '--builder',
  '--provenance',
  '--sbom',
  '--attest',
  '--annotation',
  '--add-host',
  '--shm-size',
  '--ulimit',
  '--cpu-period',
  '--cpu-quota',
  '--cpu-shares',
  '--cpuset-cpus',
  '--cpuset-mems',
  '--memory',
  '-m',
  '--memory-swap',
  '--isolation',
  '--cgroup-parent',
  '--security-opt',
  '--allow',
  '--call',
  '--check',
]);

function lines(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v !== 'string') return [];
  return v
    .split(/\r?\n|,(?=[A-Za-z_][A-Za-z0-9_.-]*=)/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * False when a workflow can declare no build (nor a skipped one): the YAML is then not parsed.
 * A build comes from a step whose `uses` starts with `docker/build-push-action@`, or from a `run`
 * script holding a command `docker` whose first argument is `build`, `buildx` or `image` (then
 * `build`). YAML gives a scalar's characters only as written (plain, single-quoted, block
 * scalars; folding turns line breaks into spaces or keeps them; anchors repeat text of the same
 * file), except through a double-quoted escape; the shell parser's literal words are the
 * script's characters without quotes (a word with `$` or a backquote has no literal value),
 * except through a backslash; `${{ github.workspace }}` puts a path into the script. So, without
 * a backslash and without `github.workspace`: the action is named in the text as it is, and the
 * command reads `docker`, blanks, and `build` or `image`, blanks, `build` once quotes (and `$`)
 * are taken out; blanks include the line breaks YAML folds, and a line whose first non-blank is
 * `#` adds nothing (a YAML comment, or in a script a comment, quoted text or a heredoc line).
 */
export function mayDeclareBuilds(text: string): boolean {
  if (text.includes('\\') || text.includes('github.workspace')) return true;
  if (text.includes('docker/build-push-action@')) return true;
  const words = text.replace(/(^|[\r\n])[ \t]*#[^\r\n]*/g, '$1').replace(/['"$]/g, '');
  return /docker\s+(?:image\s+)?build/.test(words);
}

export function parseWorkflow(
  file: string,
  env: Record<string, string | undefined>,
): ComposeResult {
  // A workflow that never names docker, or cannot declare a build (see mayDeclareBuilds),
  // builds nothing here: not worth a YAML parse (nor are its own YAML errors reported).
  const text = readText(file);
  if (text !== null && (!text.includes('docker') || !mayDeclareBuilds(text)))
    return { builds: [], warnings: [], skipped: [] };
  return parseWorkflowText(file, text, env);
}

/** The builds of a workflow's text (null: the file could not be read), parsed in full. */
export function parseWorkflowText(
  file: string,
  text: string | null,
  env: Record<string, string | undefined>,
): ComposeResult {
  const warnings: BuildWarning[] = [];
  const skipped: ComposeResult['skipped'] = [];
  const builds: BuildDecl[] = [];
  const y = loadYaml(file, warnings, text);
  if (!y) return { builds, warnings, skipped };
  const repo = path.dirname(path.dirname(path.dirname(file)));
  const doc = y.docs[0];
  if (!doc || !isRecord(doc.value)) return { builds, warnings, skipped };
  const ws = (s: string) => s.replace(/\$\{\{\s*github\.workspace\s*\}\}/g, repo);
  const topDir = (doc.value.defaults as { run?: { 'working-directory'?: unknown } } | undefined)
    ?.run?.['working-directory'];
  const jobs = doc.value.jobs;
  if (!isRecord(jobs)) return { builds, warnings, skipped };
  for (const [jobName, job] of Object.entries(jobs)) {
    if (!isRecord(job) || !Array.isArray(job.steps)) continue;
    const jobDir = (job.defaults as { run?: { 'working-directory'?: unknown } } | undefined)?.run?.[
      'working-directory'
    ];
    job.steps.forEach((step, i) => {
      if (!isRecord(step)) return;
      const stepNode = y.nodeAt(doc.root, ['jobs', jobName, 'steps', i]);
      const line = y.lineOf(stepNode);
      const label = `job ${jobName} step ${typeof step.name === 'string' ? JSON.stringify(step.name) : i + 1}`;
      if (typeof step.uses === 'string' && /^docker\/build-push-action@/.test(step.uses)) {
        const w = isRecord(step.with) ? step.with : {};
        const ctxRaw = w.context === undefined ? '.' : ws(String(w.context));
        const fileRaw = w.file === undefined ? null : ws(String(w.file));
        if (EXPR.test(ctxRaw) || (fileRaw !== null && new RegExp(EXPR.source).test(fileRaw))) {
          EXPR.lastIndex = 0;
          skipped.push({
            file,
            line,
            name: label,
            reason: 'its context or file is a ${{ }} expression',
          });
          return;
        }
        EXPR.lastIndex = 0;
        if (isRemote(ctxRaw)) {
          skipped.push({ file, line, name: label, reason: `remote context ${ctxRaw}` });
          return;
        }
        const context = resolveFrom(repo, ctxRaw);
        builds.push({
          dockerfile:
            fileRaw === null ? path.join(context, 'Dockerfile') : resolveFrom(repo, fileRaw),
          context,
          target: typeof w.target === 'string' && !w.target.includes('${{') ? w.target : null,
          args: known(lines(w['build-args'])),
          contexts: resolveContexts(repo, known(lines(w['build-contexts']))),
          source: { format: 'workflow', file, line, name: label },
        });
        return;
      }
      if (typeof step.run !== 'string' || !/\bdocker\b/.test(step.run)) return;
      const dirRaw = step['working-directory'] ?? jobDir ?? topDir;
      const dir = typeof dirRaw === 'string' ? ws(dirRaw) : '.';
      if (dir.includes('${{')) return;
      const runNode = y.nodeAt(doc.root, ['jobs', jobName, 'steps', i, 'run']);
      // The node of a block scalar (`run: |`) starts at its indicator: its script starts on the
      // next line. A plain or quoted scalar starts with the script.
      const runLine =
        y.lineOf(runNode) + (isBlockScalarLine(text ?? '', y.lineOf(runNode)) ? 1 : 0);
      for (const cmd of dockerBuilds(ws(step.run))) {
        const at = runLine + cmd.line;
        const name = `${label} (docker build)`;
        if (cmd.problem) {
          skipped.push({ file, line: at, name, reason: cmd.problem });
          continue;
        }
        const base = resolveFrom(repo, dir);
        const context = resolveFrom(base, cmd.context!);
        builds.push({
          dockerfile:
            cmd.file === null ? path.join(context, 'Dockerfile') : resolveFrom(base, cmd.file),
          context,
          target: cmd.target,
          args: cmd.args,
          contexts: resolveContexts(base, cmd.contexts),
          source: { format: 'workflow', file, line: at, name },
        });
      }
    });
  }
  return { builds, warnings, skipped };

  function known(list: string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const s of list) {
      const eq = s.indexOf('=');
      if (eq <= 0) continue;
      const v = s.slice(eq + 1);
      if (!v.includes('${{')) out[s.slice(0, eq)] = v;
    }
    return out;
  }
}

interface RunBuild {
  /** 0-based line in the script. */
  line: number;
  context: string | null;
  file: string | null;
  target: string | null;
  args: Record<string, string>;
  contexts: Record<string, string>;
  problem?: string;
}

/** The `docker build` commands of a shell script. */
export function dockerBuilds(script: string): RunBuild[] {
  const text = script.replace(EXPR, PLACEHOLDER);
  let parsed;
  try {
    parsed = parseShell({ text, segments: [{ from: 0, sourceStart: 0, length: text.length }] });
  } catch {
    return [];
  }
  const out: RunBuild[] = [];
  for (const c of parsed.commands) {
    if (c.name?.value !== 'docker') continue;
    const words = c.args;
    let k = 0;
    const sub = words.map((w) => w.value);
    if (sub[0] === 'buildx' && sub[1] === 'build') k = 2;
    else if (sub[0] === 'image' && sub[1] === 'build') k = 2;
    else if (sub[0] === 'build') k = 1;
    else continue;
    const line = text.slice(0, c.span.start).split('\n').length - 1;
    const b: RunBuild = { line, context: null, file: null, target: null, args: {}, contexts: {} };
    const positional: (string | null)[] = [];
    const val = (i: number) => {
      const v = words[i]?.value ?? null;
      return v === null || v.includes(PLACEHOLDER) ? null : v;
    };
    let unknownFile = false;
    for (let i = k; i < words.length; i++) {
      const raw = words[i]!.value;
      if (raw === null || raw.includes(PLACEHOLDER)) {
        if (!words[i]!.raw.startsWith('-')) positional.push(null);
        continue;
      }
      let flag = raw;
      let value: string | null | undefined;
      const eq = raw.indexOf('=');
      if (raw.startsWith('--') && eq > 0) {
        flag = raw.slice(0, eq);
        value = raw.slice(eq + 1);
      } else if (/^-f./.test(raw)) {
        flag = '-f';
        value = raw.slice(2);
      }
      if (!flag.startsWith('-') || flag === '-') {
        positional.push(raw);
        continue;
      }
      if (!VALUE_FLAGS.has(flag)) continue;
      if (value === undefined) value = val(++i);
      if (flag === '-f' || flag === '--file') {
        if (value === null) unknownFile = true;
        else b.file = value;
      } else if (flag === '--target') b.target = value;
      else if (flag === '--build-arg' && value !== null) {
        const e = value.indexOf('=');
        if (e > 0) b.args[value.slice(0, e)] = value.slice(e + 1);
      } else if (flag === '--build-context' && value !== null) {
        const e = value.indexOf('=');
        if (e > 0) b.contexts[value.slice(0, e)] = value.slice(e + 1);
      }
    }
    if (positional.length !== 1 || positional[0] === null || unknownFile)
      b.problem =
        positional.length !== 1
          ? 'no single context argument'
          : 'its context or -f file is a variable or ${{ }} expression';
    else if (isRemote(positional[0])) b.problem = `remote context ${positional[0]}`;
    else b.context = positional[0];
    out.push(b);
  }
  return out;
}

/** Whether 1-based `line` of `text` ends a key with a block scalar indicator (`run: |`,
 * `run: >-`, `- run: |2 # comment`). */
function isBlockScalarLine(text: string, line: number): boolean {
  const row = text.split('\n')[line - 1] ?? '';
  return /:[ \t]+[|>][-+1-9]*[ \t]*(#.*)?\r?$/.test(row);
}
