/**
 * Rules `dockerignore/create` and `dockerignore/complete`: clutter the image rebuilds or never
 * needs (VCS folders, installed dependencies and virtualenvs, build outputs a RUN builds, logs,
 * coverage, editor files, local Docker files), proposed only when the whole context is copied.
 * `create` writes a new ignore file, `complete` appends to the existing one. See
 * docs/rules/dockerignore.md.
 */
import type {
  BuildContext,
  ContextEntry,
  DockerfileModel,
  Finding,
  Fix,
} from '../../src/model/types.js';
import { matcher } from '../../src/context/ignore.js';
import { buildEdit, listNames } from './ignore-file.js';
import { gitIgnored, gitTracked } from './repo.js';
import { memoCounters, WalkMemo } from './memo.js';
import {
  type Analysis,
  anchored,
  basename,
  dirname,
  push,
  type Candidate,
  type Entries,
  type RunSteps,
} from './model.js';

export const DEP_DIRS = new Set([
  'node_modules',
  '.venv',
  'venv',
  '__pycache__',
  '.tox',
  '.nox',
  '.pytest_cache',
  '.mypy_cache',
  '.ruff_cache',
]);
export const VCS_DIRS = new Set(['.git', '.hg', '.svn']);
// (isJunk tests the first character of these names before it cuts a name)
const MANIFESTS = [
  'package.json',
  'pyproject.toml',
  'setup.py',
  'Cargo.toml',
  'pom.xml',
  'build.gradle',
  'build.gradle.kts',
  'go.mod',
];

const BUILD_TOOLS: { re: RegExp; dirs: string[] }[] = [
  {
    re: /\b(npm|pnpm|yarn|bun)\b[^&|;\n]*\sbuild\b|\btsc\b|\bvite\s+build\b|\bng\s+build\b|\bwebpack\b/,
    dirs: ['dist', 'build'],
  },
  { re: /\bnext\s+build\b|\b(npm|pnpm|yarn|bun)\b[^&|;\n]*\sbuild\b/, dirs: ['.next'] },
  {
    re: /\bpython[0-9.]*\s+-m\s+build\b|setup\.py\s+(build|bdist|sdist)|\b(poetry|uv|hatch|pdm)\s+build\b/,
    dirs: ['dist', 'build'],
  },
  { re: /\bcargo\s+(build|install)\b|\bmvnw?\b/, dirs: ['target'] },
  { re: /\bgradlew?\b/, dirs: ['build', '.gradle'] },
];
const DOTNET_BUILD = /\bdotnet\s+(build|publish)\b/;
const NODE_INSTALL = /\b(npm|pnpm|bun)\s+(ci|install|i)\b|\byarn(\s+install)?\s*($|&&|;|\||--)/m;
const TEMPLATE_EXT = /\.(j2|jinja2?|tmpl|tpl|template|erb|mustache|hbs|ejs|in|example|sample)$/i;
/** A git command that reads the repository, after any global options (`git -c k=v -C dir ...`). */
const GIT_USE =
  /\bgit(?:\s+(?:-[Cc]\s+\S+|--?[\w-]+(?:=\S+)?))*\s+(describe|rev-parse|rev-list|log|status|diff|show|submodule|tag|branch|ls-files|archive|checkout|reset|stash|blame|shortlog|for-each-ref)\b/;

/** Folders the analysis walk does not enter: they are excluded (or kept) as a whole. */
export function isJunk(d: ContextEntry, bc: BuildContext): boolean {
  const p = d.path;
  // (the walk's name when it has one: no cut of the path; every junk name starts with `.`,
  // `n`, `v` or `_`: no name cut for the other folders)
  const named = d.name;
  const c = named !== undefined ? named.charCodeAt(0) : p.charCodeAt(p.lastIndexOf('/') + 1);
  if (c !== 46 /* . */ && c !== 110 /* n */ && c !== 118 /* v */ && c !== 95 /* _ */)
    return p === 'vendor/bundle';
  const n = named ?? basename(p);
  if (VCS_DIRS.has(n) || d.path === 'vendor/bundle') return true;
  if (n === 'venv') return bc.exists(`${d.path}/pyvenv.cfg`);
  return DEP_DIRS.has(n);
}

/** How the build reads `.git`: `skip` when it surely does (a RUN calls git, a script or
 * Makefile it runs calls git, or the version comes from git), `review` when it may (a Go build
 * stamps the VCS revision, `make` whose Makefile is not in the context); null if nothing does. */
export function gitReader(
  model: DockerfileModel,
  steps: RunSteps,
  bc: BuildContext,
): { at: number; line: number; why: string; review: boolean } | null {
  const first = model.instructions[0]?.span.start ?? 0;
  for (const r of steps.runs) {
    if (GIT_USE.test(r.text))
      return { at: r.at, line: r.line, why: `the RUN at line ${r.line} calls git`, review: false };
    // Scripts and Makefiles the RUN runs from the context.
    const scripts = [...r.text.matchAll(/(?:^|[\s;&|(])(?:\.\/|sh\s+|bash\s+)?([\w./-]+\.sh)\b/g)]
      .map((m) => m[1]!.replace(/^\.\//, ''))
      .filter((p) => bc.exists(p));
    if (/(^|[\s;&|(])make(\s|$)/m.test(r.text)) {
      const mk = ['GNUmakefile', 'makefile', 'Makefile'].find((f) => bc.exists(f));
      if (!mk)
        return {
          at: r.at,
          line: r.line,
          why: `the RUN at line ${r.line} runs make, and no Makefile in the context tells whether it calls git`,
          review: true,
        };
      scripts.push(mk);
    }
    if (/\b(npm|pnpm|yarn|bun)\b[^&|;\n]*\b(run|build)\b/.test(r.text))
      scripts.push('package.json');
    for (const p of scripts) {
      if (GIT_USE.test(bc.readFile(p) ?? ''))
        return {
          at: r.at,
          line: r.line,
          why: `${p}, which the RUN at line ${r.line} runs, calls git`,
          review: false,
        };
    }
    if (/\bgo\s+(build|install)\b/.test(r.text) && !/-buildvcs=false/.test(r.text))
      return {
        at: r.at,
        line: r.line,
        why: `the Go build at line ${r.line} stamps the VCS revision from .git into the binary (go version -m, debug.ReadBuildInfo)`,
        review: true,
      };
  }
  if (
    /setuptools[-_]scm|hatch-vcs|versioneer/.test(
      (bc.readFile('pyproject.toml') ?? '') +
        (bc.readFile('setup.py') ?? '') +
        (bc.readFile('setup.cfg') ?? ''),
    )
  )
    return {
      at: first,
      line: 1,
      why: 'the project takes its version from git (setuptools-scm, hatch-vcs or versioneer)',
      review: false,
    };
  return null;
}

/** Entries the repository ships: a clutter pattern that would exclude a git-tracked file (or,
 * without git, a build output the `.gitignore` does not ignore) needs a review. Editor and local
 * Docker files are left to `dropTracked`. */
export function reviewTracked(out: Candidate[], bc: BuildContext): Candidate[] {
  for (const c of out) {
    if (c.group === 'editor' || c.group === 'docker') continue;
    const tracked = c.triggers.filter((t) => gitTracked(bc, t) === true);
    if (tracked.length) {
      const verb = tracked.length === 1 ? 'is' : 'are';
      c.review = {
        kind: 'clutter',
        why: `${listNames(tracked)} ${verb} tracked by git, so the build or the app may read ${tracked.length === 1 ? 'it' : 'them'}`,
      };
    } else if (c.group === 'build' && gitTracked(bc, '') === null) {
      const shipped = c.triggers.filter((t) => gitIgnored(bc, t) === false);
      if (shipped.length)
        c.review = {
          kind: 'clutter',
          why: `the .gitignore does not ignore ${listNames(shipped)}, so the project probably ships ${shipped.length === 1 ? 'it' : 'them'}`,
        };
    }
  }
  return out;
}

/** Editor and local Docker files that git tracks are left alone: the candidates without those
 * with a tracked trigger. Asked only when an entry of another group may be proposed (editor and
 * Docker files alone never change anything, tracked or not: analysis.ts). */
export function dropTracked(candidates: Candidate[], bc: BuildContext): Candidate[] {
  return candidates.filter(
    (c) =>
      (c.group !== 'editor' && c.group !== 'docker') ||
      !c.triggers.some((t) => gitTracked(bc, t) === true),
  );
}

/** The paths of a walk the clutter rules look for by name, found in one pass over its
 * entries (each list in walk order). A pure function of the entries: computed once per walk
 * (the Entries of a walk are shared by the Dockerfiles of its context). */
interface ClutterScan {
  entries: Entries;
  pyc: string[];
  bundle: string[];
  /** Folders holding a .NET project file, made when first asked. */
  projDirs: Set<string> | null;
  logs: string[];
  /** `log/*` and `tmp/*` (null: no such folder at the root), and their keep files. */
  logDirs: { d: 'log' | 'tmp'; inside: string[]; keep: string[] }[];
  swap: string[];
  tilde: string[];
  /** Files named `Dockerfile*` or `Containerfile*`. */
  dockerfiles: string[];
  suffixed: string[];
  compose: string[][];
}

const COMPOSE = ['docker-compose', 'compose'];
const COMPOSE_RE = COMPOSE.map((c) => new RegExp(`^${c}[^/]*\\.ya?ml$`));

function scanOf(entries: Entries): ClutterScan {
  let s = entries.clutterScan as ClutterScan | null;
  if (s) return s;
  memoCounters.scans++;
  s = {
    entries,
    pyc: [],
    bundle: [],
    projDirs: null,
    logs: [],
    logDirs: [],
    swap: [],
    tilde: [],
    dockerfiles: [],
    suffixed: [],
    compose: COMPOSE.map(() => []),
  };
  const { all, names } = entries;
  // (the ignore file is asked about the paths found only)
  const seen = (i: number) => entries.visible(all[i]!);
  // (a cheap test of one character of the name first: the last one for a suffix, the first for
  // a prefix; most files match none. The tests read the names: a path is read only for a match)
  for (let i = 0; i < all.length; i++) {
    const n = names[i] as string | null;
    if (n === null) continue;
    const last = n.charCodeAt(n.length - 1);
    switch (last) {
      case 99 /* c */:
        if (n.endsWith('.pyc') && seen(i)) s.pyc.push(all[i]!.path);
        break;
      case 103 /* g */:
        if (n.endsWith('.log')) {
          const p = all[i]!.path;
          if (!/^(log|tmp)\//.test(p) && seen(i)) s.logs.push(p);
        }
        break;
      case 112 /* p */:
      case 111 /* o */:
        if ((n.endsWith('.swp') || n.endsWith('.swo')) && seen(i)) s.swap.push(all[i]!.path);
        break;
      case 126 /* ~ */:
        if (seen(i)) s.tilde.push(all[i]!.path);
        break;
    }
    const first = n.charCodeAt(0);
    if (
      (first === 68 /* D */ && n.startsWith('Dockerfile')) ||
      (first === 67 /* C */ && n.startsWith('Containerfile'))
    ) {
      if (seen(i)) s.dockerfiles.push(all[i]!.path);
    }
    if (last === 101 /* e */ && n.endsWith('.Dockerfile') && seen(i)) s.suffixed.push(all[i]!.path);
    // (compose files at the root only: there the path is the name)
    if (first === 99 /* c */ || first === 100 /* d */)
      for (let k = 0; k < COMPOSE.length; k++)
        if (COMPOSE_RE[k]!.test(n) && all[i]!.path.length === n.length && seen(i))
          s.compose[k]!.push(n);
  }
  s.bundle = entries.named('bundle', true).filter((p) => p === 'vendor/bundle');
  for (const d of ['log', 'tmp'] as const) {
    if (!entries.named(d, true).includes(d)) continue;
    const keep = new Set([`${d}/.keep`, `${d}/.gitkeep`]);
    const inside: string[] = [];
    const kept: string[] = [];
    for (const e of entries.all) {
      if (!e.path.startsWith(d + '/')) continue;
      if (keep.has(e.path)) {
        if (entries.visible(e)) kept.push(e.path);
      } else if (dirname(e.path) === d && entries.visible(e)) inside.push(e.path);
    }
    s.logDirs.push({ d, inside, keep: kept });
  }
  entries.clutterScan = s;
  return s;
}

/** The NAMED names that only editor entries look up (see `mayProposeClutter`). */
const EDITOR_NAMES: ReadonlySet<string> = new Set([
  '.DS_Store',
  'Thumbs.db',
  '.idea',
  '.vscode',
  '.vs',
]);

/**
 * Whether the clutter candidates of a walk may hold an entry of a group other than editor and
 * local Docker files (the groups that never make a fix alone: analysis.ts), whatever the
 * Dockerfile runs: false when the walk holds no NAMED name but those only editor entries look
 * up, and its scan found no `.pyc` or `.log` file (`log/*`, `tmp/*` and `vendor/bundle` need
 * a NAMED folder). Most contexts hold nothing more (a compose sample, a service's folder): their
 * candidates need not be computed, nor the context asked again (memo.ts) for each Dockerfile.
 * Once per walk; without the walk's clutter scan (most walks never need it), from the NAMED
 * names and a look for the first visible `.pyc` or `.log` file: no scan made.
 */
export function mayProposeClutter(entries: Entries): boolean {
  let may = entries.clutterPossible;
  if (may === null) {
    const s = entries.clutterScan as ClutterScan | null;
    may = entries.clutterPossible =
      s !== null
        ? scanProposes(entries, s)
        : entries.holdsNamedBut(EDITOR_NAMES) || holdsPycOrLog(entries);
  }
  return may;
}

/** mayProposeClutter's answer from the walk's clutter scan (the scan made when asked: for the
 * tests, the answer the look without it must give). */
export function mayProposeClutterByScan(entries: Entries): boolean {
  return scanProposes(entries, scanOf(entries));
}

function scanProposes(entries: Entries, s: ClutterScan): boolean {
  return (
    s.pyc.length > 0 ||
    s.logs.length > 0 ||
    s.bundle.length > 0 ||
    s.logDirs.some((d) => d.inside.length > 0) ||
    entries.holdsNamedBut(EDITOR_NAMES)
  );
}

/** Whether the walk holds a visible file the scan would list in `pyc` or `logs` (its tests,
 * stopping at the first). */
function holdsPycOrLog(entries: Entries): boolean {
  const { all, names } = entries;
  for (let i = 0; i < all.length; i++) {
    const n = names[i] as string | null;
    if (n === null) continue;
    const last = n.charCodeAt(n.length - 1);
    if (last === 99 /* c */) {
      if (n.endsWith('.pyc') && entries.visible(all[i]!)) return true;
    } else if (last === 103 /* g */ && n.endsWith('.log')) {
      const e = all[i]!;
      if (!/^(log|tmp)\//.test(e.path) && entries.visible(e)) return true;
    }
  }
  return false;
}

/** A .NET project file's name (`App.csproj`, `Lib.fsproj`, `Old.vbproj`). */
const PROJECT_FILE = /\.(cs|fs|vb)proj$/;

/** The folders holding a visible .NET project file. The names are tested (the suffix holds no
 * `/`, so a path and its name match alike), `j` last first; a path is read only for a match: a
 * test of every path would flatten each one, a walk's paths being concatenations of their
 * folder's and their name that live for the session (eShopOnContainers' `src`: 3,700 paths). */
function projectFolders(entries: Entries): Set<string> {
  const { all, names } = entries;
  const out = new Set<string>();
  for (let i = 0; i < all.length; i++) {
    const n = names[i] as string | null;
    if (n === null || n.charCodeAt(n.length - 1) !== 106 /* j */ || !PROJECT_FILE.test(n)) continue;
    const e = all[i]!;
    if (entries.visible(e)) out.add(dirname(e.path));
  }
  return out;
}

const shared = new WalkMemo<Candidate[]>();

/** Candidates of every group but secrets, in the order they appear in the ignore file. They
 * depend on the walk (its entries, and what the context says of them: git, `.gitignore`
 * files, which folders hold a manifest or a `pyvenv.cfg`), the ignore file's path and what the
 * RUN steps install and build: computed once per walk and such facts (memo.ts), shared by the
 * Dockerfiles of the context and the passes of the engine. Read-only. */
export function clutterCandidates(
  entries: Entries,
  bc: BuildContext,
  steps: RunSteps,
  ignorePath: string,
): Candidate[] {
  const runs = runsOf(steps);
  const key = `${ignorePath}\0${runs.key}`;
  const scan = scanOf(entries);
  return shared.get(scan, key, bc, (view) => computeClutter(scan, view, runs, ignorePath));
}

interface Runs {
  node: boolean;
  builds: string[];
  dotnet: boolean;
  /** The three, as a memo key. */
  key: string;
}

/** What the RUN steps install and build, once per RUN steps (usage.ts: once per Dockerfile
 * text; the checks of every pass of the engine and every Dockerfile of a context ask it). */
const runsBySteps = new WeakMap<RunSteps, Runs>();

function runsOf(steps: RunSteps): Runs {
  let runs = runsBySteps.get(steps);
  if (!runs) {
    const { runText } = steps;
    const node = NODE_INSTALL.test(runText);
    const outDirs = new Set<string>();
    for (const t of BUILD_TOOLS) if (t.re.test(runText)) t.dirs.forEach((d) => outDirs.add(d));
    const dotnet = DOTNET_BUILD.test(runText);
    const builds = [...outDirs].sort();
    runs = { node, builds, dotnet, key: `${node}\0${dotnet}\0${builds.join('/')}` };
    runsBySteps.set(steps, runs);
  }
  return runs;
}

function computeClutter(
  scan: ClutterScan,
  bc: BuildContext,
  runs: { node: boolean; builds: string[]; dotnet: boolean },
  ignorePath: string,
): Candidate[] {
  const out: Candidate[] = [];
  const entries = scan.entries;
  const named = (name: string, dir: boolean | null) => entries.named(name, dir);

  // Version control.
  for (const v of VCS_DIRS) {
    const hits = named(v, null);
    push(out, 'vcs', anchored(v, hits), hits);
  }

  // Dependencies, virtualenvs and caches.
  if (runs.node) {
    const hits = named('node_modules', true);
    push(out, 'deps', anchored('node_modules', hits), hits);
  }
  const venv = named('.venv', true);
  push(out, 'deps', anchored('.venv', venv), venv);
  const venv2 = named('venv', true).filter((p) => bc.exists(`${p}/pyvenv.cfg`));
  push(out, 'deps', anchored('venv', venv2), venv2);
  for (const c of ['__pycache__', '.tox', '.nox', '.pytest_cache', '.mypy_cache', '.ruff_cache']) {
    const hits = named(c, true);
    push(out, 'deps', c === '__pycache__' ? '**/__pycache__' : anchored(c, hits), hits);
  }
  push(out, 'deps', '**/*.pyc', scan.pyc);
  push(out, 'deps', 'vendor/bundle', scan.bundle);

  // Build outputs the image builds itself.
  const hasManifest = (dir: string) => MANIFESTS.some((m) => bc.exists(dir ? `${dir}/${m}` : m));
  for (const d of runs.builds) {
    const hits = named(d, true).filter((p) => !p.includes('/') || hasManifest(dirname(p)));
    push(out, 'build', anchored(d, hits), hits);
  }
  if (runs.dotnet) {
    const projDirs = (scan.projDirs ??= projectFolders(entries));
    for (const d of ['bin', 'obj']) {
      const hits = named(d, true).filter((p) => projDirs.has(dirname(p)));
      push(out, 'build', anchored(d, hits), hits);
    }
  }

  // Logs and temporary files.
  push(out, 'logs', anchored('*.log', scan.logs), scan.logs);
  for (const { d, inside, keep } of scan.logDirs) {
    if (inside.length) out.push({ group: 'logs', pattern: `${d}/*`, triggers: inside, keep });
  }

  // Coverage.
  for (const c of ['coverage', 'htmlcov', '.nyc_output']) {
    push(
      out,
      'coverage',
      c,
      named(c, true).filter((p) => !p.includes('/')),
    );
  }
  push(
    out,
    'coverage',
    '.coverage',
    named('.coverage', false).filter((p) => !p.includes('/')),
  );

  // Editor and OS files.
  push(out, 'editor', '**/.DS_Store', named('.DS_Store', false));
  push(out, 'editor', '**/Thumbs.db', named('Thumbs.db', false));
  for (const d of ['.idea', '.vscode', '.vs'])
    push(
      out,
      'editor',
      d,
      named(d, true).filter((p) => !p.includes('/')),
    );
  push(out, 'editor', '**/*.sw[op]', scan.swap);
  push(out, 'editor', '**/*~', scan.tilde);

  // Local Docker files.
  const dockerfiles = scan.dockerfiles;
  // Templates the app may read (`templates/Dockerfile.j2`) are no Dockerfiles: kept.
  const template = (p: string) => TEMPLATE_EXT.test(p);
  const df = dockerfiles.filter((p) => basename(p).startsWith('Dockerfile') && !template(p));
  if (df.length) {
    const pattern = anchored('Dockerfile*', df);
    const m = matcher([pattern]);
    const keep = dockerfiles.filter((p) => template(p) && m(p));
    out.push({ group: 'docker', pattern, triggers: df, ...(keep.length ? { keep } : {}) });
  }
  const cf = dockerfiles.filter((p) => basename(p).startsWith('Containerfile'));
  push(out, 'docker', anchored('Containerfile*', cf), cf);
  push(out, 'docker', anchored('*.Dockerfile', scan.suffixed), scan.suffixed);
  COMPOSE.forEach((c, k) => push(out, 'docker', `${c}*.y*ml`, scan.compose[k]!));
  if (ignorePath === '.dockerignore' || bc.exists('.dockerignore')) {
    push(out, 'docker', '.dockerignore', ['.dockerignore']);
  } else if (!df.includes(ignorePath)) push(out, 'docker', ignorePath, [ignorePath]);
  return reviewTracked(out, bc);
}

/** The `dockerignore/create` (no ignore file yet) or `dockerignore/complete` fix: the chosen
 * entries other than secrets (reported next to the secrets fix, which carries them too). */
export function reportClutterReview(a: Analysis): Finding[] {
  const list = a.review.filter((p) => p.review?.kind === 'clutter');
  if (!list.length || !a.usage.whole) return [];
  const { edit, note, data } = buildEdit(
    a,
    list,
    '# Reviewed: the build or the app may read these',
  );
  const names = listNames(list.map((p) => p.pattern));
  const whys = list.map((p) => p.review!.why).join('; ');
  return [
    {
      ruleId: a.existing === null ? 'dockerignore/create' : 'dockerignore/complete',
      message: `Line ${a.usage.whole.line}'s \`${a.usage.whole.text.trim()}\` copies ${names} into the build, but ${whys}: exclude ${list.length === 1 ? 'it' : 'them'} only if nothing reads ${list.length === 1 ? 'it' : 'them'}.`,
      applicability: 'review',
      at: a.usage.whole.at,
      edits: [edit],
      note,
      data,
    } satisfies Fix,
  ];
}

export function reportClutter(a: Analysis): Finding[] {
  const others = a.chosen.filter((p) => p.group !== 'secrets');
  if (!others.length) return [];
  const rest = buildEdit(a, others);
  const names = listNames(others.map((p) => p.pattern));
  const what =
    a.existing === null
      ? `No ${a.ignorePath}: ${names} are sent with the build context`
      : `${a.ignorePath} misses ${names}, which ${others.length === 1 ? 'is' : 'are'} sent with the build context`;
  return [
    {
      ruleId: a.existing === null ? 'dockerignore/create' : 'dockerignore/complete',
      message: `${what} and line ${a.usage.whole!.line}'s \`${a.usage.whole!.text.trim()}\` copies them into the image, so the upload grows and any change there busts the layer cache.`,
      applicability: 'safe',
      at: a.usage.whole!.at,
      edits: [rest.edit],
      note: rest.note,
      data: rest.data,
    } satisfies Fix,
  ];
}
