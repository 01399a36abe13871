/** Unit tests of the `multistage` transform: review-only fixes, the API with and without unsafe. */
import { afterAll, describe, expect, test } from '@jest/globals';
import { optimize } from '../src/api.js';
import { parseDockerfile } from '../src/parse/dockerfile.js';
import { initShellParser } from '../src/parse/shell.js';
import { NoContext } from '../src/context.js';
import { transform, parseImage } from '../transforms/multistage.js';
import { loadCases, materialise, removeTmpdirs } from './helpers.js';

afterAll(removeTmpdirs);

const GO = [
  'FROM golang:1.22',
  'WORKDIR /src',
  'COPY . .',
  'RUN go build -o /usr/local/bin/app .',
  'EXPOSE 8080',
  'CMD ["/usr/local/bin/app"]',
  '',
].join('\n');

async function findings(text: string, context: Record<string, string> | null = null) {
  await initShellParser();
  const { MemoryContext } = await import('../src/context.js');
  const buildContext = context ? new MemoryContext(context) : new NoContext();
  return transform.check(parseDockerfile(text), { buildContext, options: {}, path: 'Dockerfile' });
}

describe('multistage', () => {
  test('meta is complete and review-only', () => {
    expect(transform.meta.id).toBe('multistage');
    expect(transform.meta.applicability).toBe('review');
    expect(transform.meta.hadolint).toEqual([]);
    expect(transform.meta.docs.why).toContain('#947');
    expect(transform.meta.docs.fixSafety.length).toBeGreaterThan(20);
  });

  test('every fix is review, with a checklist note', async () => {
    const out = await findings(GO);
    expect(out).toHaveLength(1);
    const fix = out[0]!;
    expect('edits' in fix && fix.applicability).toBe('review');
    expect('note' in fix && fix.note).toMatch(/^Check:/);
    expect(fix.ruleId).toBe('multistage/go');
  });

  test('optimize() without unsafe reports the fix as pending and changes nothing', async () => {
    const r = await optimize(GO, { only: ['multistage'] });
    expect(r.output).toBe(GO);
    expect(r.changed).toBe(false);
    expect(r.fixes.map((f) => [f.ruleId, f.applied])).toEqual([['multistage/go', false]]);
  });

  test('optimize() with unsafe splits the stages, then adds the user, and settles', async () => {
    const r = await optimize(GO, { only: ['multistage'], unsafe: true });
    expect(r.fixes.map((f) => f.ruleId)).toEqual(['multistage/go', 'multistage/non-root-user']);
    expect(r.output).toContain('FROM golang:1.22 AS builder\n');
    expect(r.output).toContain('FROM debian:bookworm-slim AS runtime\n');
    expect(r.output).toContain('COPY --from=builder /usr/local/bin/app /usr/local/bin/\n');
    expect(r.output.endsWith('EXPOSE 8080\nCMD ["/usr/local/bin/app"]\n')).toBe(true);
    const again = await optimize(r.output, { only: ['multistage'], unsafe: true });
    expect(again.changed).toBe(false);
  });

  test('existing stage names are kept and new names do not collide', async () => {
    const text = [
      'FROM alpine AS runtime',
      'RUN true',
      'FROM golang:1.22',
      'WORKDIR /w',
      'RUN go build -o app .',
      'CMD ["./app"]',
      '',
    ].join('\n');
    const r = await optimize(text, { only: ['multistage/go'], unsafe: true });
    expect(r.output).toContain('FROM golang:1.22 AS builder\n');
    expect(r.output).toContain('AS final\n');
    const named = GO.replace('FROM golang:1.22', 'FROM golang:1.22 AS compile');
    const r2 = await optimize(named, { only: ['multistage/go'], unsafe: true });
    expect(r2.output).toContain('FROM golang:1.22 AS compile\n');
    expect(r2.output).toContain('COPY --from=compile ');
  });

  test('Go runtime bases follow the builder image', async () => {
    const base = async (from: string, extra = '') => {
      const r = await optimize(
        GO.replace('FROM golang:1.22', from).replace('RUN go', `RUN ${extra}go`),
        {
          only: ['multistage/go'],
          unsafe: true,
        },
      );
      return /FROM (\S+) AS runtime/.exec(r.output)?.[1];
    };
    expect(await base('FROM golang:1.22-alpine')).toBe('alpine:3');
    expect(await base('FROM golang:1.21-alpine3.19')).toBe('alpine:3.19');
    expect(await base('FROM golang:1.22-bullseye')).toBe('debian:bullseye-slim');
    expect(await base('FROM golang:1.25')).toBe('debian:trixie-slim');
    expect(await base('FROM golang:1.22', 'CGO_ENABLED=0 ')).toBe(
      'gcr.io/distroless/static-debian12',
    );
  });

  test('a HEALTHCHECK keeps a CGO_ENABLED=0 build off distroless (no shell there)', async () => {
    const text = GO.replace('RUN go', 'RUN CGO_ENABLED=0 go').replace(
      'EXPOSE',
      'HEALTHCHECK CMD wget -qO- localhost:8080 || exit 1\nEXPOSE',
    );
    const r = await optimize(text, { only: ['multistage/go'], unsafe: true });
    expect(r.output).toContain('FROM alpine:3 AS runtime');
  });

  test('unresolvable base image is a skip', async () => {
    const text = GO.replace('FROM golang:1.22', 'ARG BASE\nFROM ${BASE}');
    const out = await findings(text);
    expect(out.map((f) => ('reason' in f ? f.reason : f.message))).toEqual([
      'the base image ${BASE} cannot be resolved',
    ]);
  });

  test('a RUN after the build step that is not housekeeping skips the proposal', async () => {
    const text = GO.replace('EXPOSE 8080', 'RUN go test ./...\nEXPOSE 8080');
    const out = await findings(text);
    expect(out).toHaveLength(1);
    expect('reason' in out[0]! && out[0].reason).toMatch(/RUN after the build step/);
  });

  test('Node without a build context is a skip', async () => {
    const text = [
      'FROM node:20',
      'WORKDIR /app',
      'COPY . .',
      'RUN npm ci && npm run build',
      'CMD ["node", "dist/index.js"]',
      '',
    ].join('\n');
    const out = await findings(text);
    expect('reason' in out[0]! && out[0].reason).toBe('package.json is not in the build context');
    const ok = await findings(text, {
      'package.json': JSON.stringify({ scripts: { build: 'tsc --outDir dist' } }),
      'package-lock.json': '{}',
    });
    expect(ok[0]!.ruleId).toBe('multistage/node');
    expect('edits' in ok[0]!).toBe(true);
  });

  test('non-root user: ports below 1024 in CMD are a skip; nothing for a single stage', async () => {
    const multi = [
      'FROM golang:1.22 AS b',
      'RUN CGO_ENABLED=0 go build -o /app .',
      'FROM debian:bookworm-slim',
      'COPY --from=b /app /app',
      'CMD ["/app", "--listen", ":443"]',
      '',
    ].join('\n');
    const out = await findings(multi);
    expect(out).toEqual([
      expect.objectContaining({
        ruleId: 'multistage/non-root-user',
        reason: expect.stringContaining('443'),
      }),
    ]);
    expect(await findings('FROM debian:bookworm-slim\nCMD ["true"]\n')).toEqual([]);
  });

  test('parseImage', () => {
    expect(parseImage('docker.io/library/golang:1.22@sha256:abc')).toEqual({
      repo: 'golang',
      tag: '1.22',
    });
    expect(parseImage('localhost:5000/team/node')).toEqual({
      repo: 'localhost:5000/team/node',
      tag: '',
    });
  });
});

describe('multistage details', () => {
  const runtimeOf = async (text: string, context: Record<string, string> | null = null) => {
    const r = await optimize(text, {
      only: ['multistage/go', 'multistage/dotnet'],
      unsafe: true,
      context,
    });
    return r.output.slice(r.output.indexOf('\nFROM ', r.output.indexOf('AS builder')) + 1);
  };

  test('go install names binaries after the last path element (major-version suffix skipped)', async () => {
    const text = [
      'FROM golang:1.22',
      'RUN go install github.com/pressly/goose/v3/cmd/goose@v3.20.0 example.com/tools/v2@latest',
      'CMD ["goose"]',
      '',
    ].join('\n');
    const rt = await runtimeOf(text);
    expect(rt).toContain('COPY --from=builder /go/bin/goose /usr/local/bin/\n');
    expect(rt).toContain('COPY --from=builder /go/bin/tools /usr/local/bin/\n');
  });

  test('go install keeps a path the start command names, and honours GOBIN', async () => {
    const text = [
      'FROM golang:1.22',
      'ENV GOBIN=/opt/bin',
      'RUN go install ./cmd/api',
      'CMD ["/opt/bin/api"]',
      '',
    ].join('\n');
    const rt = await runtimeOf(text);
    expect(rt).toContain('COPY --from=builder /opt/bin/api /opt/bin/\n');
    expect(rt).not.toContain('ENV GOBIN');
  });

  test('legacy ENV form and unknown values: build settings dropped, unknown NODE_ENV carried', async () => {
    const go = [
      'FROM golang:1.22',
      'ENV GOPATH /go',
      'WORKDIR /w',
      'RUN go build -o /app .',
      'CMD ["/app"]',
      '',
    ].join('\n');
    expect(await runtimeOf(go)).not.toContain('GOPATH');
    const node = [
      'FROM node:20',
      'ARG MODE',
      'ENV NODE_ENV=$MODE',
      'WORKDIR /app',
      'COPY . .',
      'RUN npm ci && npm run build',
      'CMD ["node", "dist/index.js"]',
      '',
    ].join('\n');
    const r = await optimize(node, {
      only: ['multistage/node'],
      unsafe: true,
      context: {
        'package.json': JSON.stringify({ scripts: { build: 'tsc --outDir dist' } }),
        'package-lock.json': '{}',
      },
    });
    const rt = r.output.slice(r.output.indexOf('AS runtime'));
    expect(rt).toContain('ARG MODE\n');
    expect(rt).toContain('ENV NODE_ENV=$MODE\n');
  });

  test('dotnet runtime tags follow the SDK tag by major.minor', async () => {
    const text = (tag: string) =>
      [
        `FROM mcr.microsoft.com/dotnet/sdk:${tag}`,
        'WORKDIR /src',
        'COPY . .',
        'RUN dotnet publish -c Release -o /app',
        'ENTRYPOINT ["dotnet", "/app/Api.dll"]',
        '',
      ].join('\n');
    expect(await runtimeOf(text('8.0.204-alpine3.19'))).toMatch(
      /^FROM mcr\.microsoft\.com\/dotnet\/aspnet:8\.0-alpine3\.19 AS runtime/,
    );
    expect(await runtimeOf(text('9.0-noble'))).toMatch(
      /^FROM mcr\.microsoft\.com\/dotnet\/aspnet:9\.0-noble AS runtime/,
    );
    const sc = text('8.0').replace('-o /app', '-o /app -r linux-x64 --self-contained');
    expect(await runtimeOf(sc)).toMatch(
      /^FROM mcr\.microsoft\.com\/dotnet\/runtime-deps:8\.0 AS runtime/,
    );
  });
});

describe('multistage fixtures without --unsafe', () => {
  // Every proposal fixture (run with --unsafe by the fixture harness) must leave the file alone
  // without it, and report each of its fixes as pending.
  const proposals = loadCases().filter(
    (c) => c.transform === 'multistage' && c.expected !== null && c.spec.options?.unsafe === true,
  );
  test('there are proposal fixtures', () => {
    expect(proposals.length).toBeGreaterThan(10);
  });
  test.each(proposals.map((c) => [c.name, c] as const))('%s changes nothing', async (_n, c) => {
    const mat = materialise(c);
    const r = await optimize(c.input, {
      ...c.spec.options,
      unsafe: false,
      only: ['multistage'],
      path: mat.dockerfile,
      context: mat.context,
      cwd: mat.dir,
    });
    expect(r.output).toBe(c.input);
    expect(r.files).toEqual([]);
    expect(r.fixes.filter((f) => f.applied)).toEqual([]);
    // The first proposal is pending (the non-root user only follows once the split is applied).
    const pending = r.fixes.map((f) => f.ruleId);
    expect(pending.length).toBeGreaterThan(0);
    for (const id of pending) expect(c.spec.fixes).toContain(id);
  });
});
