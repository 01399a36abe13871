/** Unit tests of the `multistage` transform: review-only fixes, the API with and without unsafe. */
import { afterAll, describe, expect, test } from '@jest/globals';
import { optimize } from '../../src/api.js';
import { parseDockerfile } from '../../src/model/dockerfile.js';
import { initShellParser } from '../../src/model/shell.js';
import { NoContext } from '../../src/context/context.js';
import { transform, parseImage, rustRuntimeBase } from '../../transforms/multistage/index.js';
import { loadCases, materialise, removeTmpdirs } from '../helpers.js';

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
  const { MemoryContext } = await import('../../src/context/context.js');
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

describe('multistage/non-root-user: who needs root', () => {
  const stage = (tail: string[]) =>
    [
      'FROM golang:1.22 AS build',
      'RUN CGO_ENABLED=0 go build -o /app .',
      'FROM debian:bookworm-slim',
      'COPY --from=build /app /usr/local/bin/app',
      ...tail,
      '',
    ].join('\n');
  const reasons = async (tail: string[]) =>
    (await findings(stage(tail))).map((f) =>
      'reason' in f ? `${f.info ? 'info: ' : ''}${f.reason}` : `fix: ${f.ruleId}`,
    );

  test('known daemons on ports below 1024 skip unless a port of 1024 or more is configured', async () => {
    expect(await reasons(['CMD ["dnsmasq", "-k"]'])).toEqual([
      expect.stringContaining('`dnsmasq` listens on port 53 (DNS) by default'),
    ]);
    // Wrappers and shells are looked through.
    expect(await reasons(['ENTRYPOINT ["/sbin/tini", "-g", "--", "/usr/sbin/named"]'])).toEqual([
      expect.stringContaining('`named` listens on port 53'),
    ]);
    expect(await reasons(['CMD ["sh", "-c", "exec unbound -d"]'])).toEqual([
      expect.stringContaining('`unbound` listens on port 53'),
    ]);
    expect(await reasons(['CMD ["traefik", "--entrypoints.web.address=:8000"]'])).toEqual([
      'fix: multistage/non-root-user',
    ]);
    expect(await reasons(['ENV HAPROXY_PORT=8443', 'CMD ["haproxy", "-f", "/etc/h.cfg"]'])).toEqual(
      ['fix: multistage/non-root-user'],
    );
    // A port below 1024 is reported as such.
    expect(await reasons(['EXPOSE 53/udp', 'CMD ["coredns"]'])).toEqual([
      'EXPOSE 53: a non-root user cannot bind ports below 1024',
    ]);
  });

  test('root programs and agents skip whatever the port', async () => {
    expect(await reasons(['EXPOSE 2222', 'CMD ["/usr/sbin/sshd", "-D", "-p", "2222"]'])).toEqual([
      expect.stringContaining('sshd needs root'),
    ]);
    expect(await reasons(['ENTRYPOINT ["gosu", "app", "/usr/local/bin/app"]'])).toEqual([
      expect.stringContaining('gosu'),
    ]);
    for (const agent of ['consul', 'vault', 'nomad', 'cadvisor', 'telegraf'])
      expect(await reasons(['EXPOSE 8500', `CMD ["${agent}", "agent"]`])).toEqual([
        expect.stringContaining(`\`${agent}\` needs root by default`),
      ]);
    // node-exporter runs as nobody in its own image: not in the table.
    expect(await reasons(['EXPOSE 9100', 'CMD ["node_exporter"]'])).toEqual([
      'fix: multistage/non-root-user',
    ]);
  });

  test('docker.sock anywhere in the stage skips', async () => {
    expect(await reasons(['VOLUME /var/run/docker.sock', 'EXPOSE 9000', 'CMD ["app"]'])).toEqual([
      expect.stringContaining('the stage uses the Docker socket (line 5'),
    ]);
    expect(
      await reasons(['EXPOSE 9000', 'CMD ["app", "--docker", "unix:///var/run/docker.sock"]']),
    ).toEqual([expect.stringContaining('Docker socket')]);
  });

  test('command-line tools: an info note, not a proposal', async () => {
    expect(await reasons(['ENTRYPOINT ["app"]'])).toEqual([
      expect.stringMatching(/^info: a command-line tool \(ENTRYPOINT without CMD/),
    ]);
    for (const help of ['--help', '-h', 'help', '--version'])
      expect(await reasons(['ENTRYPOINT ["app"]', `CMD ["${help}"]`])).toEqual([
        expect.stringMatching(/^info: a command-line tool/),
      ]);
    // A port, a HEALTHCHECK or a real CMD make it a service.
    for (const tail of [
      ['EXPOSE 8080', 'ENTRYPOINT ["app"]'],
      ['ENV PORT=8080', 'ENTRYPOINT ["app"]'],
      ['HEALTHCHECK CMD ["app", "ping"]', 'ENTRYPOINT ["app"]'],
      ['ENTRYPOINT ["app"]', 'CMD ["serve"]'],
      ['CMD ["app"]'],
    ])
      expect(await reasons(tail)).toEqual(['fix: multistage/non-root-user']);
  });

  test('the corepack skip survives a split: reported on the builder’s corepack line', async () => {
    const c = loadCases().find(
      (x) => x.transform === 'multistage' && x.name === 'node-pnpm-corepack',
    )!;
    const mat = materialise(c);
    const r = await optimize(c.input, {
      only: ['multistage'],
      unsafe: true,
      path: mat.dockerfile,
      context: mat.context,
      cwd: mat.dir,
    });
    expect(r.fixes.map((f) => f.ruleId)).toEqual(['multistage/node']);
    expect(r.skipped).toEqual([
      expect.objectContaining({
        ruleId: 'multistage/non-root-user',
        line: 2,
        reason: expect.stringContaining('runs pnpm through corepack'),
      }),
    ]);
  });
});

describe('multistage: go install at the module root', () => {
  const rt = async (text: string, context: Record<string, string> | null = null) => {
    const r = await optimize(text, { only: ['multistage/go'], unsafe: true, context });
    return { out: r.output, skipped: r.skipped.map((s) => s.reason) };
  };

  test('`go mod init NAME` names the binary; a RUN that cds elsewhere does not count', async () => {
    const text = [
      'FROM golang:1.22',
      'WORKDIR /app',
      'COPY . .',
      'RUN go mod init example.com/shop/dispatch && go mod tidy',
      'RUN go install',
      'CMD ["dispatch"]',
      '',
    ].join('\n');
    expect((await rt(text)).out).toContain(
      'COPY --from=builder /go/bin/dispatch /usr/local/bin/\n',
    );
    const cd = text.replace('RUN go mod init', 'RUN cd sub && go mod init');
    expect((await rt(cd)).skipped).toEqual([
      '`go install`: cannot tell the binary name (it comes from the module path: no `go mod init NAME` in the stage and no go.mod of the context copied to /app)',
    ]);
  });

  test('the go.mod a COPY puts in the WORKDIR names the binary', async () => {
    const text = [
      'FROM golang:1.22',
      'WORKDIR /build',
      'COPY service/ /build/',
      'RUN go install ./',
      'CMD ["orders"]',
      '',
    ].join('\n');
    const ctx = { 'service/go.mod': 'module "git.example.com/team/orders"\n\ngo 1.22\n' };
    expect((await rt(text, ctx)).out).toContain(
      'COPY --from=builder /go/bin/orders /usr/local/bin/\n',
    );
    // A go.mod that is not copied there does not count.
    expect(
      (await rt(text, { 'go.mod': 'module x/orders\n', 'service/main.go': '' })).skipped,
    ).toEqual([expect.stringContaining('no go.mod of the context copied to /build')]);
    // -C changes the folder: not followed.
    expect((await rt(text.replace('go install ./', 'go install -C cmd .'), ctx)).skipped).toEqual([
      expect.stringContaining('`-C` changes the folder'),
    ]);
  });

  test('a glob COPY: a matched file lands by its name, a matched folder by its contents', async () => {
    const text = (copy: string) =>
      ['FROM golang:1.22', 'WORKDIR /build', copy, 'RUN go install .', 'CMD ["orders"]', ''].join(
        '\n',
      );
    const mod = 'module git.example.com/team/orders\n';
    const bin = 'COPY --from=builder /go/bin/orders /usr/local/bin/\n';
    // `serv*` matches the folder: service/go.mod lands at /build/go.mod.
    expect((await rt(text('COPY serv* ./'), { 'service/go.mod': mod })).out).toContain(bin);
    // `go.*` matches the file itself.
    expect((await rt(text('COPY go.* ./'), { 'go.mod': mod, 'go.sum': '' })).out).toContain(bin);
    // `*/go.mod` matches service/go.mod, which lands by its name.
    expect((await rt(text('COPY */go.mod ./'), { 'service/go.mod': mod })).out).toContain(bin);
    // A folder's go.mod deeper down does not land in the WORKDIR.
    expect((await rt(text('COPY serv* ./'), { 'service/api/go.mod': mod })).skipped).toEqual([
      expect.stringContaining('no go.mod of the context copied to /build'),
    ]);
  });
});

describe('multistage: full python images', () => {
  const text = (from: string, pip = 'pip install --no-cache-dir -r requirements.txt') =>
    [
      `FROM ${from}`,
      'WORKDIR /app',
      'COPY requirements.txt .',
      `RUN ${pip}`,
      'COPY . .',
      'CMD ["python", "app.py"]',
      '',
    ].join('\n');
  const ids = async (t: string, context: Record<string, string> | null) =>
    (await findings(t, context)).map((f) => ('reason' in f ? `skip: ${f.reason}` : f.ruleId));

  test('only for requirements known to compile, readable in the context', async () => {
    const ctx = { 'requirements.txt': 'psycopg2>=2.9\n', 'app.py': '' };
    expect(await ids(text('python:3.12'), ctx)).toEqual(['multistage/python']);
    // Not readable: nothing.
    expect(await ids(text('python:3.12'), null)).toEqual([]);
    expect(await ids(text('python:3.12'), { 'app.py': '' })).toEqual([]);
    // slim and alpine images have no compilers: nothing to split.
    expect(await ids(text('python:3.12-slim'), ctx)).toEqual([]);
    expect(await ids(text('python:3.12-alpine'), ctx)).toEqual([]);
    // Wheels do not compile.
    expect(
      await ids(text('python:3.12'), { 'requirements.txt': 'psycopg2-binary\nlxml\n' }),
    ).toEqual([]);
    // On the command line, lxml with --no-binary=:all:.
    expect(await ids(text('python:3.12', 'pip install --no-binary=:all: lxml flask'), {})).toEqual([
      'multistage/python',
    ]);
    // A nested -r that is missing: not readable, nothing.
    expect(
      await ids(text('python:3.12'), { 'requirements.txt': '-r base.txt\npsycopg2\n' }),
    ).toEqual([]);
  });

  test('runtime libraries per package; unknown ones skip', async () => {
    const r = await optimize(text('python:3.11-bullseye'), {
      only: ['multistage/python'],
      unsafe: true,
      context: { 'requirements.txt': 'mysqlclient==2.2.4\nPsycopg2==2.9.9\n', 'app.py': '' },
    });
    expect(r.output).toContain('FROM python:3.11-slim-bullseye AS runtime\n');
    expect(r.output).toContain('--no-install-recommends libpq5 libmariadb3 &&');
    expect(
      await ids(text('python:3.12'), {
        'requirements.txt': '-r base.txt\n',
        'base.txt': 'uWSGI\n',
      }),
    ).toEqual([
      'skip: uwsgi compiles against the headers python:3.12 ships: the runtime libraries python:3.12-slim would need are not known',
    ]);
  });
});

describe('multistage: rust', () => {
  const toml = (name: string, extra = '') =>
    `[package]\nname = "${name}"\nversion = "0.1.0"\nedition = "2021"\n${extra}`;
  const lock = (...pkgs: [string, string[]][]) =>
    'version = 3\n' +
    pkgs
      .map(
        ([n, deps]) =>
          `\n[[package]]\nname = "${n}"\nversion = "1.0.0"\ndependencies = [\n${deps.map((d) => ` "${d}",\n`).join('')}]\n`,
      )
      .join('');
  const app = (extra: Record<string, string> = {}) => ({
    'Cargo.toml': toml('web-app'),
    'Cargo.lock': lock(['web-app', []]),
    'src/main.rs': 'fn main() {}\n',
    ...extra,
  });
  const dockerfile = (from: string, run: string, cmd: string, pre: string[] = []) =>
    [`FROM ${from}`, ...pre, 'WORKDIR /app', 'COPY . .', `RUN ${run}`, `CMD ${cmd}`, ''].join('\n');
  const rt = async (text: string, context: Record<string, string> | null = app()) => {
    const r = await optimize(text, { only: ['multistage/rust'], unsafe: true, context });
    return {
      out: r.output,
      skipped: r.skipped.map((s) => s.reason),
      fix: r.fixes.find((f) => f.ruleId === 'multistage/rust'),
    };
  };

  test('the runtime base follows the rust tag: distro tags, and versions by the default of their time', () => {
    const image = (tag: string) => {
      const b = rustRuntimeBase(tag);
      return 'skip' in b ? 'skip' : b.image;
    };
    expect(image('1.79-bookworm')).toBe('debian:bookworm-slim');
    expect(image('1.79.0-slim-bookworm')).toBe('debian:bookworm-slim');
    expect(image('1.70-bullseye')).toBe('debian:bullseye-slim');
    expect(image('1.90-slim-trixie')).toBe('debian:trixie-slim');
    expect(image('1.80-alpine3.20')).toBe('alpine:3.20');
    expect(image('1.80-alpine')).toBe('alpine:3');
    expect(image('alpine')).toBe('alpine:3');
    // Versions without a distro: bullseye 1.55-1.71.0, bookworm 1.72-1.88, trixie from 1.90.
    expect(image('1.55')).toBe('debian:bullseye-slim');
    expect(image('1.70.0')).toBe('debian:bullseye-slim');
    expect(image('1.71.0')).toBe('debian:bullseye-slim');
    expect(image('1.72')).toBe('debian:bookworm-slim');
    expect(image('1.75-slim')).toBe('debian:bookworm-slim');
    expect(image('1.88.0')).toBe('debian:bookworm-slim');
    expect(image('1.90')).toBe('debian:trixie-slim');
    // Floating tags: today's default.
    for (const t of ['', 'latest', '1', 'slim', '1-slim'])
      expect(rustRuntimeBase(t)).toEqual({
        image: 'debian:trixie-slim',
        family: 'debian',
        release: 'trixie',
        floating: true,
      });
    // Tags whose release moved while current, older defaults, EOL releases, unknown tags.
    for (const t of ['1.71', '1.71.1', '1.89', '1.89.0', '1.54', '1.79-buster', 'nightly'])
      expect(image(t)).toBe('skip');
    expect(rustRuntimeBase('1.89')).toEqual({
      skip: expect.stringContaining('pin a distro tag'),
    });
  });

  test('a floating tag is split onto trixie with a note to pin it; docker.io/library/rust counts', async () => {
    const r = await rt(
      dockerfile(
        'docker.io/library/rust',
        'cargo build --release',
        '["/app/target/release/web-app"]',
      ),
    );
    expect(r.out).toContain('FROM debian:trixie-slim AS runtime\n');
    expect(r.out).toContain('COPY --from=builder /app/target/release/web-app ./target/release/\n');
    expect(r.fix?.note).toContain('pin the builder to a -trixie tag');
    expect(r.fix?.note).toMatch(/^Check: files the binary reads at run time/);
  });

  test('profile, --target, --target-dir and CARGO_TARGET_DIR place the binary', async () => {
    const cases: [string, string, string][] = [
      ['cargo build', '/app/target/debug/web-app', './target/debug/'],
      ['cargo build --profile dev', '/app/target/debug/web-app', './target/debug/'],
      ['cargo build --profile=dist', '/app/target/dist/web-app', './target/dist/'],
      [
        'cargo build -r --target x86_64-unknown-linux-musl',
        '/app/target/x86_64-unknown-linux-musl/release/web-app',
        './target/x86_64-unknown-linux-musl/release/',
      ],
      [
        'cargo build --release --target-dir build',
        '/app/build/release/web-app',
        './build/release/',
      ],
      ['CARGO_TARGET_DIR=/out cargo build --release', '/out/release/web-app', '/out/release/'],
    ];
    for (const [run, from, to] of cases) {
      const r = await rt(dockerfile('rust:1.82-bookworm', run, `["${from}"]`));
      expect(r.skipped).toEqual([]);
      expect(r.out).toContain(`COPY --from=builder ${from} ${to}\n`);
    }
    // ENV CARGO_TARGET_DIR: stays in the builder (build-only), the binary keeps its path.
    const env = await rt(
      dockerfile('rust:1.82-bookworm', 'cargo build --release', '["/cache/release/web-app"]', [
        'ENV CARGO_TARGET_DIR=/cache',
      ]),
    );
    expect(env.out).toContain('COPY --from=builder /cache/release/web-app /cache/release/\n');
    expect(env.out.split('AS runtime')[1]).not.toContain('CARGO_TARGET_DIR');
    expect(env.fix?.note).toContain('Build settings stay in the builder: ENV CARGO_TARGET_DIR.');
  });

  test('binary names: [[bin]], src/bin/, several without --bin, --bins', async () => {
    const two = app({ 'src/bin/migrate.rs': 'fn main() {}\n' });
    const several = await rt(
      dockerfile('rust:1.82-bookworm', 'cargo build --release', '["./target/release/web-app"]'),
      two,
    );
    expect(several.skipped).toEqual([
      expect.stringContaining(
        'has 2 binaries (web-app, migrate) and `cargo build` names none with --bin',
      ),
    ]);
    const bins = await rt(
      dockerfile(
        'rust:1.82-bookworm',
        'cargo build --release --bins',
        '["./target/release/web-app"]',
      ),
      two,
    );
    expect(bins.out).toContain(
      'COPY --from=builder /app/target/release/web-app ./target/release/\n',
    );
    expect(bins.out).toContain(
      'COPY --from=builder /app/target/release/migrate ./target/release/\n',
    );
    // [[bin]] names win over the package name; hyphens are kept.
    const named = app({
      'Cargo.toml': toml('web_app', '\n[[bin]]\nname = "web-server"\npath = "src/main.rs"\n'),
    });
    const r = await rt(
      dockerfile('rust:1.82-bookworm', 'cargo build --release', '["./target/release/web-server"]'),
      named,
    );
    expect(r.out).toContain(
      'COPY --from=builder /app/target/release/web-server ./target/release/\n',
    );
  });

  test('cargo install: --root keeps a path the CMD names; a registry crate alone is not the app', async () => {
    const root = await rt(
      dockerfile(
        'rust:1.82-bookworm',
        'cargo install --path . --root /opt/web',
        '["/opt/web/bin/web-app"]',
      ),
    );
    expect(root.out).toContain('COPY --from=builder /opt/web/bin/web-app /opt/web/bin/\n');
    const named = await rt(
      dockerfile(
        'rust:1.82-bookworm',
        'cargo install --path .',
        '["/usr/local/cargo/bin/web-app"]',
      ),
    );
    expect(named.out).toContain(
      'COPY --from=builder /usr/local/cargo/bin/web-app /usr/local/cargo/bin/\n',
    );
    const tool = await rt(
      dockerfile('rust:1.82-bookworm', 'cargo install miniserve', '["miniserve"]'),
    );
    expect(tool.skipped).toEqual([
      '`cargo install` of miniserve from a registry: the binary is not built from the context',
    ]);
  });

  test('runtime libraries per release from Cargo.lock; vendored OpenSSL links none', async () => {
    const ssl = (tag: string, extra: [string, string[]][] = []) =>
      rt(
        dockerfile(`rust:${tag}`, 'cargo build --release', '["./target/release/web-app"]'),
        app({
          'Cargo.lock': lock(
            ['web-app', ['openssl']],
            ['openssl-sys', ['cc', 'libc', ...extra.map((e) => e[0])]],
            ...extra,
          ),
        }),
      );
    const line = (pkgs: string) =>
      `RUN apt-get update && apt-get install -y --no-install-recommends ${pkgs} && rm -rf /var/lib/apt/lists/*\n`;
    expect((await ssl('1.70-bullseye')).out).toContain(line('ca-certificates libssl1.1'));
    expect((await ssl('1.82-bookworm')).out).toContain(line('ca-certificates libssl3'));
    expect((await ssl('1.90-trixie')).out).toContain(line('ca-certificates libssl3t64'));
    expect((await ssl('1.80-alpine3.20')).out).toContain(
      'RUN apk add --no-cache ca-certificates libssl3\n',
    );
    // openssl-src: built from source and linked statically; the CA bundle is still needed.
    const vendored = await ssl('1.82-bookworm', [['openssl-src', ['cc']]]);
    expect(vendored.out).not.toContain('apt-get');
    expect(vendored.out).toContain(
      'COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\n',
    );
  });

  test('skips: unknown -dev package, no Cargo.lock, workspace member, Cargo.toml not copied', async () => {
    const text = dockerfile(
      'rust:1.82-bookworm',
      'cargo build --release',
      '["./target/release/web-app"]',
      ['RUN apt-get update && apt-get install -y libfoo-dev && rm -rf /var/lib/apt/lists/*'],
    );
    expect((await rt(text)).skipped).toEqual(['no known runtime package for libfoo-dev']);
    const plain = dockerfile(
      'rust:1.82-bookworm',
      'cargo build --release',
      '["./target/release/web-app"]',
    );
    const { 'Cargo.lock': _lock, ...noLock } = app();
    expect((await rt(plain, noLock)).skipped).toEqual([
      'no Cargo.lock in the context: cannot tell which system libraries the binary links',
    ]);
    const member = app({
      'Cargo.toml': toml('web-app', '\n[dependencies]\nserde.workspace = true\n'),
    });
    expect((await rt(plain, member)).skipped).toEqual([
      "Cargo.toml belongs to a workspace: the target folder is the workspace's",
    ]);
    expect((await rt(plain.replace('COPY . .', 'COPY src ./src'))).skipped).toEqual([
      'no Cargo.toml of the context copied to /app: cannot tell the binary name',
    ]);
    expect((await rt(plain, null)).skipped).toEqual([
      'no Cargo.toml of the context copied to /app: cannot tell the binary name',
    ]);
  });

  test('Cargo.toml and Cargo.lock are read as TOML: inline tables, target tables, quoted keys; invalid TOML skips', async () => {
    const plain = dockerfile(
      'rust:1.82-bookworm',
      'cargo build --release',
      '["/app/target/release/web-app"]',
    );
    // a workspace dependency as an inline table under a target-specific table
    const member = app({
      'Cargo.toml': toml(
        'web-app',
        '\n[target.\'cfg(unix)\'.dependencies]\nnix = { workspace = true, features = ["fs"] }\n',
      ),
    });
    expect((await rt(plain, member)).skipped).toEqual([
      "Cargo.toml belongs to a workspace: the target folder is the workspace's",
    ]);
    // the bin targets as a top-level inline array of tables, a multi-line array in [package]
    const bins = app({
      'Cargo.toml':
        'bin = [{ name = "web-server", path = "src/main.rs" }]\n\n[package]\nname = "web-app"\nversion = "0.1.0"\nkeywords = [\n  "web",\n  "api",\n]\nautobins = false\n',
    });
    expect((await rt(plain.replace('release/web-app', 'release/web-server'), bins)).out).toContain(
      'COPY --from=builder /app/target/release/web-server ./target/release/\n',
    );
    // openssl-sys listed with a version ("name version") still counts
    const ssl = app({
      'Cargo.lock': lock(['web-app', ['openssl-sys 0.9.103']], ['openssl-sys', []]),
    });
    expect((await rt(plain, ssl)).out).toContain('ca-certificates libssl3');
    expect(
      (await rt(plain, app({ 'Cargo.toml': '[package\nname = "web-app"\n' }))).skipped,
    ).toEqual(['Cargo.toml is not valid TOML']);
    expect((await rt(plain, app({ 'Cargo.lock': 'version = = 3\n' }))).skipped).toEqual([
      'Cargo.lock is not valid TOML',
    ]);
  });
});
