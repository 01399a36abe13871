/** The name scans of the dockerignore analysis (Entries, the secrets and clutter scans, the
 * Dockerfiles of a walk) read the names a disk walk's entries carry (ContextEntry.name) instead
 * of cutting each path: the same candidates as from the same entries without names, read paths
 * only for the names that match, and fall back to whole paths where a folder's name matters. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, test } from '@jest/globals';
import { clearCaches } from '../../../src/api.js';
import { DiskContext, MemoryContext } from '../../../src/context/context.js';
import { parseDockerfile } from '../../../src/model/dockerfile.js';
import { initShellParser } from '../../../src/model/shell.js';
import type { ContextEntry } from '../../../src/model/types.js';
import { diskCounters } from '../../../src/context/cache.js';
import { entriesBelow } from '../../../transforms/dockerignore/analysis.js';
import { clutterCandidates } from '../../../transforms/dockerignore/clutter.js';
import { Entries } from '../../../transforms/dockerignore/model.js';
import { secretCandidates } from '../../../transforms/dockerignore/secrets.js';
import { runStepsOf, usageOf } from '../../../transforms/dockerignore/usage.js';
import { removeTmpdirs, tmpdir } from '../../helpers.js';

beforeAll(() => initShellParser());
beforeEach(() => clearCaches());
afterAll(() => removeTmpdirs());

const FILES = [
  '.env',
  'a/.env.local',
  'a/.env.example',
  'x.pem',
  'b/server.key',
  'id_rsa',
  'id_rsa.pub',
  'keys/id_ed25519',
  'infra/terraform.tfstate',
  'c.tfstate.backup',
  'docker-compose.yml',
  'compose.prod.yaml',
  'sub/compose.yaml',
  'sub/docker-compose.yml',
  'app.log',
  'sub/deep/x.log',
  'log/dev.log',
  'log/.keep',
  'tmp/x.log',
  'm.pyc',
  'src/.a.swp',
  'b~',
  'Dockerfile',
  'sub/Dockerfile.dev',
  'sub/api.Dockerfile',
  'Containerfile',
  '.DS_Store',
  'src/index.js',
  'src/Thumbs.db',
  'templates/Dockerfile.j2',
];

function makeTree(files: string[]): string {
  const root = tmpdir('dfo-names-');
  for (const f of files) {
    fs.mkdirSync(path.join(root, path.dirname(f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), f === 'Dockerfile' ? 'FROM x\n' : 'x\n');
  }
  return root;
}

/** The RUN steps of a Dockerfile's text. */
const stepsOf = (text: string) => {
  const model = parseDockerfile(text);
  return runStepsOf(model, usageOf(model));
};
const usage = () => stepsOf('FROM node\nCOPY . .\nRUN npm ci && npm run build\n');

/** The same entries without their names (as a context that has none at hand gives them). */
const nameless = (all: readonly ContextEntry[]): ContextEntry[] =>
  all.map((e) => ({ path: e.path, size: 0, isDirectory: e.isDirectory }));

function candidates(
  all: readonly ContextEntry[],
  bc: DiskContext,
  ignored: (p: string, isDir: boolean) => boolean = () => false,
) {
  const entries = new Entries(all, ignored);
  return {
    files: entries.files.map((e) => e.path),
    names: entries.names,
    secrets: secretCandidates(entries, bc, usage),
    clutter: clutterCandidates(entries, bc, usage(), '.dockerignore'),
  };
}

test("a disk walk's entries carry their names; Entries reads them", () => {
  const bc = new DiskContext(makeTree(FILES));
  const all = bc.walk();
  expect(all.length).toBeGreaterThan(FILES.length);
  for (const e of all) expect([e.path, e.name]).toEqual([e.path, path.posix.basename(e.path)]);
  const entries = new Entries(all, () => false);
  // (a file's name, null for a folder: one list beside the walk)
  expect(entries.names).toEqual(
    all.map((e) => (e.isDirectory ? null : path.posix.basename(e.path))),
  );
  expect(entries.files.map((e) => e.path)).toEqual(
    all.filter((e) => !e.isDirectory).map((e) => e.path),
  );
  expect(entries.foldersMayContain('.tfstate')).toBe(false);
  expect(entries.foldersMayContain('sub')).toBe(true);
  // Without names, a folder above an entry may be missing: the whole paths are read.
  expect(new Entries(nameless(all), () => false).foldersMayContain('.tfstate')).toBe(true);
});

test.each([
  ['no folder named *.tfstate*', FILES],
  ['a folder named *.tfstate*', [...FILES, 'state.tfstate.d/dev/x', 'w.tfstate/y']],
])('the same candidates with and without names (%s)', (_what, files) => {
  const bc = new DiskContext(makeTree(files));
  const all = bc.walk();
  const named = candidates(all, bc);
  expect(named).toEqual(candidates(nameless(all), bc));
  // (every tfstate path, proposed or to review)
  const tf = named.secrets.flatMap((c) => c.triggers).filter((t) => t.includes('tfstate'));
  expect(tf.sort()).toEqual(files.filter((f) => /\.tfstate(\..+)?$/.test(f)).sort());
  const compose = named.clutter
    .filter((c) => c.pattern.includes('compose'))
    .flatMap((c) => c.triggers);
  expect(compose.sort()).toEqual(['compose.prod.yaml', 'docker-compose.yml']);
  const logs = named.clutter.find((c) => c.pattern.endsWith('*.log'))!;
  expect(logs.triggers).toEqual(['app.log', 'sub/deep/x.log']);
  // with an ignore file in force, only what it lets through
  const ignored = (p: string) => p.startsWith('sub/') || p === '.env';
  expect(candidates(all, bc, ignored)).toEqual(candidates(nameless(all), bc, ignored));
});

/** Entries made by `entry`, whose `path` getter records each read in `read` (the scans should
 * read the paths of matching names only). */
function recordingEntries(): {
  entry: (p: string, isDirectory: boolean) => ContextEntry;
  read: string[];
} {
  const read: string[] = [];
  const entry = (p: string, isDirectory: boolean): ContextEntry => ({
    get path() {
      read.push(p);
      return p;
    },
    name: path.posix.basename(p),
    size: 0,
    isDirectory,
  });
  return { entry, read };
}

test('the scans read the path of a matching name only', () => {
  const bc = new MemoryContext({});
  const { entry, read } = recordingEntries();
  const plain = ['src', 'src/a.ts', 'src/b.ts', 'lib', 'lib/c.js', 'README.md', 'package.json'];
  const all = plain.map((p) => entry(p, !p.includes('.')));
  all.push(entry('.env', false));
  const entries = new Entries(all, () => false);
  read.length = 0;
  const s = secretCandidates(entries, bc, usage);
  expect(s.map((c) => c.triggers)).toEqual([['.env']]);
  clutterCandidates(entries, bc, usage(), '.dockerignore');
  // (`.env`, read when found and by the decisions made about it, never the other files')
  const before = read.length;
  expect(before).toBeGreaterThan(0);
  read.length = 0;
  const again = new Entries(all.slice(0, -1), () => false);
  expect(secretCandidates(again, bc, usage)).toEqual([]);
  clutterCandidates(again, bc, usage(), '.dockerignore');
  expect(read.length).toBe(0);
});

test('the .NET project folders (bin/obj of a dotnet build) read the paths of project files only', () => {
  const bc = new MemoryContext({});
  const { entry, read } = recordingEntries();
  const folders = ['src', 'src/App', 'src/App/bin', 'src/App/obj', 'src/Lib', 'src/Lib/bin'];
  const files = ['src/App/App.csproj', 'src/App/Program.cs', 'src/Lib/Lib.cs', 'README.md'];
  const all = [...folders.map((p) => entry(p, true)), ...files.map((p) => entry(p, false))];
  const dotnet = stepsOf(
    'FROM mcr.microsoft.com/dotnet/sdk:8.0\nCOPY . .\nRUN dotnet publish src/App\n',
  );
  const entries = new Entries(all, () => false);
  read.length = 0;
  const build = clutterCandidates(entries, bc, dotnet, '.dockerignore').filter(
    (c) => c.group === 'build',
  );
  // bin and obj of the folder holding a project file only (not src/Lib/bin)
  expect(build.map((c) => [c.pattern, c.triggers])).toEqual([
    ['**/bin', ['src/App/bin']],
    ['**/obj', ['src/App/obj']],
  ]);
  // of the files, only the project file's path was read
  expect(files.filter((f) => read.includes(f))).toEqual(['src/App/App.csproj']);
});

test('Entries.holds and the project-file scan read the path of a matching name only', () => {
  const { entry, read } = recordingEntries();
  const plain = [
    'src',
    'src/a.ts',
    'src/b.ts',
    'lib',
    'lib/c.js',
    'README.md',
    'api',
    'api/api.csproj',
  ];
  const all = plain.map((p) => entry(p, !p.includes('.')));
  for (const d of ['api/bin', 'api/obj']) all.push(entry(d, true));
  const entries = new Entries(all, () => false);
  read.length = 0;
  expect(entries.holds('lib/c.js')).toBe(true);
  expect(read.length).toBe(1);
  read.length = 0;
  expect(entries.holds('src/missing.ts')).toBe(false);
  expect(entries.holds('missing')).toBe(false);
  expect(read.length).toBe(0);
  const bc = new MemoryContext({ 'api/api.csproj': '<Project/>\n' });
  const dotnet = stepsOf('FROM x\nCOPY . .\nRUN dotnet publish -c Release\n');
  read.length = 0;
  const out = clutterCandidates(new Entries(all, () => false), bc, dotnet, '.dockerignore');
  expect(out.filter((c) => c.group === 'build').flatMap((c) => c.triggers)).toEqual([
    'api/bin',
    'api/obj',
  ]);
  // (the project file's path and the folders named bin and obj are read: more files of other
  // names read nothing more)
  const seen = read.length;
  read.length = 0;
  const more = [...all, ...[1, 2, 3, 4, 5, 6].map((k) => entry(`src/x${k}.ts`, false))];
  clutterCandidates(new Entries(more, () => false), bc, dotnet, '.dockerignore');
  expect(read.length).toBe(seen);
});

test("the entries below a needed source: a disk walk's files tested by their folder, their paths not read", () => {
  const files = [...FILES, 'src2/x.js', 'src.old/y.js', 'sub/deeper/z/w.txt', 'sub-x/v.txt'];
  const bc = new DiskContext(makeTree(files));
  const paths = bc.walk().map((e) => e.path);
  const byPath = (r: string) => paths.filter((p) => p.startsWith(r + '/'));
  const sources = ['', 'src', 'sub', 'sub/deep', 'sub/deeper', 'sub/Dockerfile.dev', 'Dockerfile'];
  for (const r of [...sources, 'missing', 'su', 'sub/deeper/z']) {
    // (a tree of its own for each: no path of it read before)
    const walk = new DiskContext(makeTree(files)).walk();
    const made = diskCounters.walkPaths;
    const got = entriesBelow(walk, r);
    // (no path read to choose them: files not below r never get one)
    expect(diskCounters.walkPaths - made).toBe(0);
    expect(got.map((e) => e.path)).toEqual(byPath(r));
    expect(diskCounters.walkPaths - made).toBe(got.filter((e) => !e.isDirectory).length);
    // entries without their folders: by path, the same
    expect(entriesBelow(nameless(walk), r).map((e) => e.path)).toEqual(byPath(r));
  }
  expect(byPath('sub').length).toBeGreaterThan(3);
  expect(byPath('')).toEqual([]);
});
