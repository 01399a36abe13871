/** mayProposeClutter: when it says no, the clutter candidates of the walk hold editor and local
 * Docker entries at most, whatever the Dockerfile runs (analysis.ts then skips computing them). */
import { beforeAll, beforeEach, expect, test } from '@jest/globals';
import { clearCaches } from '../../../src/api.js';
import { MemoryContext } from '../../../src/context/context.js';
import { parseDockerfile } from '../../../src/model/dockerfile.js';
import { initShellParser } from '../../../src/model/shell.js';
import {
  clutterCandidates,
  mayProposeClutter,
  mayProposeClutterByScan,
} from '../../../transforms/dockerignore/clutter.js';
import { memoCounters } from '../../../transforms/dockerignore/memo.js';
import { Entries, NAMED } from '../../../transforms/dockerignore/model.js';
import { runStepsOf, usageOf } from '../../../transforms/dockerignore/usage.js';
import { mulberry32 } from '../../support/random.js';

beforeAll(() => initShellParser());
beforeEach(() => clearCaches());

const RUNS = [
  'RUN echo hi',
  'RUN npm ci && npm run build',
  'RUN yarn && next build',
  'RUN python -m build',
  'RUN cargo build --release',
  'RUN ./gradlew build',
  'RUN dotnet publish App/App.csproj',
  'RUN go build ./...',
];
const usagesOf = () =>
  RUNS.map((r) => {
    const model = parseDockerfile(`FROM x\nCOPY . .\n${r}\n`);
    return runStepsOf(model, usageOf(model));
  });

// Folders: every NAMED name and some plain ones; files: what the scans and rules look for.
const FOLDERS = [...NAMED, 'src', 'app', 'vendor', 'App', 'log', 'tmp', 'deep'];
const FILES = ['a.pyc', 'x.log', '.keep', '.gitkeep', 'x.swp', 'y.swo', 'b~', 'Dockerfile'];
FILES.push('Dockerfile.dev', 'api.Dockerfile', 'Containerfile', 'compose.yml');
FILES.push('docker-compose.yaml', 'App.csproj', 'package.json', 'pyproject.toml', '.coverage');
FILES.push('.DS_Store', 'Thumbs.db', 'pyvenv.cfg', 'README.md', 'main.go', '.dockerignore');

test('no substantive clutter candidate when mayProposeClutter says no (2,000 random walks)', () => {
  const r = mulberry32(0xc1077e);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  const usages = usagesOf();
  let no = 0;
  let yes = 0;
  for (let i = 0; i < 2000; i++) {
    const files: Record<string, string> = {};
    for (let k = 1 + Math.floor(r() * 3); k > 0; k--) {
      const parts: string[] = [];
      for (let d = Math.floor(r() * 3); d > 0; d--) parts.push(pick(FOLDERS));
      parts.push(pick(FILES));
      files[parts.join('/')] = 'x\n';
    }
    const bc = new MemoryContext(files);
    const entries = new Entries(bc.walk(), () => false);
    const may = mayProposeClutter(entries);
    if (may) yes++;
    else no++;
    if (may) continue;
    for (const usage of usages) {
      const groups = clutterCandidates(entries, bc, usage, '.dockerignore').map((c) => c.group);
      expect([Object.keys(files), groups.filter((g) => g !== 'editor' && g !== 'docker')]).toEqual([
        Object.keys(files),
        [],
      ]);
    }
  }
  // (both answers are common)
  expect(Math.min(no, yes)).toBeGreaterThan(300);
});

test('mayProposeClutter without the clutter scan answers as the scan does, and makes none (3,000 random walks, some paths ignored)', () => {
  const r = mulberry32(0x5ca77e);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  let yes = 0;
  for (let i = 0; i < 3000; i++) {
    const files: Record<string, string> = {};
    for (let k = 1 + Math.floor(r() * 4); k > 0; k--) {
      const parts: string[] = [];
      for (let d = Math.floor(r() * 3); d > 0; d--) parts.push(pick(FOLDERS));
      parts.push(pick(FILES));
      files[parts.join('/')] = 'x\n';
    }
    // (an ignore file in force hides some of them: the answers read only visible entries)
    const hidden = pick(['', 'x.log', 'a.pyc', 'deep', 'log', '.git']);
    const ignored = (p: string) =>
      hidden !== '' && (p === hidden || p.endsWith('/' + hidden) || p.includes(hidden + '/'));
    const walk = new MemoryContext(files).walk();
    const light = new Entries(walk, ignored);
    const scans = memoCounters.scans;
    const may = mayProposeClutter(light);
    expect(memoCounters.scans).toBe(scans);
    expect([Object.keys(files), hidden, may]).toEqual([
      Object.keys(files),
      hidden,
      mayProposeClutterByScan(new Entries(walk, ignored)),
    ]);
    // Once asked, kept; with the scan made first, the scan answers.
    expect(mayProposeClutter(light)).toBe(may);
    const scanned = new Entries(walk, ignored);
    mayProposeClutterByScan(scanned);
    expect(mayProposeClutter(scanned)).toBe(may);
    if (may) yes++;
  }
  expect(Math.min(yes, 3000 - yes)).toBeGreaterThan(300);
});
