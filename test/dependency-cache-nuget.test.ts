/** dependency-cache dotnet.ts: the NuGet configs of a walk are found once per walk (the checks
 * of the Dockerfiles sharing a context and ignore file share it), and each check still reads
 * and decides on them: a local package source blocks the move in both Dockerfiles. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeEach, expect, test } from '@jest/globals';
import { clearCaches } from '../src/api.js';
import { optimizeDeclaredFiles } from '../src/builds.js';
import { nugetCounters } from '../transforms/dependency-cache/installs/dotnet.js';
import { removeTmpdirs, tmpdir, writeTree } from './helpers.js';

afterAll(removeTmpdirs);
beforeEach(() => clearCaches());

const dockerfile = (app: string) =>
  `FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet restore ${app}/${app}.csproj\nRUN dotnet publish ${app}/${app}.csproj -o /out\n`;

test('two Dockerfiles of one context: one scan of its walk, the same decision for each', async () => {
  const dir = fs.realpathSync(tmpdir('dfo-nuget-'));
  fs.mkdirSync(path.join(dir, '.git'));
  writeTree(dir, {
    'compose.yaml':
      'services:\n  a:\n    build:\n      context: .\n      dockerfile: a/Dockerfile\n  b:\n    build:\n      context: .\n      dockerfile: b/Dockerfile\n',
    'a/Dockerfile': dockerfile('a'),
    'b/Dockerfile': dockerfile('b'),
    'a/a.csproj': '<Project />\n',
    'b/b.csproj': '<Project />\n',
    'NuGet.Config':
      '<configuration><packageSources><add key="local" value="./packages" /></packageSources></configuration>\n',
    'packages/x.nupkg': 'x',
  });
  const before = nugetCounters.scans;
  const results = await optimizeDeclaredFiles(['a/Dockerfile', 'b/Dockerfile'], {
    cwd: dir,
    skip: ['dockerignore'],
  });
  expect(nugetCounters.scans - before).toBe(1);
  for (const r of results) {
    const skip = r.skipped.find((s) => s.ruleId === 'dependency-cache/dotnet');
    expect(skip?.reason).toMatch(/NuGet\.Config reads packages from packages\//);
  }
});
