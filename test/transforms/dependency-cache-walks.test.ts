/**
 * dependency-cache: the context is walked once per check, not once per `dotnet` command analysed
 * (the plan, earlier installs and builds analyse the same commands again, each looking for the
 * NuGet configs of the copied tree) or per build looking for its .NET project.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { MemoryContext } from '../../src/context/context.js';
import { optimize } from '../../src/api.js';
import { initShellParser } from '../../src/model/shell.js';
import type { ContextEntry, WalkOptions } from '../../src/model/types.js';

beforeAll(initShellParser);

class CountingContext extends MemoryContext {
  walks = 0;
  override walk(options?: WalkOptions): ContextEntry[] {
    this.walks++;
    return super.walk(options);
  }
}

const FILES = {
  'NuGet.config':
    '<configuration><packageSources><add key="nuget" value="https://api.nuget.org/v3/index.json" /></packageSources></configuration>\n',
  'src/Api/Api.csproj': '<Project Sdk="Microsoft.NET.Sdk.Web"></Project>\n',
  'src/Api/Program.cs': '\n',
  'src/Lib/Lib.csproj': '<Project Sdk="Microsoft.NET.Sdk"></Project>\n',
  'tests/Api.Tests/Api.Tests.csproj': '<Project Sdk="Microsoft.NET.Sdk"></Project>\n',
};

// Installs before the copy (each analysed again for every later build), then builds after it.
const DOCKERFILE = [
  'FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build',
  'WORKDIR /src',
  'RUN dotnet tool restore',
  'RUN dotnet restore --help',
  'COPY . .',
  'RUN dotnet restore src/Api/Api.csproj',
  'RUN dotnet build src/Lib/Lib.csproj',
  'RUN dotnet test tests/Api.Tests/Api.Tests.csproj',
  'RUN dotnet publish src/Api/Api.csproj -c Release -o /app --no-restore',
  '',
].join('\n');

describe('dependency-cache/dotnet', () => {
  test('one walk per check for the NuGet configs, however many dotnet commands', async () => {
    const ctx = new CountingContext(FILES);
    const r = await optimize(DOCKERFILE, { only: ['dependency-cache'], context: ctx });
    expect(r.fixes.map((f) => f.ruleId)).toContain('dependency-cache/dotnet');
    // Two checks (the fix, then the fixed file), each walking once for the NuGet configs and
    // the .NET projects of the builds, plus the manifests of the move: 3 (10 when every dotnet
    // command analysed and every build walked).
    expect(ctx.walks).toBeLessThanOrEqual(3);
  });

  test('a local package source in a NuGet config still blocks the move', async () => {
    const ctx = new CountingContext({
      ...FILES,
      'NuGet.config':
        '<configuration><packageSources><add key="local" value="./packages" /></packageSources></configuration>\n',
      'packages/Acme.Core.1.0.0.nupkg': 'x',
    });
    const r = await optimize(DOCKERFILE, { only: ['dependency-cache'], context: ctx });
    expect(r.fixes).toEqual([]);
    expect(r.skipped.map((s) => s.reason).join('\n')).toMatch(
      /`value="\.\/packages"` in NuGet\.config reads packages from packages\//,
    );
  });
});
