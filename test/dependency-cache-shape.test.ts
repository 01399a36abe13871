/**
 * dependency-cache installs/index.ts `installShape`: whether a command is an install, its kind,
 * label and `ignore` are told without reading the build context (earlier installs, the note on
 * an install already before a copy of the whole context). Held to `analyseCommand` with the
 * context on every command of the fixtures over their contexts, and counted: those callers read
 * no manifest and walk nothing.
 */
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { optimize } from '../src/api.js';
import { DiskContext, MemoryContext } from '../src/context/context.js';
import { loadIgnore } from '../src/context/ignore.js';
import { parseDockerfile } from '../src/model/dockerfile.js';
import { IMAGE_WD, imageWorkdir } from '../src/model/image-path.js';
import { initShellParser } from '../src/model/shell.js';
import type {
  BuildContext,
  ContextEntry,
  DockerfileModel,
  WalkOptions,
} from '../src/model/types.js';
import { fullCopy } from '../transforms/dependency-cache/copy.js';
import { envFor } from '../transforms/dependency-cache/env.js';
import {
  analyseCommand,
  installShape,
  mayInstall,
} from '../transforms/dependency-cache/installs/index.js';
import { transform } from '../transforms/dependency-cache/index.js';
import { loadCases, materialise, removeTmpdirs } from './helpers.js';

beforeAll(initShellParser);
afterAll(removeTmpdirs);

class CountingContext extends MemoryContext {
  walks = 0;
  reads: string[] = [];
  override walk(options?: WalkOptions): ContextEntry[] {
    this.walks++;
    return super.walk(options);
  }
  kinds: string[] = [];
  override isDirectory(p: string): boolean {
    this.kinds.push(p);
    return super.isDirectory(p);
  }
  override readFile(p: string): string | null {
    this.reads.push(p);
    return super.readFile(p);
  }
}

const shape = (a: ReturnType<typeof analyseCommand>) =>
  a === null ? null : { kind: a.kind, label: a.label, ignore: a.ignore };

describe('installShape', () => {
  test('the shape analyseCommand gives with the context, on every RUN command of the fixtures', () => {
    let compared = 0;
    let installs = 0;
    let skipsFromContext = 0;
    for (const c of loadCases()) {
      if (!c.hasContext && !Object.keys(c.extra).length) continue;
      const { dockerfile, context } = materialise(c);
      const ctx: BuildContext = new DiskContext(context!, dockerfile);
      const model = parseDockerfile(fs.readFileSync(dockerfile, 'utf8'));
      if (model.errors.length) continue;
      const ignore = loadIgnore(ctx);
      // Each full copy of the model (and a copy of the whole context), each RUN.
      const copies = model.instructions
        .map((i) => fullCopy(model, ctx, i))
        .filter((x) => x !== null)
        .map(({ srcDir, destDir }) => ({ srcDir, destDir }));
      copies.push({ srcDir: '', destDir: '/app' });
      for (const run of model.instructions) {
        if (!run.shell) continue;
        for (const copy of copies) {
          const cwd = imageWorkdir(model, run.index) ?? IMAGE_WD;
          const env = envFor(model, ctx, ignore, copy, run, cwd);
          for (const cmd of run.shell.commands) {
            const full = analyseCommand(env, cmd);
            const told = installShape(env, cmd);
            expect({
              fixture: `${c.transform}/${c.name}`,
              cmd: cmd.name?.raw,
              ...shape(told),
            }).toEqual({
              fixture: `${c.transform}/${c.name}`,
              cmd: cmd.name?.raw,
              ...shape(full),
            });
            expect(told === null).toBe(full === null);
            if (full) expect(mayInstall(cmd)).toBe(true);
            compared++;
            if (full) installs++;
            if (full?.skip && told?.skip !== full.skip) skipsFromContext++;
          }
        }
      }
    }
    // (the fixtures hold installs whose skips come from what the context holds)
    expect(compared).toBeGreaterThan(500);
    expect(installs).toBeGreaterThan(200);
    expect(skipsFromContext).toBeGreaterThan(20);
  });

  test('an install already before a copy of the whole context: noted without reading its manifests', async () => {
    const ctx = new CountingContext({
      'package.json': '{"name":"a","scripts":{"postinstall":"node setup.js"}}',
      'package-lock.json': '{}',
      '.npmrc': 'cafile=certs/ca.pem\n',
      'index.js': '\n',
    });
    const r = await optimize(
      'FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n',
      { only: ['dependency-cache'], context: ctx },
    );
    expect(r.skipped.map((s) => s.reason)).toEqual([
      'npm install runs before `COPY . .` (nothing to move): source edits leave it cached',
    ]);
    expect(ctx.reads.filter((p) => !p.endsWith('.dockerignore'))).toEqual([]);
    // (a pattern is no folder: not looked up)
    expect(ctx.kinds).not.toContain('package*.json');
  });

  test('a copy of a folder still asks the analysis with the context whether it holds the sources', async () => {
    const files = { 'web/package.json': '{"name":"a"}', 'web/index.js': '\n' };
    const dockerfile =
      'FROM node:20\nWORKDIR /app\nCOPY web/package.json ./\nRUN npm ci\nCOPY web/ ./\nRUN npm run build\n';
    const ctx = new CountingContext(files);
    const r = await optimize(dockerfile, { only: ['dependency-cache'], context: ctx });
    expect(r.skipped.map((s) => s.reason)).toEqual([
      'npm install runs before `COPY web/ ./` (nothing to move): source edits leave it cached',
    ]);
    expect(ctx.reads).toContain('web/package.json');
    // A folder without the install's manifest is no source copy: no note.
    const other = new CountingContext({ ...files, 'tools/x.sh': '\n' });
    const r2 = await optimize(dockerfile.replace('COPY web/ ./', 'COPY tools/ ./'), {
      only: ['dependency-cache'],
      context: other,
    });
    expect(r2.skipped).toEqual([]);
  });

  test('an earlier restore and a later build of a .NET project: no walk for the NuGet configs', async () => {
    const ctx = new CountingContext({
      'Api.csproj': '<Project Sdk="Microsoft.NET.Sdk.Web"></Project>\n',
      'NuGet.config':
        '<configuration><packageSources><add key="local" value="./packages" /></packageSources></configuration>\n',
      'Program.cs': '\n',
    });
    const r = await optimize(
      'FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY *.csproj NuGet.config ./\nRUN dotnet restore\nCOPY . .\nRUN dotnet publish -c Release -o /app\n',
      { only: ['dependency-cache'], context: ctx },
    );
    expect(r.skipped.map((s) => s.reason)).toEqual([
      'dotnet restore runs before `COPY . .` (nothing to move): source edits leave it cached',
    ]);
    expect(ctx.walks).toBe(0);
    expect(ctx.reads.filter((p) => /nuget/i.test(p))).toEqual([]);
  });

  test('a build after the copy whose restore ran before it: its project is not looked for', async () => {
    const ctx = new CountingContext({
      'src/Api/Api.csproj': '<Project Sdk="Microsoft.NET.Sdk.Web"></Project>\n',
      'src/Api/Program.cs': '\n',
    });
    const dockerfile =
      'FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY src/Api/Api.csproj src/Api/\nRUN dotnet restore src/Api/Api.csproj\nCOPY . .\nRUN dotnet publish src/Api/Api.csproj -c Release -o /app\n';
    const r = await optimize(dockerfile, { only: ['dependency-cache'], context: ctx });
    expect(r.skipped.map((s) => s.reason)).toEqual([
      'dotnet restore runs before `COPY . .` (nothing to move): source edits leave it cached',
    ]);
    expect(ctx.walks).toBe(0);
    // Without the restore, the project in its sub-folder is found through the walk.
    const ctx2 = new CountingContext({
      'src/Api/Api.csproj': '<Project Sdk="Microsoft.NET.Sdk.Web"></Project>\n',
      'src/Api/Program.cs': '\n',
    });
    const r2 = await optimize(
      dockerfile.replace(/COPY src\/Api[^\n]*\nRUN dotnet restore[^\n]*\n/, ''),
      {
        only: ['dependency-cache'],
        context: ctx2,
      },
    );
    expect(r2.skipped.map((s) => s.reason).join('\n')).toMatch(
      /downloads the dependencies of src\/Api\/Api\.csproj and builds in one step/,
    );
    expect(ctx2.walks).toBeGreaterThan(0);
  });

  test('RUNs before the copy with no command an analyser knows: no variables worked out', () => {
    const parsed = parseDockerfile(
      'FROM node:20\nARG V=1\nRUN apt-get update && apt-get install -y git\nRUN echo $V > /v\nRUN npm ci\nCOPY . .\nCMD ["node", "."]\n',
    );
    // (the model, read-only, seen through an object that counts the variable lookups)
    let varsAt = 0;
    const model: DockerfileModel = Object.create(parsed, {
      varsAt: { value: (i: number) => (varsAt++, parsed.varsAt(i)) },
    });
    const ctx = new CountingContext({ 'package.json': '{}', 'index.js': '\n' });
    const found = transform.check(model, { buildContext: ctx, options: {}, path: 'Dockerfile' });
    expect(found.map((f) => ('reason' in f ? f.reason : ''))).toEqual([
      'npm install runs before `COPY . .` (nothing to move): source edits leave it cached',
    ]);
    // The RUN of `npm ci` only (each RUN before the copy when every one is analysed).
    expect(varsAt).toBe(1);
  });

  test('a Dockerfile without a full copy: its ignore file is not even read', async () => {
    const ctx = new CountingContext({ '.dockerignore': '*.md\n', 'run.sh': '\n' });
    const r = await optimize(
      'FROM alpine:3.20\nRUN apk add --no-cache curl\nCOPY run.sh /usr/local/bin/\nCOPY --from=busybox /bin/sh /bin/sh\n',
      { only: ['dependency-cache'], context: ctx },
    );
    expect(r.fixes).toEqual([]);
    expect(r.skipped).toEqual([]);
    expect(ctx.reads).toEqual([]);
  });
});
