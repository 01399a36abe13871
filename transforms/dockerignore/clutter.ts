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
import { buildEdit, listNames } from './ignore-file.js';
import {
  type Analysis,
  anchored,
  basename,
  dirname,
  push,
  type Candidate,
  type Entries,
  type Usage,
} from './model.js';

const DEP_DIRS = new Set([
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
const VCS_DIRS = new Set(['.git', '.hg', '.svn']);
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
const GIT_USE = /\bgit\s+(describe|rev-parse|log|status|diff|show|submodule)\b/;

/** Folders the analysis walk does not enter: they are excluded (or kept) as a whole. */
export function isJunk(d: ContextEntry, bc: BuildContext): boolean {
  const n = basename(d.path);
  if (VCS_DIRS.has(n) || d.path === 'vendor/bundle') return true;
  if (n === 'venv') return bc.exists(`${d.path}/pyvenv.cfg`);
  return DEP_DIRS.has(n);
}

/** Why the build reads `.git`: a RUN calling git, or a version taken from git; null if nothing. */
export function gitReader(
  model: DockerfileModel,
  usage: Usage,
  bc: BuildContext,
): { at: number; line: number; text: string } | null {
  return (
    usage.runs.find((r) => GIT_USE.test(r.text)) ??
    (/setuptools[-_]scm|hatch-vcs|versioneer/.test(
      (bc.readFile('pyproject.toml') ?? '') +
        (bc.readFile('setup.py') ?? '') +
        (bc.readFile('setup.cfg') ?? ''),
    )
      ? { at: model.instructions[0]?.span.start ?? 0, line: 1, text: 'pyproject.toml' }
      : null)
  );
}

/** Candidates of every group but secrets, in the order they appear in the ignore file. */
export function clutterCandidates(
  entries: Entries,
  bc: BuildContext,
  usage: Usage,
  ignorePath: string,
): Candidate[] {
  const out: Candidate[] = [];
  const { files, dirs } = entries;
  const all = entries.all;
  const named = (name: string, dir: boolean | null) => entries.named(name, dir);

  // Version control.
  for (const v of VCS_DIRS) {
    const hits = named(v, null);
    push(out, 'vcs', anchored(v, hits), hits);
  }

  // Dependencies, virtualenvs and caches.
  if (NODE_INSTALL.test(usage.runText)) {
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
  const pyc = files.filter((e) => e.path.endsWith('.pyc')).map((e) => e.path);
  push(out, 'deps', '**/*.pyc', pyc);
  const bundle = dirs.filter((e) => e.path === 'vendor/bundle').map((e) => e.path);
  push(out, 'deps', 'vendor/bundle', bundle);

  // Build outputs the image builds itself.
  const outDirs = new Set<string>();
  for (const t of BUILD_TOOLS) if (t.re.test(usage.runText)) t.dirs.forEach((d) => outDirs.add(d));
  const hasManifest = (dir: string) => MANIFESTS.some((m) => bc.exists(dir ? `${dir}/${m}` : m));
  for (const d of [...outDirs].sort()) {
    const hits = named(d, true).filter((p) => !p.includes('/') || hasManifest(dirname(p)));
    push(out, 'build', anchored(d, hits), hits);
  }
  if (DOTNET_BUILD.test(usage.runText)) {
    const projDirs = new Set(
      files.filter((e) => /\.(cs|fs|vb)proj$/.test(e.path)).map((e) => dirname(e.path)),
    );
    for (const d of ['bin', 'obj']) {
      const hits = named(d, true).filter((p) => projDirs.has(dirname(p)));
      push(out, 'build', anchored(d, hits), hits);
    }
  }

  // Logs and temporary files.
  const logs = files
    .filter((e) => e.path.endsWith('.log') && !/^(log|tmp)\//.test(e.path))
    .map((e) => e.path);
  push(out, 'logs', anchored('*.log', logs), logs);
  for (const d of ['log', 'tmp']) {
    if (!dirs.some((e) => e.path === d)) continue;
    const keep = new Set([`${d}/.keep`, `${d}/.gitkeep`]);
    const inside = all.filter((e) => dirname(e.path) === d && !keep.has(e.path)).map((e) => e.path);
    if (inside.length)
      out.push({
        group: 'logs',
        pattern: `${d}/*`,
        triggers: inside,
        keep: all.filter((e) => keep.has(e.path)).map((e) => e.path),
      });
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
  push(
    out,
    'editor',
    '**/*.sw[op]',
    files.filter((e) => /\.sw[op]$/.test(e.path)).map((e) => e.path),
  );
  push(
    out,
    'editor',
    '**/*~',
    files.filter((e) => e.path.endsWith('~')).map((e) => e.path),
  );

  // Local Docker files.
  const dockerfiles = files
    .filter((e) => /^(Dockerfile|Containerfile)/.test(basename(e.path)))
    .map((e) => e.path);
  const df = dockerfiles.filter((p) => basename(p).startsWith('Dockerfile'));
  push(out, 'docker', anchored('Dockerfile*', df), df);
  const cf = dockerfiles.filter((p) => basename(p).startsWith('Containerfile'));
  push(out, 'docker', anchored('Containerfile*', cf), cf);
  const suffixed = files.filter((e) => /\.Dockerfile$/.test(e.path)).map((e) => e.path);
  push(out, 'docker', anchored('*.Dockerfile', suffixed), suffixed);
  for (const c of ['docker-compose', 'compose']) {
    const hits = files
      .filter((e) => !e.path.includes('/') && new RegExp(`^${c}[^/]*\\.ya?ml$`).test(e.path))
      .map((e) => e.path);
    push(out, 'docker', `${c}*.y*ml`, hits);
  }
  if (ignorePath === '.dockerignore' || bc.exists('.dockerignore')) {
    push(out, 'docker', '.dockerignore', ['.dockerignore']);
  } else if (!df.includes(ignorePath)) push(out, 'docker', ignorePath, [ignorePath]);
  return out;
}

/** The `dockerignore/create` (no ignore file yet) or `dockerignore/complete` fix: the chosen
 * entries other than secrets (reported next to the secrets fix, which carries them too). */
export function reportClutter(a: Analysis): Finding[] {
  const others = a.chosen.filter((p) => p.group !== 'secrets');
  if (!others.length) return [];
  const rest = buildEdit(a, others);
  const names = listNames(others.map((p) => p.pattern));
  const what =
    a.existing === null
      ? `No ${a.ignorePath}: ${names} are sent with the build context`
      : `${a.ignorePath} misses ${names}, which are sent with the build context`;
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
