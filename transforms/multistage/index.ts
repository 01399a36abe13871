/**
 * Transform `multistage`: a final stage that installs a toolchain or dev dependencies and builds
 * something becomes a `builder` stage, followed by a new `runtime` stage on a small base that
 * takes only the artifacts (`COPY --from=builder`), the runtime packages and the image metadata.
 * Every fix is `review`: the new stage changes what ends up in the image.
 *
 * Decisions where the issue leaves room:
 * - Only the last stage is looked at (the one that ships). A last stage built `FROM` another
 *   stage is left alone (Skipped): its base holds whatever the earlier stages built. A stage
 *   without CMD/ENTRYPOINT is left alone too (it may be a toolchain image on purpose), and so
 *   is a build RUN that `cd`s somewhere (the output paths below would be wrong; pip excepted).
 * - The builder keeps everything it had except the runtime-only instructions after its last
 *   RUN/COPY (CMD, ENTRYPOINT, EXPOSE, HEALTHCHECK, STOPSIGNAL, VOLUME, USER), which move with
 *   the comments right above them. LABEL instructions and the final WORKDIR are copied; ENV
 *   instructions are copied without the variables that only configure the build (CGO_ENABLED,
 *   GOOS, GOFLAGS, ..., PIP_*, MAVEN_*, GRADLE_*, DOTNET_CLI_*, CARGO_*, RUSTFLAGS, CFLAGS, a
 *   NODE_ENV other than production), which stay in the builder; an ARG is re-declared in the runtime stage when a
 *   copied or moved instruction uses it.
 * - USER: a USER set before the build keeps building as that user and is copied too. The RUNs
 *   up to the build that create users (useradd/adduser only) are copied along; a user created
 *   in a RUN that does other work, or never created in the stage (and not one the runtime base
 *   has: root, nobody, node, nonroot, .NET's app), skips the proposal, as does useradd on an
 *   alpine runtime of a non-alpine builder.
 * - COPY from the context after the build step moves to the runtime stage; a RUN after the build
 *   step moves only when it does file/user housekeeping (mkdir, chmod, chown, useradd, ...),
 *   otherwise the proposal is skipped (it might need the toolchain).
 * - Artifacts keep their absolute path in the runtime stage, so CMD/ENTRYPOINT stay valid
 *   (exceptions: `go install` binaries and the Next.js standalone server, below).
 * - Go: `go build -o` (or `go install`: $GOBIN, else $GOPATH/bin, /go/bin in the golang image;
 *   those binaries were on the builder's PATH and go to /usr/local/bin unless the start
 *   command names their path; `go install` of `.` or of nothing is named after the module path,
 *   from `go mod init NAME` in that folder or the `module` line of the go.mod copied there).
 *   `CGO_ENABLED=0` -> `gcr.io/distroless/static-debian12` when ENTRYPOINT/CMD are exec form,
 *   there is no HEALTHCHECK and no RUN has to move or be copied (distroless has no shell), else
 *   `alpine:3`. With cgo: the same distro family and release
 *   (golang:*-alpine -> alpine, Debian tags -> debian:<release>-slim; untagged releases: Go <=
 *   1.23 was bookworm, later trixie), plus the builder's CA bundle (debian-slim has none).
 * - Node: runtime `node:<tag>-slim` (a -slim/-alpine tag is kept), the stage's system packages
 *   (without node-gyp's compilers and python3; with those, only the standalone output below is
 *   proposed, as a production install would need them), the manifests (the original manifest
 *   COPY when it brings every one), `npm ci --omit=dev` (yarn v1: `--production
 *   --frozen-lockfile`; pnpm: `--prod --frozen-lockfile` after the builder's own `corepack
 *   enable` / `npm install -g pnpm@x`), the build output. Workspaces and Yarn Berry are skipped.
 *   The output dir comes from scripts.build (next build, tsc + tsconfig outDir, vite,
 *   react-scripts, vue-cli, nest, tsup, parcel, --outDir/--out-dir/--output-path flags). The
 *   start command must run from the output (Next.js also takes public/ and next.config.*, and
 *   .next is owned by `node`: next start writes .next/cache).
 * - Next.js `output: 'standalone'`: .next/standalone to the WORKDIR, .next/static and public/
 *   (the layout of Next.js's Docker example), no install, `CMD ["node", "server.js"]` with
 *   HOSTNAME=0.0.0.0 and PORT from `next start -p`; an ENTRYPOINT or other start options skip.
 * - Python: a venv at /opt/venv is created before the first COPY that precedes the first pip
 *   install (so the install keeps following its COPY; an existing venv is reused) and copied
 *   with the WORKDIR into `python:<tag>-slim`; `-dev` packages are mapped to their runtime
 *   libraries (libpq-dev -> libpq5, ...); other non-toolchain packages stay. An unknown `-dev`
 *   package, or pip running as a non-root USER, skips the proposal. A full `python:<tag>` image
 *   has gcc and headers of its own: without an apt toolchain, only requirements known to
 *   compile (read from the context: psycopg2, mysqlclient, lxml under --no-binary, with their
 *   runtime libraries; uWSGI skips) make it a build.
 * - Java (Maven, Gradle): the jar ENTRYPOINT/CMD runs (`-jar x.jar`, a glob such as
 *   build/libs/*.jar is copied as a glob) goes into `eclipse-temurin:<java>-jre[-alpine]`; a
 *   start command that names no jar is skipped.
 * - C/C++: the `-o` output of gcc/g++/cc/clang (or the path ENTRYPOINT/CMD runs after make) goes
 *   into the slim variant of the same distro with the runtime libraries of its `-dev` packages
 *   (the gcc and buildpack-deps images count as toolchains).
 * - .NET: the `dotnet publish -o` folder goes into `mcr.microsoft.com/dotnet/aspnet:<major.minor
 *   and suffix of the sdk tag>`, `runtime` when every project is a plain or Worker SDK project
 *   without ASP.NET Core, `runtime-deps` for a self-contained publish; the start command must
 *   run a .dll or app host from that folder.
 * - Rust (`cargo build`, `cargo install --path`) on the official `rust:<tag>` image only: runtime
 *   of the same distro and release (`*-bookworm`/`*-slim-bookworm` -> debian:bookworm-slim,
 *   bullseye, trixie likewise, `*-alpineX.Y` -> alpine:X.Y, `*-alpine` -> alpine:3). A tag
 *   without a distro follows the image's default of its time (rust-lang/docker-rust x.py
 *   `default_debian_variant`: bullseye for 1.55-1.71.0, bookworm for 1.72-1.88, trixie from
 *   1.90 and for latest/1/slim/untagged); 1.71 and 1.89 (the default moved while they were
 *   current), versions before 1.55 and buster skip, asking for a distro tag. The binary:
 *   `<target dir>/[<--target triple>/]<profile dir>/<name>` (target dir: --target-dir,
 *   CARGO_TARGET_DIR, else target/ in the WORKDIR; profile: --release -> release, none or dev ->
 *   debug, --profile NAME -> NAME), or `cargo install`'s $CARGO_INSTALL_ROOT/bin, else
 *   $CARGO_HOME/bin (/usr/local/cargo/bin, on the image's PATH: copied to /usr/local/bin unless
 *   the start command names the path; --root DIR -> DIR/bin). Names from the Cargo.toml a COPY
 *   put in that folder: --bin, else the [[bin]] entries, src/main.rs (the package name, hyphens
 *   kept) and src/bin/ (several without --bin skip; a workspace or workspace member skips). The
 *   start command must run the binary. Runtime packages: the stage's -dev packages mapped, plus
 *   the libraries of the -sys crates Cargo.lock lists unless built from source (openssl-sys
 *   without openssl-src -> libssl3 / libssl1.1 on bullseye / libssl3t64 on trixie and
 *   ca-certificates; pq-sys -> libpq5; libsqlite3-sys without cc -> libsqlite3-0;
 *   mysqlclient-sys -> libmariadb3; alpine names likewise); a TLS crate without an installed
 *   ca-certificates copies the builder's CA bundle into debian-slim, as for Go.
 * - `multistage/non-root-user`: the last stage of a multi-stage build that copies from another
 *   stage and sets no USER gets one (node images: the built-in `node`; distroless: `nonroot`;
 *   .NET 8+ images: `app`; alpine: `adduser -D`; Debian/Ubuntu based: `useradd --create-home`),
 *   unless the stage mentions docker.sock, starts an agent or a program that needs root
 *   (ROOT_AGENTS, ROOT_PROGRAMS), exposes or binds a port below 1024 (EXPOSE, *PORT(S), *URLS,
 *   CMD flags), starts a daemon whose default port is below 1024 without configuring one of
 *   1024 or more (LOW_PORT_DAEMONS), is a command-line tool (ENTRYPOINT with no CMD or only
 *   `--help`, no port, no HEALTHCHECK: an info note), starts through pnpm/yarn from corepack (a
 *   new user would download them again at start; reported on the file's first corepack RUN, as
 *   the runtime stage may be text this transform has just written), or declares a VOLUME.
 */
import {
  indentOf,
  insertLinesAfter,
  insertLinesBefore,
  instructionLines,
  instructionText,
} from '../../src/toolkit/edits.js';
import { cleanRelative } from '../../src/context/context.js';
import {
  copySpec,
  globRoot,
  globToRegExp,
  hasGlob,
  isWholeContext,
  matchSource,
  resolveDest,
  sourceValue,
} from '../../src/toolkit/copy.js';
import { loadIgnore } from '../../src/context/ignore.js';
import { normalizePosix } from '../../src/model/dockerfile.js';
import { commandBase } from '../../src/model/shell.js';
import { PIP_VALUE_OPTIONS } from '../../src/toolkit/packages/pip.js';
import { parse as parseToml } from 'smol-toml';
import type {
  CheckContext,
  DockerfileModel,
  Edit,
  Finding,
  Fix,
  Instruction,
  SimpleCommand,
  Skipped,
  Stage,
  Transform,
} from '../../src/model/types.js';

const ID = 'multistage';

type Eco = 'go' | 'node' | 'python' | 'java' | 'c' | 'dotnet' | 'rust';

/** Instructions that only describe how the image runs: they move to the runtime stage. */
const RUNTIME_ONLY = new Set([
  'CMD',
  'ENTRYPOINT',
  'EXPOSE',
  'HEALTHCHECK',
  'STOPSIGNAL',
  'VOLUME',
  'USER',
]);
const HOUSEKEEPING = new Set([
  'mkdir',
  'chmod',
  'chown',
  'ln',
  'touch',
  'useradd',
  'adduser',
  'groupadd',
  'addgroup',
]);
const USER_COMMANDS = new Set(['useradd', 'adduser', 'groupadd', 'addgroup']);
/** Packages only a build needs. */
const TOOLCHAIN = new Set([
  'build-essential',
  'build-base',
  'gcc',
  'g++',
  'make',
  'cmake',
  'clang',
  'pkg-config',
  'pkgconf',
  'autoconf',
  'automake',
  'libtool',
  'musl-dev',
  'linux-headers',
  'python3-dev',
  'python-dev',
  'libc6-dev',
  'libc-dev',
  'gfortran',
]);
/** Debian `-dev` package -> runtime package ('' = nothing to install). */
const DEBIAN_RUNTIME: Record<string, string> = {
  'libpq-dev': 'libpq5',
  'libffi-dev': 'libffi8',
  'libssl-dev': 'libssl3',
  'zlib1g-dev': '',
  'libjpeg-dev': 'libjpeg62-turbo',
  'libjpeg62-turbo-dev': 'libjpeg62-turbo',
  'libxml2-dev': 'libxml2',
  'libxslt1-dev': 'libxslt1.1',
  'libsqlite3-dev': 'libsqlite3-0',
  'default-libmysqlclient-dev': 'libmariadb3',
  'libmariadb-dev': 'libmariadb3',
  'libmariadb-dev-compat': 'libmariadb3',
  'libcurl4-openssl-dev': 'libcurl4',
  'libyaml-dev': 'libyaml-0-2',
  'libpng-dev': 'libpng16-16',
  'libbz2-dev': 'libbz2-1.0',
  'liblzma-dev': 'liblzma5',
  'libgmp-dev': 'libgmp10',
  'libmagic-dev': 'libmagic1',
  'libsasl2-dev': 'libsasl2-2',
  'python3-dev': '',
  'python-dev': '',
  'libc6-dev': '',
};
const ALPINE_RUNTIME: Record<string, string> = {
  'postgresql-dev': 'libpq',
  'libpq-dev': 'libpq',
  'libffi-dev': 'libffi',
  'openssl-dev': 'libssl3',
  'zlib-dev': 'zlib',
  'jpeg-dev': 'libjpeg-turbo',
  'libjpeg-turbo-dev': 'libjpeg-turbo',
  'libxml2-dev': 'libxml2',
  'libxslt-dev': 'libxslt',
  'yaml-dev': 'yaml',
  'mariadb-dev': 'mariadb-connector-c',
  'sqlite-dev': 'sqlite-libs',
  'curl-dev': 'libcurl',
  'musl-dev': '',
  'linux-headers': '',
  'python3-dev': '',
};

const CHECK_NOTE: Record<Eco, string> = {
  go: 'Check: files the binary reads at run time (templates, static files, config), shared libraries when cgo is on (`ldd` in the builder), the user, and the ENTRYPOINT/CMD path.',
  node: 'Check: files the app reads at run time outside the build output, native modules (built against the builder image), the user, and the start command.',
  python:
    'Check: files the app reads at run time, shared libraries of compiled packages (`ldd` on their .so files), the user, and the entrypoint.',
  java: 'Check: files the app reads at run time besides the jar, the JRE modules it needs, the user, and the ENTRYPOINT/CMD.',
  c: 'Check: `ldd` on the binary in the builder lists only libraries the runtime stage has, data files it reads, the user, and the ENTRYPOINT/CMD path.',
  dotnet:
    'Check: files the app reads at run time outside the publish output, native libraries its packages load (ICU, libgdiplus, ...), the user, and the ENTRYPOINT/CMD.',
  rust: 'Check: files the binary reads at run time (config, templates, static files, migrations), shared libraries it links (`ldd` on it in the builder: -sys crates other than openssl, libpq, sqlite and mysqlclient), the user, and the ENTRYPOINT/CMD path.',
};

/**
 * ENV variables that only configure the build (compilers, package managers, cross-compilation):
 * they stay in the builder and are not carried into the runtime stage.
 */
function buildOnlyEnv(eco: Eco, name: string, value: string | null): boolean {
  if (/^(CC|CXX|CPP|CFLAGS|CXXFLAGS|CPPFLAGS|LDFLAGS|MAKEFLAGS)$/.test(name)) return true;
  switch (eco) {
    case 'go':
      return /^(CGO_ENABLED|CGO_[A-Z]+FLAGS|GOOS|GOARCH|GOARM|GOAMD64|GO386|GOFLAGS|GOPROXY|GOPRIVATE|GONOPROXY|GONOSUMDB|GONOSUMCHECK|GOSUMDB|GOINSECURE|GO111MODULE|GOCACHE|GOMODCACHE|GOPATH|GOBIN|GOTOOLCHAIN|GOEXPERIMENT|GOWORK)$/.test(
        name,
      );
    case 'node':
      // The runtime stage installs packages too: npm/yarn/pnpm settings are carried.
      return name === 'NODE_ENV' && value !== null && value !== 'production';
    case 'python':
      return /^(PIP_|POETRY_|PIPENV_)/.test(name);
    case 'java':
      return /^(MAVEN_|GRADLE_)/.test(name);
    case 'dotnet':
      return (
        /^(DOTNET_CLI_|NUGET_)/.test(name) ||
        /^DOTNET_(NOLOGO|SKIP_FIRST_TIME_EXPERIENCE)$/.test(name)
      );
    case 'rust':
      return /^(CARGO_|RUSTFLAGS$|RUSTDOCFLAGS$|RUSTC_|RUSTUP_|OPENSSL_(DIR|LIB_DIR|INCLUDE_DIR|STATIC|NO_VENDOR)$|PKG_CONFIG_)/.test(
        name,
      );
    case 'c':
      return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

interface ImageRef {
  /** Repository path as written (without the registry for Docker Hub official images). */
  repo: string;
  tag: string;
}

export function parseImage(image: string): ImageRef {
  let s = image.split('@')[0]!;
  let tag = '';
  const slash = s.lastIndexOf('/');
  const colon = s.lastIndexOf(':');
  if (colon > slash) {
    tag = s.slice(colon + 1);
    s = s.slice(0, colon);
  }
  const repo = s.replace(/^(docker\.io\/|index\.docker\.io\/)/, '').replace(/^library\//, '');
  return { repo, tag };
}

function cmdName(c: SimpleCommand): string | null {
  const v = c.name?.value;
  return v ? commandBase(v) : null;
}

function argValues(c: SimpleCommand): (string | null)[] {
  return c.args.map((a) => a.value);
}

function stageInstrs(model: DockerfileModel, stage: Stage): Instruction[] {
  return model.instructions.slice(stage.first, stage.last + 1);
}

/** Packages an apt/apk install command installs (versions stripped). */
function installed(c: SimpleCommand): { mgr: 'apt' | 'apk'; pkgs: string[] } | null {
  const name = cmdName(c);
  const args = argValues(c);
  if ((name === 'apt-get' || name === 'apt') && args.includes('install')) {
    const after = args.slice(args.indexOf('install') + 1);
    return {
      mgr: 'apt',
      pkgs: after
        .filter((a): a is string => !!a && !a.startsWith('-'))
        .map((a) => a.split('=')[0]!),
    };
  }
  if (name === 'apk' && args[0] === 'add') {
    const pkgs: string[] = [];
    for (let i = 1; i < args.length; i++) {
      const a = args[i];
      if (!a) continue;
      if (a === '--virtual' || a === '-t' || a === '--repository' || a === '-X') {
        i++;
        continue;
      }
      if (a.startsWith('-')) continue;
      pkgs.push(a.split(/[=<>~]/)[0]!);
    }
    return { mgr: 'apk', pkgs };
  }
  return null;
}

function removesPackages(c: SimpleCommand): boolean {
  const name = cmdName(c);
  const a0 = c.args[0]?.value;
  if (name === 'apt-get' || name === 'apt')
    return ['purge', 'remove', 'autoremove'].includes(a0 ?? '');
  if (name === 'apk') return a0 === 'del';
  return false;
}

function isToolchain(pkg: string): boolean {
  return TOOLCHAIN.has(pkg) || /-(dev|devel)$/.test(pkg);
}

/** Absolute path of `p` as seen by instruction i (null when it depends on an unknown WORKDIR). */
function absolute(model: DockerfileModel, p: string, i: number): string | null {
  if (p.startsWith('/')) return normalizePosix(p);
  const wd = model.workdirAt(i);
  if (wd === null) return null;
  return normalizePosix(`${wd}/${p}`);
}

function wordValue(model: DockerfileModel, raw: string, value: string | null, i: number) {
  return value ?? model.expand(raw, i);
}

function under(path: string, dir: string): boolean {
  return dir === '/' || path === dir || path.startsWith(dir + '/');
}

/** Destination for an artifact copied to the same absolute path, relative to WORKDIR if inside. */
function destFor(abs: string, workdir: string | null, isDir: boolean): string {
  if (workdir && workdir !== '/' && under(abs, workdir) && abs !== workdir) {
    const rel = abs.slice(workdir.length + 1);
    if (isDir) return `./${rel}`;
    const dir = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/') + 1) : '';
    return `./${dir}`;
  }
  if (isDir) return abs;
  return abs.slice(0, abs.lastIndexOf('/') + 1) || '/';
}

/** The words of CMD/ENTRYPOINT (exec form values, or shell words). */
function commandWords(model: DockerfileModel, instr: Instruction): string[] {
  if (instr.json) return instr.json.flatMap((w) => w.split(/\s+/).filter(Boolean));
  return instr.args.map((a) => wordValue(model, a.raw, a.value, instr.index) ?? a.raw);
}

function stripJsonComments(s: string): string {
  return s.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:"])\/\/.*$/gm, '$1');
}

function readJson(ctx: CheckContext, path: string): Record<string, unknown> | null {
  const text = ctx.buildContext.readFile(path);
  if (text === null) return null;
  try {
    const v: unknown = JSON.parse(stripJsonComments(text).replace(/,(\s*[}\]])/g, '$1'));
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Analysis of the last stage

interface Analysis {
  model: DockerfileModel;
  ctx: CheckContext;
  stage: Stage;
  instrs: Instruction[];
  fromInstr: Instruction;
  image: ImageRef;
  /** Index of the last RUN that builds (the build step). */
  buildAt: number;
  /** Every package the stage installs with apt/apk, and the manager. */
  packages: string[];
  mgr: 'apt' | 'apk' | null;
  /** The last USER of the stage, and the RUNs up to the build step that create users. */
  user: Instruction | null;
  userRuns: Instruction[];
  /** Full `python:<tag>` image without an apt toolchain: the requirements pip builds from
   * source with the image's own compilers, and their runtime libraries (null: not known). */
  sourceBuilt?: { name: string; runtime: string[] | null }[];
}

interface Plan {
  eco: Eco;
  runtimeImage: string;
  /** Lines right after FROM (and the ARGs): system packages. */
  setup: string[];
  /** Lines after WORKDIR, before the artifacts: manifests and dependency installs. */
  deps?: string[];
  /** Extra ENV lines (e.g. the venv PATH). */
  env: string[];
  /** Artifacts copied from the builder: to the same path unless `to` is given. */
  copies: Artifact[];
  /** Replacement for the CMD (e.g. Next.js standalone: `node server.js`). */
  cmd?: string;
  /** Extra edits in the builder (e.g. the venv creation). */
  builderEdits: Edit[];
  message: string;
  /** Extra words for the note. */
  noteExtra?: string;
  data: Record<string, unknown>;
}

interface Artifact {
  from: string;
  dir: boolean;
  /** Destination in the runtime stage (default: the same absolute path). */
  to?: string;
  /** `--chown` for files the app writes to at run time (Next.js's .next/cache). */
  chown?: string;
}

type Outcome = Plan | { skip: string; at?: number } | null;

function isSkip(o: Outcome): o is { skip: string; at?: number } {
  return !!o && 'skip' in o;
}

function commandsOf(instr: Instruction): SimpleCommand[] {
  return instr.keyword === 'RUN' && instr.shell ? instr.shell.commands : [];
}

function findCommand(
  a: Analysis,
  pred: (c: SimpleCommand) => boolean,
): { instr: Instruction; cmd: SimpleCommand }[] {
  const out: { instr: Instruction; cmd: SimpleCommand }[] = [];
  for (const instr of a.instrs)
    for (const c of commandsOf(instr)) if (pred(c)) out.push({ instr, cmd: c });
  return out;
}

const isGoBuild = (c: SimpleCommand) =>
  cmdName(c) === 'go' && (c.args[0]?.value === 'build' || c.args[0]?.value === 'install');
const isNodeBuild = (c: SimpleCommand) => {
  const n = cmdName(c);
  const v = argValues(c);
  if (n === 'npm' || n === 'pnpm')
    return (
      ((v[0] === 'run' || v[0] === 'run-script') && v[1] === 'build') ||
      (n === 'pnpm' && v[0] === 'build')
    );
  if (n === 'yarn') return v[0] === 'build' || (v[0] === 'run' && v[1] === 'build');
  return false;
};
const isMaven = (c: SimpleCommand) =>
  ['mvn', 'mvnw'].includes(cmdName(c) ?? '') &&
  argValues(c).some((v) => v === 'package' || v === 'install' || v === 'verify');
const isGradle = (c: SimpleCommand) =>
  ['gradle', 'gradlew'].includes(cmdName(c) ?? '') &&
  argValues(c).some((v) =>
    ['build', 'bootJar', 'assemble', 'jar', 'installDist'].includes(v ?? ''),
  );
const isPipInstall = (c: SimpleCommand) => {
  const n = cmdName(c);
  const v = argValues(c);
  if (n === 'pip' || n === 'pip3') return v[0] === 'install';
  if (n && /^python[0-9.]*$/.test(n)) return v[0] === '-m' && v[1] === 'pip' && v[2] === 'install';
  return false;
};
const isCCompile = (c: SimpleCommand) =>
  ['gcc', 'g++', 'cc', 'c++', 'clang', 'clang++'].includes(cmdName(c) ?? '') &&
  c.args.some((a) => a.value === '-o' || (a.value ?? '').startsWith('-o'));
const isMake = (c: SimpleCommand) =>
  cmdName(c) === 'make' || (cmdName(c) === 'cmake' && argValues(c).includes('--build'));

function lastCmdInstr(instrs: Instruction[], keyword: 'CMD' | 'ENTRYPOINT'): Instruction | null {
  for (let i = instrs.length - 1; i >= 0; i--)
    if (instrs[i]!.keyword === keyword) return instrs[i]!;
  return null;
}

/** ENTRYPOINT + CMD words as the container runs them. */
function startWords(a: Analysis): { words: string[]; exec: boolean; at: number } | null {
  const ep = lastCmdInstr(a.instrs, 'ENTRYPOINT');
  const cmd = lastCmdInstr(a.instrs, 'CMD');
  if (!ep && !cmd) return null;
  const words = [
    ...(ep ? commandWords(a.model, ep) : []),
    ...(cmd && (!ep || ep.json) ? commandWords(a.model, cmd) : []),
  ];
  return { words, exec: (!ep || !!ep.json) && (!cmd || !!cmd.json), at: (ep ?? cmd)!.index };
}

// ---------------------------------------------------------------------------------------------
// Runtime base images

function debianRelease(tag: string): string | null {
  return /\b(bookworm|bullseye|buster|trixie)\b/.exec(tag)?.[1] ?? null;
}

function goRuntime(a: Analysis, cgoOff: boolean, distrolessOk: boolean): string {
  const tag = a.image.tag;
  if (cgoOff) return distrolessOk ? 'gcr.io/distroless/static-debian12' : 'alpine:3';
  const alp = /alpine(3\.\d+)?/.exec(tag);
  if (alp) return `alpine:${alp[1] ?? '3'}`;
  let rel = debianRelease(tag);
  if (!rel) {
    const m = /^(\d+)\.(\d+)/.exec(tag);
    rel = m && Number(m[1]) === 1 && Number(m[2]) <= 23 ? 'bookworm' : 'trixie';
  }
  return `debian:${rel}-slim`;
}

/** `node:20` -> `node:20-slim`; `python:3.12-bookworm` -> `python:3.12-slim-bookworm`. */
function slimOf(a: Analysis, kind: 'node' | 'python'): string {
  const { tag } = a.image;
  const written = a.stage.image;
  if (/slim|alpine/.test(tag)) return written;
  const rel = debianRelease(tag);
  let newTag: string;
  if (tag === '' || tag === 'latest') newTag = rel ? rel : 'slim';
  else if (rel) {
    const base = tag.slice(0, tag.indexOf(rel)).replace(/-$/, '');
    newTag =
      kind === 'node'
        ? `${base ? base + '-' : ''}${rel}-slim`
        : `${base ? base + '-' : ''}slim-${rel}`;
  } else newTag = `${tag}-slim`;
  if (tag === '' || tag === 'latest') newTag = 'slim';
  // Keep the author's variables (`node:${NODE_VERSION}` -> `node:${NODE_VERSION}-slim`).
  if (
    written !== a.stage.resolvedImage &&
    !rel &&
    /:[^/]*$/.test(written) &&
    !written.includes('@')
  )
    return `${written}-slim`;
  return `${a.image.repo}:${newTag}`;
}

function javaRuntime(a: Analysis): string | null {
  const { repo, tag } = a.image;
  let v: string | null = null;
  if (repo === 'eclipse-temurin' || repo === 'openjdk' || repo === 'amazoncorretto')
    v = /^(\d+)/.exec(tag)?.[1] ?? null;
  else v = /(?:temurin|openjdk|jdk|corretto|java|sapmachine|graalvm)-?(\d+)/.exec(tag)?.[1] ?? null;
  if (!v) return null;
  return `eclipse-temurin:${v}-jre${/alpine/.test(tag) ? '-alpine' : ''}`;
}

function cRuntime(a: Analysis): string | null {
  const { repo, tag } = a.image;
  if (repo === 'alpine' || repo === 'ubuntu') return a.stage.resolvedImage;
  if (repo === 'debian') {
    if (/slim/.test(tag)) return a.stage.resolvedImage;
    if (tag === '' || tag === 'latest') return 'debian:stable-slim';
    return `debian:${tag}-slim`;
  }
  if (repo === 'gcc' || repo === 'buildpack-deps') {
    const rel = debianRelease(tag);
    if (rel) return `debian:${rel}-slim`;
    if (repo === 'gcc') {
      const n = Number(/^(\d+)/.exec(tag)?.[1] ?? NaN);
      if (!Number.isNaN(n)) return `debian:${n <= 14 ? 'bookworm' : 'trixie'}-slim`;
    }
  }
  return null;
}

/** Runtime packages for the stage's installs: `-dev` mapped, toolchain dropped, others kept. */
function runtimePackages(
  a: Analysis,
  buildOnly: (p: string) => boolean = () => false,
): string[] | { skip: string } {
  const map = a.mgr === 'apk' ? ALPINE_RUNTIME : DEBIAN_RUNTIME;
  const out: string[] = [];
  for (const p of a.packages) {
    if (p in map) {
      if (map[p]) out.push(map[p]!);
      continue;
    }
    if (/-(dev|devel)$/.test(p)) return { skip: `no known runtime package for ${p}` };
    if (TOOLCHAIN.has(p) || p === 'git' || buildOnly(p)) continue;
    out.push(p);
  }
  return [...new Set(out)];
}

function installLine(a: Analysis, pkgs: string[]): string[] {
  if (pkgs.length === 0) return [];
  if (a.mgr === 'apk') return [`RUN apk add --no-cache ${pkgs.join(' ')}`];
  return [
    `RUN apt-get update && apt-get install -y --no-install-recommends ${pkgs.join(' ')} && rm -rf /var/lib/apt/lists/*`,
  ];
}

// ---------------------------------------------------------------------------------------------
// Ecosystems

/** `go build`/`go install` flags that take the next word as their value. */
const GO_VALUE_FLAGS = new Set([
  'o',
  'C',
  'p',
  'ldflags',
  'gcflags',
  'asmflags',
  'gccgoflags',
  'tags',
  'mod',
  'modfile',
  'overlay',
  'pkgdir',
  'buildmode',
  'compiler',
  'installsuffix',
  'pgo',
  'toolexec',
  'covermode',
  'coverpkg',
]);

/** The package arguments of `go build`/`go install` (flags and their values skipped). */
function goPackages(cmd: SimpleCommand): (string | null)[] {
  const out: (string | null)[] = [];
  for (let k = 1; k < cmd.args.length; k++) {
    const v = cmd.args[k]!.value;
    if (v === null) {
      out.push(null);
      continue;
    }
    if (v.startsWith('-')) {
      const name = v.replace(/^--?/, '');
      if (!name.includes('=') && GO_VALUE_FLAGS.has(name)) k++;
      continue;
    }
    out.push(v);
  }
  return out;
}

/** A `go build`/`go install` flag's value (`-o x`, `-o=x`, `--o x`), or undefined. */
function goFlag(a: Analysis, instr: Instruction, cmd: SimpleCommand, name: string) {
  for (let k = 1; k < cmd.args.length; k++) {
    const w = cmd.args[k]!;
    const v = w.value ?? '';
    if (v === `-${name}` || v === `--${name}`) {
      const n = cmd.args[k + 1];
      return n ? wordValue(a.model, n.raw, n.value, instr.index) : null;
    }
    const eq = new RegExp(`^--?${name}=(.*)$`).exec(v);
    if (eq) return eq[1]!;
  }
  return undefined;
}

/** The binary name `go install` gives a package path (`./cmd/api` -> api, `x.io/y/v2` -> y). */
function goBinaryName(pkg: string): string | null {
  const path = pkg.split('@')[0]!.replace(/\/+$/, '');
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.some((p) => p.includes('...')) || path === '..') return null;
  let name = parts[parts.length - 1]!;
  if (/^v\d+$/.test(name) && parts.length > 1 && !path.startsWith('.'))
    name = parts[parts.length - 2]!;
  return name === '..' ? null : name;
}

/**
 * The context file that a COPY of the stage before instruction `before` put at the absolute
 * image path `abs` (the latest such COPY wins), or null when none did or it cannot be told.
 */
function contextFileAt(a: Analysis, abs: string, before: number): string | null {
  const { model } = a;
  const bc = a.ctx.buildContext;
  if (!bc.available) return null;
  const ignore = loadIgnore(bc);
  const file = (p: string | null) =>
    p !== null && bc.exists(p) && !bc.isDirectory(p) && !ignore.ignores(p) ? p : null;
  const inside = (dir: string) =>
    under(abs, dir) && abs !== dir ? abs.slice(dir === '/' ? 1 : dir.length + 1) : null;
  for (let k = a.instrs.length - 1; k >= 0; k--) {
    const i = a.instrs[k]!;
    if (i.index >= before) continue;
    const spec = copySpec(model, i);
    if (!spec || spec.from || spec.heredoc) continue;
    const dest = resolveDest(model, spec);
    if (dest === null) return null;
    const dir = dest.endsWith('/') ? dest.replace(/\/+$/, '') || '/' : dest;
    const intoDir = dest.endsWith('/') || spec.sources.length > 1;
    for (const w of spec.sources) {
      const v = sourceValue(model, spec, w);
      if (v === null) return null;
      const src = cleanRelative(v);
      if (src === null) continue;
      let hit: string | null = null;
      if (src === '' || isWholeContext(v)) hit = file(inside(dir));
      else if (hasGlob(src)) {
        // A matched file lands in the destination by its name, a matched folder's contents
        // land there by their path inside it.
        const re = globToRegExp(src);
        for (const m of matchSource(bc, src) ?? []) {
          const root = globRoot(re, m);
          if (root === null) continue;
          const rest = root === m ? m.slice(m.lastIndexOf('/') + 1) : m.slice(root.length + 1);
          if (normalizePosix(`${dir}/${rest}`) === abs) hit = file(m);
        }
      } else if (bc.isDirectory(src)) {
        const rel = inside(dir);
        hit = rel === null ? null : file(`${src}/${rel}`);
      } else {
        const target = intoDir ? `${dir}/${src.split('/').pop()}` : dir;
        if (normalizePosix(target) === abs) hit = file(src);
      }
      if (hit !== null) return hit;
    }
  }
  return null;
}

/**
 * The module path of the Go module whose root is the folder `cmd` runs in: from a `go mod init
 * NAME` run there earlier in the stage, else from the `module` line of the go.mod a COPY put
 * there.
 */
function goModulePath(
  a: Analysis,
  instr: Instruction,
  cmd: SimpleCommand,
): { path: string } | { why: string } {
  const { model } = a;
  const wd = model.workdirAt(instr.index);
  if (!wd) return { why: 'the WORKDIR is not known' };
  let init: string | null | undefined;
  for (const i of a.instrs) {
    if (i.index > instr.index) break;
    const cmds = commandsOf(i);
    if (cmds.some((c) => ['cd', 'pushd'].includes(cmdName(c) ?? ''))) continue;
    if (model.workdirAt(i.index) !== wd) continue;
    for (const c of cmds) {
      if (i === instr && c.span.start >= cmd.span.start) break;
      const v = argValues(c);
      if (cmdName(c) === 'go' && v[0] === 'mod' && v[1] === 'init') init = v[2] ?? null;
    }
  }
  if (init) return { path: init };
  if (init === null) return { why: '`go mod init` without a literal module path' };
  const ctxPath = contextFileAt(a, normalizePosix(`${wd}/go.mod`), instr.index);
  const text = ctxPath === null ? null : a.ctx.buildContext.readFile(ctxPath);
  if (text === null)
    return {
      why: `no \`go mod init NAME\` in the stage and no go.mod of the context copied to ${wd}`,
    };
  const m = /^\s*module\s+"?([^\s"/]+(?:\/[^\s"]+)*)"?\s*(?:\/\/.*)?$/m.exec(text);
  if (!m) return { why: `${ctxPath} has no module line` };
  return { path: m[1]! };
}

function planGo(a: Analysis): Outcome {
  if (/windowsservercore|nanoserver/.test(a.image.tag))
    return { skip: `no runtime base for ${a.stage.image} (Windows containers)` };
  const builds = findCommand(a, isGoBuild);
  const copies: Artifact[] = [];
  const start = startWords(a);
  let cgoOff = a.model.varsAt(a.buildAt).get('CGO_ENABLED') === '0';
  for (const { instr, cmd } of builds) {
    const at = instr.span.start;
    const assigned = new Map(
      cmd.assignments.map((w) => {
        const v = w.value ?? w.raw;
        return [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)] as const;
      }),
    );
    if (assigned.get('CGO_ENABLED') === '0') cgoOff = true;
    // undefined: not set; null: set to a value that is not known.
    const vars = a.model.varsAt(instr.index);
    const envOf = (k: string): string | null | undefined =>
      assigned.has(k) ? assigned.get(k)! : vars.has(k) ? (vars.get(k) ?? null) : undefined;
    const chdir = goFlag(a, instr, cmd, 'C');
    if (cmd.args[0]!.value === 'install') {
      // go install writes $GOBIN/<name>, else $GOPATH/bin/<name> (the golang image: /go/bin),
      // and $GOPATH/bin/<goos>_<goarch>/ when cross-compiling.
      if (
        envOf('GOARCH') !== undefined ||
        (envOf('GOOS') !== undefined && envOf('GOOS') !== 'linux')
      )
        return {
          skip: '`go install` with GOOS/GOARCH set: cross-compiled binaries land in a per-platform folder',
          at,
        };
      const gobin = envOf('GOBIN');
      const gopath = envOf('GOPATH');
      const bin =
        gobin !== undefined ? gobin : gopath !== undefined ? gopath && `${gopath}/bin` : '/go/bin';
      if (!bin || !bin.startsWith('/'))
        return { skip: '`go install`: GOBIN/GOPATH is not a known absolute path', at };
      // No package: the one in the current folder, like `.`.
      const pkgs = goPackages(cmd);
      const list = pkgs.length ? pkgs : ['.'];
      const names: (string | null)[] = [];
      let why = '';
      for (const p of list) {
        let n = p === null ? null : goBinaryName(p);
        if (p !== null && n === null && /^\.\/?$/.test(p)) {
          // The package at the module root is named after the module path.
          const mod = chdir === undefined ? goModulePath(a, instr, cmd) : null;
          if (mod && 'path' in mod) n = goBinaryName(mod.path);
          else why = mod ? `: ${mod.why}` : ': `-C` changes the folder';
        }
        names.push(n);
      }
      if (names.some((n) => n === null))
        return {
          skip: `\`${a.model.text.slice(cmd.span.start, cmd.span.end).replace(/\s*[\\`]\r?\n\s*/g, ' ')}\`: cannot tell the binary name (it comes from the module path${why})`,
          at,
        };
      for (const n of names as string[]) {
        const from = normalizePosix(`${bin}/${n}`);
        // /go/bin is on the golang image's PATH, so the binaries were commands: put them in
        // /usr/local/bin, on every runtime base's PATH (a path the start command names stays).
        const named = start?.words.includes(from);
        copies.push({ from, dir: false, ...(named ? {} : { to: '/usr/local/bin/' }) });
      }
      continue;
    }
    const out = goFlag(a, instr, cmd, 'o');
    if (out === undefined)
      return { skip: '`go build` without `-o`: cannot tell the binary path', at };
    if (out === null || out.endsWith('/'))
      return { skip: '`go build -o` output path is not a literal file name', at };
    if (chdir !== undefined && !out.startsWith('/'))
      return { skip: '`go build -C dir` with a relative `-o`: cannot tell the binary path', at };
    const abs = absolute(a.model, out, instr.index);
    if (!abs) return { skip: '`go build -o` is relative and the WORKDIR is not known', at };
    copies.push({ from: abs, dir: false });
  }
  const distrolessOk =
    !!start?.exec &&
    !a.instrs.some((i) => i.keyword === 'HEALTHCHECK') &&
    !a.instrs.slice(a.buildAt - a.stage.first + 1).some((i) => i.keyword === 'RUN') &&
    a.userRuns.length === 0;
  const rt = goRuntime(a, cgoOff, distrolessOk);
  const setup: string[] = [];
  const extra: Artifact[] = [];
  if (rt.startsWith('debian:') && !a.image.tag.includes('alpine'))
    extra.push({ from: '/etc/ssl/certs/ca-certificates.crt', dir: false });
  if (a.mgr) {
    const pkgs = runtimePackages(a);
    if (!Array.isArray(pkgs)) return pkgs;
    if (cgoOff && pkgs.length)
      return { skip: `CGO_ENABLED=0 runtime cannot install ${pkgs.join(', ')}` };
    setup.push(...installLine(a, pkgs));
  }
  return {
    eco: 'go',
    runtimeImage: rt,
    setup,
    env: [],
    copies: [...extra, ...copies],
    builderEdits: [],
    message: `the image ships the Go toolchain of ${a.stage.image} to run ${copies.map((c) => c.from).join(', ')}; build in a \`builder\` stage and copy the ${copies.length > 1 ? 'binaries' : 'binary'} into ${rt}${cgoOff ? ' (CGO_ENABLED=0: static binary)' : ' (same libc as the builder)'}.`,
    data: { runtimeImage: rt, artifacts: copies.map((c) => c.from), cgo: !cgoOff },
  };
}

interface NodePm {
  manifests: string[];
  install: string;
  name: 'npm' | 'yarn' | 'pnpm';
}

/** How the builder gets pnpm (`corepack enable`, `npm install -g pnpm@9`), as shell text. */
function pnpmSetup(a: Analysis, before: number): string | null {
  const parts: string[] = [];
  for (const i of a.instrs) {
    if (i.index >= before) break;
    for (const c of commandsOf(i)) {
      const n = cmdName(c);
      const v = argValues(c);
      const corepack =
        n === 'corepack' && ['enable', 'prepare', 'install', 'use'].includes(v[0] ?? '');
      const npmGlobal =
        n === 'npm' &&
        ['install', 'i', 'add'].includes(v[0] ?? '') &&
        v.some((x) => x === '-g' || x === '--global') &&
        v.some((x) => /^pnpm(@|$)/.test(x ?? ''));
      if (corepack || npmGlobal)
        parts.push(
          a.model.text
            .slice(c.span.start, c.span.end)
            .replace(/[\\`]\r?\n\s*/g, ' ')
            .replace(/\s+/g, ' '),
        );
    }
  }
  return parts.length ? parts.join(' && ') : null;
}

function nodePm(
  a: Analysis,
  dir: string,
  pkg: Record<string, unknown>,
  buildAt: number,
): NodePm | { skip: string } {
  const has = (f: string) => a.ctx.buildContext.exists(dir ? `${dir}/${f}` : f);
  const pkgPath = dir ? `${dir}/package.json` : 'package.json';
  // A production install from the root manifests alone cannot resolve workspace packages.
  if (pkg.workspaces !== undefined || has('pnpm-workspace.yaml'))
    return {
      skip: `${has('pnpm-workspace.yaml') ? 'pnpm-workspace.yaml' : `${pkgPath} \`workspaces\``}: a production install needs every workspace package, not only the root manifests`,
    };
  const npmrc = has('.npmrc') ? ['.npmrc'] : [];
  if (has('pnpm-lock.yaml')) {
    const setup = pnpmSetup(a, buildAt);
    if (!setup)
      return {
        skip: 'pnpm-lock.yaml, but no `corepack enable` or `npm install -g pnpm` in the stage: cannot tell how the runtime stage gets pnpm',
      };
    return {
      name: 'pnpm',
      manifests: ['package.json', 'pnpm-lock.yaml', ...npmrc],
      install: `RUN ${setup} && pnpm install --prod --frozen-lockfile`,
    };
  }
  if (has('yarn.lock')) {
    if (has('.yarnrc.yml'))
      return {
        skip: 'Yarn Berry (.yarnrc.yml): no production-install proposal (PnP and `yarn workspaces focus --production` need a plugin or a layout check)',
      };
    return {
      name: 'yarn',
      manifests: ['package.json', 'yarn.lock', ...(has('.yarnrc') ? ['.yarnrc'] : []), ...npmrc],
      install: 'RUN yarn install --production --frozen-lockfile && yarn cache clean',
    };
  }
  if (has('package-lock.json'))
    return {
      name: 'npm',
      manifests: ['package.json', 'package-lock.json', ...npmrc],
      install: 'RUN npm ci --omit=dev && npm cache clean --force',
    };
  return {
    name: 'npm',
    manifests: ['package.json', ...npmrc],
    install: 'RUN npm install --omit=dev && npm cache clean --force',
  };
}

/** The Next.js config's `output` setting: 'standalone', 'export', a skip, or null. */
function nextOutput(ctx: CheckContext, dir: string): string | { skip: string } | null {
  for (const f of ['next.config.js', 'next.config.mjs', 'next.config.cjs', 'next.config.ts']) {
    const text = ctx.buildContext.readFile(dir ? `${dir}/${f}` : f);
    if (text === null) continue;
    const code = stripJsonComments(text);
    const m = /\boutput\s*:\s*(['"`])(\w+)\1/.exec(code);
    if (/\boutputFileTracingRoot\b/.test(code))
      return { skip: `${f} sets outputFileTracingRoot: cannot tell the standalone layout` };
    if (m) return m[2]!;
    if (/\boutput\s*:/.test(code)) return { skip: `${f} sets \`output\` from an expression` };
    return null;
  }
  return null;
}

/** Where scripts.build writes, relative to the package root. */
function nodeOutDir(
  ctx: CheckContext,
  dir: string,
  script: string,
): { out: string; next: boolean } | null {
  const p = (f: string) => (dir ? `${dir}/${f}` : f);
  const flag = /(?:--outDir|--out-dir|--output-path|--outdir)[= ]([^\s&;|]+)/.exec(script);
  if (/\bnext build\b/.test(script)) return { out: '.next', next: true };
  if (flag) return { out: flag[1]!.replace(/^\.\//, '').replace(/\/$/, ''), next: false };
  if (/\btsc\b/.test(script)) {
    const proj =
      /\btsc\b[^&;|]*?(?:-p|--project)[= ]([^\s&;|]+)/.exec(script)?.[1] ?? 'tsconfig.json';
    const cfg = readJson(ctx, p(proj.replace(/^\.\//, '')));
    const opts = cfg?.compilerOptions as Record<string, unknown> | undefined;
    const out = typeof opts?.outDir === 'string' ? opts.outDir : null;
    if (!out || cfg?.extends) return null;
    return { out: out.replace(/^\.\//, '').replace(/\/$/, ''), next: false };
  }
  if (/\bvite build\b/.test(script)) {
    for (const f of ['vite.config.js', 'vite.config.ts', 'vite.config.mjs'])
      if (/outDir/.test(ctx.buildContext.readFile(p(f)) ?? '')) return null;
    return { out: 'dist', next: false };
  }
  if (/\breact-scripts build\b/.test(script)) return { out: 'build', next: false };
  if (/\b(vue-cli-service build|nest build|tsup|parcel build)\b/.test(script))
    return { out: 'dist', next: false };
  return null;
}

function planNode(a: Analysis): Outcome {
  const { model, ctx } = a;
  const build = findCommand(a, isNodeBuild).pop()!;
  const at = build.instr.span.start;
  // The package root in the context: the folder of the COPY that brings package.json, or the
  // context root when the whole context is copied.
  let dir: string | null = null;
  let manifestCopy: { instr: Instruction; sources: string[] } | null = null;
  for (const i of a.instrs) {
    const spec = copySpec(model, i);
    if (!spec || spec.from || spec.heredoc || i.index > build.instr.index) continue;
    const srcs = spec.sources.map((s) => s.value ?? '');
    const pj = srcs.find((s) => /(^|\/)package(\*)?\.json$/.test(s));
    if (pj !== undefined && dir === null) {
      dir = pj.includes('/') ? pj.slice(0, pj.lastIndexOf('/')).replace(/^\.\//, '') : '';
      if (
        srcs.every((s) =>
          /(^|\/)(package(\*|-lock)?\.json|yarn\.lock|pnpm-lock\.yaml|\.npmrc|\.yarnrc)$/.test(s),
        )
      )
        manifestCopy = { instr: i, sources: srcs };
    }
    if (dir === null && srcs.length === 1 && isWholeContext(srcs[0]!)) dir = '';
  }
  if (dir === null) return { skip: 'cannot tell which package.json the build uses', at };
  const pkgPath = dir ? `${dir}/package.json` : 'package.json';
  const pkg = readJson(ctx, pkgPath);
  if (!pkg) return { skip: `${pkgPath} is not in the build context`, at };
  const scripts = (pkg.scripts ?? {}) as Record<string, string>;
  const script = scripts.build;
  if (typeof script !== 'string') return { skip: `${pkgPath} has no scripts.build`, at };
  const outDir = nodeOutDir(ctx, dir, script);
  if (!outDir) return { skip: `cannot tell where \`${script}\` writes its output`, at };
  const wd = model.workdirAt(build.instr.index);
  if (!wd || wd === '/') return { skip: 'the build runs without a WORKDIR', at };
  // The start command must run from the build output.
  const start = startWords(a)!;
  const startAt = a.model.instructions[start.at]!.span.start;
  let words = start.words;
  const runsScript = /^(npm|yarn|pnpm)$/.test(words[0] ?? '')
    ? words.find((w, k) => k > 0 && w !== 'run' && !w.startsWith('-'))
    : null;
  if (runsScript) {
    const s = scripts[runsScript];
    if (typeof s !== 'string') return { skip: `scripts.${runsScript} is missing`, at: startAt };
    words = s.split(/\s+/);
  }
  const outAbs = normalizePosix(`${wd}/${outDir.out}`);
  const runsNext = words.includes('next') && words.includes('start');
  const output = outDir.next ? nextOutput(ctx, dir) : null;
  if (output !== null && typeof output !== 'string') return { ...output, at };
  // System packages: kept in the runtime stage, except what node-gyp builds native modules
  // with (compilers, python3). The runtime's own production install would need those too, so
  // with them only the standalone output (no install there) is proposed.
  const nodeGyp = (p: string) => /^(python3?|py3-pip|py3-setuptools)$/.test(p);
  const pkgs = runtimePackages(a, nodeGyp);
  if (!Array.isArray(pkgs)) return { ...pkgs, at };
  const setup = installLine(a, pkgs);
  if (output === 'standalone')
    return planNextStandalone(a, dir, wd, words, runsNext, startAt, setup);
  const gyp = a.packages.filter((p) => isToolchain(p) || nodeGyp(p));
  if (gyp.length)
    return {
      skip: `the stage installs ${gyp.join(', ')} to build native modules: the runtime stage's production install would need them too`,
      at,
    };
  if (output === 'export')
    return { skip: "Next.js static export (`output: 'export'`): serve out/ with a web server", at };
  const files = words.filter(
    (w) => /\.(m|c)?[jt]sx?$/.test(w) || w.includes('/') || w === outDir.out,
  );
  if (
    outDir.next
      ? !runsNext
      : files.length === 0 ||
        files.some((f) => !under(normalizePosix(f.startsWith('/') ? f : `${wd}/${f}`), outAbs))
  )
    return {
      skip: `the start command (${words.join(' ')}) does not run from the build output ${outDir.out}/`,
      at: startAt,
    };
  const pm = nodePm(a, dir, pkg, build.instr.index);
  if ('skip' in pm) return { ...pm, at };
  // next start writes its cache to .next/cache: owned by `node` (see planNextStandalone).
  const copies: Artifact[] = [
    { from: outAbs, dir: true, ...(outDir.next ? { chown: 'node:node' } : {}) },
  ];
  if (outDir.next) {
    const p = (f: string) => (dir ? `${dir}/${f}` : f);
    if (ctx.buildContext.isDirectory(p('public'))) copies.push({ from: `${wd}/public`, dir: true });
    for (const f of ['next.config.js', 'next.config.mjs', 'next.config.cjs', 'next.config.ts'])
      if (ctx.buildContext.exists(p(f))) copies.push({ from: `${wd}/${f}`, dir: false });
  }
  // The author's manifest COPY when it brings every manifest the install reads.
  const covers = (m: string) =>
    manifestCopy!.sources.some((s) =>
      globToRegExp(s.replace(/^\.\//, '')).test(dir ? `${dir}/${m}` : m),
    );
  const manifests =
    manifestCopy && pm.manifests.every(covers)
      ? manifestText(model, manifestCopy.instr)
      : [`COPY ${pm.manifests.map((m) => (dir ? `${dir}/${m}` : m)).join(' ')} ./`];
  return {
    eco: 'node',
    runtimeImage: slimOf(a, 'node'),
    setup,
    deps: [...manifests, pm.install],
    env: [],
    copies,
    builderEdits: [],
    message: `the image keeps devDependencies and the sources next to the ${outDir.out}/ build output; build in a \`builder\` stage and run ${outDir.out}/ on ${slimOf(a, 'node')} with production dependencies only.`,
    data: { runtimeImage: slimOf(a, 'node'), output: outAbs, packageManager: pm.name },
  };
}

/**
 * Next.js `output: 'standalone'`: `next build` writes a self-contained server with the
 * node_modules it traced to .next/standalone; the runtime stage needs that, .next/static and
 * public/ (the layout of Next.js's own Docker example), and no package install.
 */
function planNextStandalone(
  a: Analysis,
  dir: string,
  wd: string,
  words: string[],
  runsNext: boolean,
  startAt: number,
  setup: string[],
): Outcome {
  const { ctx } = a;
  if (lastCmdInstr(a.instrs, 'ENTRYPOINT'))
    return {
      skip: 'Next.js standalone output with an ENTRYPOINT: the start command becomes `node server.js`; change it by hand',
      at: startAt,
    };
  const env: string[] = [];
  let host = '0.0.0.0';
  const serverJs = words.some((w) => /(^|\/)\.next\/standalone\/server\.js$/.test(w));
  if (runsNext) {
    const rest = words.slice(words.indexOf('start') + 1);
    for (let k = 0; k < rest.length; k++) {
      const w = rest[k]!;
      const eq = /^(--port|-p|--hostname|-H)=(.+)$/.exec(w);
      const [flag, value] = eq ? [eq[1]!, eq[2]!] : [w, rest[++k]];
      if (!value || !/^(--port|-p|--hostname|-H)$/.test(flag))
        return {
          skip: `the start command (${words.join(' ')}) passes options the standalone server.js does not take`,
          at: startAt,
        };
      if (flag === '-p' || flag === '--port') env.push(`ENV PORT=${value}`);
      else host = value;
    }
  } else if (!serverJs)
    return {
      skip: `the start command (${words.join(' ')}) does not run \`next start\` or the standalone server.js`,
      at: startAt,
    };
  // server.js listens on $HOSTNAME, which Docker sets to the container id: listen everywhere.
  env.unshift(`ENV HOSTNAME="${host}"`);
  // Owned by the image's `node` user (as in Next.js's Docker example): the server writes its
  // cache to .next/cache, which a root-owned copy would refuse to a non-root user.
  const copies: Artifact[] = [
    { from: `${wd}/.next/standalone`, dir: true, to: `${wd}/`, chown: 'node:node' },
    { from: `${wd}/.next/static`, dir: true, to: `${wd}/.next/static`, chown: 'node:node' },
  ];
  if (ctx.buildContext.isDirectory(dir ? `${dir}/public` : 'public'))
    copies.push({ from: `${wd}/public`, dir: true, to: `${wd}/public` });
  const rt = slimOf(a, 'node');
  return {
    eco: 'node',
    runtimeImage: rt,
    setup,
    env,
    copies,
    cmd: 'CMD ["node", "server.js"]',
    builderEdits: [],
    message: `the image keeps node_modules, devDependencies and the sources although \`output: 'standalone'\` makes next build write a self-contained server; build in a \`builder\` stage and run .next/standalone on ${rt} with \`node server.js\` (no install in the runtime stage).`,
    noteExtra:
      'The CMD becomes `node server.js` (HOSTNAME/PORT set by ENV); files the server reads outside .next/standalone, .next/static and public/ must be copied too.',
    data: { runtimeImage: rt, output: `${wd}/.next/standalone`, standalone: true },
  };
}

/** The manifest COPY as the author wrote it, without a --chown that may name a builder user. */
function manifestText(model: DockerfileModel, instr: Instruction): string[] {
  let text = model.text.slice(instr.span.start, instr.span.end);
  for (const f of [...instr.flags].reverse())
    if (f.name === 'chown' && !/^node(:|$)/.test(f.value ?? '')) {
      const from = f.span.start - instr.span.start;
      const rest = text.slice(f.span.end - instr.span.start);
      text = text.slice(0, from) + rest.replace(/^[ \t]+/, '');
    }
  return text.split(/\r?\n/);
}

function planPython(a: Analysis): Outcome {
  const { model } = a;
  const pips = findCommand(a, isPipInstall);
  const first = pips[0]!;
  const at = first.instr.span.start;
  for (const { cmd } of pips)
    if (
      argValues(cmd).some((v) =>
        ['--user', '--target', '-t', '--prefix', '--root'].includes(v ?? ''),
      )
    )
      return {
        skip: '`pip install` with --user/--target/--prefix: cannot tell where packages land',
        at,
      };
  const built = a.sourceBuilt;
  const unknown = (built ?? []).filter((b) => b.runtime === null).map((b) => b.name);
  if (unknown.length)
    return {
      skip: `${andList(unknown)} ${unknown.length > 1 ? 'compile' : 'compiles'} against the headers ${a.stage.image} ships: the runtime libraries ${slimOf(a, 'python')} would need are not known`,
      at,
    };
  const wd = model.workdirAt(a.buildAt);
  if (!wd || wd === '/')
    return { skip: 'the app has no WORKDIR to copy into the runtime stage', at };
  const stagePkgs = runtimePackages(a);
  if (!Array.isArray(stagePkgs)) return { ...stagePkgs, at };
  const pkgs = [...new Set([...stagePkgs, ...(built ?? []).flatMap((b) => b.runtime ?? [])])];
  // An existing venv is reused: `python -m venv X` in the stage.
  let venv: string | null = null;
  for (const i of a.instrs) {
    for (const c of commandsOf(i)) {
      const v = argValues(c);
      const n = cmdName(c) ?? '';
      if (
        /^python[0-9.]*$/.test(n) &&
        v[0] === '-m' &&
        (v[1] === 'venv' || v[1] === 'virtualenv') &&
        v[2]
      )
        venv = absolute(model, v[2], i.index);
      if (n === 'virtualenv' && v[0]) venv = absolute(model, v[0], i.index);
    }
  }
  const builderEdits: Edit[] = [];
  const env: string[] = [];
  if (venv === null) {
    // /opt/venv is created as root: a USER set before the install could not write to it.
    const user = [...a.instrs]
      .reverse()
      .find((i) => i.keyword === 'USER' && i.index < first.instr.index);
    const who = user
      ? wordValue(model, user.args[0]?.raw ?? '', user.args[0]?.value ?? null, user.index)
      : null;
    if (user && !/^(root|0)(:.*)?$/.test(who ?? ''))
      return {
        skip: `pip install runs as USER ${user.args[0]?.raw ?? ''}: a venv in /opt/venv would not be writable`,
        at,
      };
    venv = '/opt/venv';
    // Created before the sources are copied: the venv layer does not depend on them, and the
    // install keeps following its COPY directly (dependency-cache reorders it after that).
    const anchor =
      a.instrs.find((i) => {
        if (i.index >= first.instr.index) return i === first.instr;
        const spec = copySpec(model, i);
        return !!spec && !spec.from;
      }) ?? first.instr;
    builderEdits.push(
      insertLinesBefore(model, anchor, [
        'RUN python -m venv /opt/venv',
        'ENV PATH="/opt/venv/bin:$PATH"',
      ]),
    );
    env.push('ENV PATH="/opt/venv/bin:$PATH"');
  }
  const copies: Artifact[] = under(venv, wd) ? [] : [{ from: venv, dir: true }];
  // The app's files come from the builder only when they were copied before the last pip
  // install (later COPYs move to the runtime stage and read the context directly).
  const lastPip = pips[pips.length - 1]!.instr.index;
  const sourceBefore = a.instrs.some((i) => {
    const spec = copySpec(model, i);
    if (!spec || spec.from || i.index > lastPip) return false;
    return spec.sources.some(
      (w) =>
        !/(^|\/)(requirements[^/]*\.(txt|in)|requirements\/?|constraints[^/]*\.txt|pyproject\.toml|setup\.(py|cfg)|poetry\.lock|Pipfile(\.lock)?)$/.test(
          w.value ?? '',
        ),
    );
  });
  if (sourceBefore) copies.push({ from: wd, dir: true });
  const rt = slimOf(a, 'python');
  return {
    eco: 'python',
    runtimeImage: rt,
    setup: installLine(a, pkgs),
    env,
    copies,
    builderEdits,
    message: built
      ? `${a.stage.image} ships gcc and -dev headers that the image keeps only to build ${andList(built.map((b) => b.name))} from source; install into a venv in a \`builder\` stage and copy it into ${rt}${pkgs.length ? ` with ${pkgs.join(', ')}` : ''}.`
      : `compilers and headers (${a.packages.filter(isToolchain).join(', ')}) stay in the image only to build wheels; install into a venv in a \`builder\` stage and copy it into ${rt}${pkgs.length ? ` with ${pkgs.join(', ')}` : ''}.`,
    data: {
      runtimeImage: rt,
      venv,
      runtimePackages: pkgs,
      ...(built ? { sourceBuilt: built.map((b) => b.name) } : {}),
    },
  };
}

function planJava(a: Analysis): Outcome {
  const { model } = a;
  const at = model.instructions[a.buildAt]!.span.start;
  const rt = javaRuntime(a);
  if (!rt) return { skip: `cannot tell the Java version of ${a.stage.image}`, at };
  const start = startWords(a)!;
  if (start.words.some((w) => /^(mvn|\.\/mvnw|gradle|\.\/gradlew)$/.test(w)))
    return { skip: 'the container runs the build tool itself', at };
  // The jar the start command runs (`-jar x.jar`, else any *.jar word; a glob such as
  // build/libs/*.jar is copied as a glob). Without one, what runs is not known (a script, a
  // classpath of classes, ...).
  const k = start.words.indexOf('-jar');
  const jar =
    (k >= 0 && start.words[k + 1]?.endsWith('.jar') ? start.words[k + 1] : undefined) ??
    start.words.find((w) => w.endsWith('.jar'));
  if (!jar)
    return {
      skip: `the start command (${start.words.join(' ')}) names no jar: cannot tell which artifact runs`,
      at,
    };
  const abs = absolute(model, jar, start.at);
  if (!abs) return { skip: 'the jar path is relative and the WORKDIR is not known', at };
  return {
    eco: 'java',
    runtimeImage: rt,
    setup: [],
    env: [],
    copies: [{ from: abs, dir: false }],
    builderEdits: [],
    message: `the image ships a JDK and the build tool (${a.stage.image}) to run ${jar}; build in a \`builder\` stage and run the jar on the ${rt} JRE.`,
    // maven and gradle images are built on Eclipse Temurin unless their tag names a vendor.
    noteExtra: /openjdk|corretto|sapmachine|graal|ibm|semeru|zulu|liberica|microsoft/.test(
      a.stage.image,
    )
      ? 'The JRE is Eclipse Temurin: verify the vendor change is fine.'
      : undefined,
    data: { runtimeImage: rt, artifact: abs },
  };
}

function planC(a: Analysis): Outcome {
  const { model } = a;
  const at = model.instructions[a.buildAt]!.span.start;
  const rt = cRuntime(a);
  if (!rt) return { skip: `cannot tell a slim runtime base for ${a.stage.image}`, at };
  const copies: Artifact[] = [];
  for (const { instr, cmd } of findCommand(a, isCCompile)) {
    const k = cmd.args.findIndex((w) => w.value === '-o');
    const w = k >= 0 ? cmd.args[k + 1] : cmd.args.find((x) => /^-o./.test(x.value ?? ''));
    const raw = w ? (k >= 0 ? w.value : w.value!.slice(2)) : null;
    if (!raw || raw.endsWith('.o')) continue;
    const abs = absolute(model, raw, instr.index);
    if (!abs) return { skip: 'the compiler output is relative and the WORKDIR is not known', at };
    copies.push({ from: abs, dir: false });
  }
  if (copies.length === 0) {
    const start = startWords(a);
    const prog = start?.words[0];
    if (!prog || !prog.includes('/'))
      return {
        skip: 'cannot tell which binary the build produces (no `-o`, CMD names no path)',
        at,
      };
    const abs = absolute(model, prog, start!.at);
    if (!abs) return { skip: 'the binary path is relative and the WORKDIR is not known', at };
    copies.push({ from: abs, dir: false });
  }
  const pkgs = runtimePackages(a);
  if (!Array.isArray(pkgs)) return { ...pkgs, at };
  return {
    eco: 'c',
    runtimeImage: rt,
    setup: installLine(a, pkgs),
    env: [],
    copies,
    builderEdits: [],
    noteExtra:
      a.image.repo === 'gcc'
        ? 'The gcc image builds its compiler into /usr/local: a C++ binary needs that libstdc++ (/usr/local/lib64) or `-static-libstdc++`.'
        : undefined,
    message: `the compiler and headers (${a.packages.filter(isToolchain).join(', ') || a.stage.image}) ship with ${copies.map((c) => c.from).join(', ')}; build in a \`builder\` stage and copy the ${copies.length > 1 ? 'binaries' : 'binary'} into ${rt}${pkgs.length ? ` with ${pkgs.join(', ')}` : ''}.`,
    data: { runtimeImage: rt, artifacts: copies.map((c) => c.from), runtimePackages: pkgs },
  };
}

/** A `dotnet publish` option's value (`-o x`, `-o:x`, `--output=x`), or undefined. */
function dotnetOption(
  a: Analysis,
  instr: Instruction,
  cmd: SimpleCommand,
  names: string[],
): string | null | undefined {
  for (let k = 1; k < cmd.args.length; k++) {
    const v = cmd.args[k]!.value ?? '';
    if (names.includes(v)) {
      const n = cmd.args[k + 1];
      return n ? wordValue(a.model, n.raw, n.value, instr.index) : null;
    }
    for (const name of names)
      if (v.startsWith(`${name}=`) || v.startsWith(`${name}:`)) return v.slice(name.length + 1);
  }
  return undefined;
}

function planDotnet(a: Analysis): Outcome {
  const { model, ctx } = a;
  const { instr, cmd } = findCommand(a, isDotnetPublish).pop()!;
  const at = instr.span.start;
  const out = dotnetOption(a, instr, cmd, ['-o', '--output']);
  if (out === undefined)
    return {
      skip: '`dotnet publish` without `-o`: the output folder depends on the target framework',
      at,
    };
  if (out === null) return { skip: '`dotnet publish -o` is not a literal path', at };
  const outAbs = absolute(model, out.replace(/\/+$/, ''), instr.index);
  if (!outAbs) return { skip: '`dotnet publish -o` is relative and the WORKDIR is not known', at };
  // The start command must run from the publish output.
  const start = startWords(a)!;
  const startAt = model.instructions[start.at]!.span.start;
  const [prog, target] = start.words;
  const runs = prog === 'dotnet' ? target : prog;
  if (!runs || (prog === 'dotnet' && !/\.dll$/.test(runs)))
    return {
      skip: `the start command (${start.words.join(' ')}) does not run a published .dll or app host`,
      at: startAt,
    };
  const runsAbs = absolute(model, runs, start.at);
  if (!runsAbs || !under(runsAbs, outAbs))
    return {
      skip: `the start command runs ${runs}, which is not in the publish output ${out}`,
      at: startAt,
    };
  // Self-contained apps need only the native dependencies (runtime-deps); ASP.NET Core apps
  // need the aspnet image; others the runtime image. Without a project file, aspnet (a superset).
  const values = argValues(cmd);
  const selfContained =
    values.some((v, k) => v === '--self-contained' && values[k + 1] !== 'false') ||
    values.some(
      (v) =>
        /^--self-contained(=|:)?true$/i.test(v ?? '') ||
        /^-p:SelfContained=true$/i.test(v ?? '') ||
        v === '--sc',
    );
  let kind = 'aspnet';
  if (selfContained) kind = 'runtime-deps';
  else {
    const projects = ctx.buildContext.available
      ? ctx.buildContext
          .walk({
            descend: (d) => !/(^|\/)(bin|obj|node_modules|\.git)$/.test(d.path),
            limit: 20000,
          })
          .filter((e) => !e.isDirectory && /\.(cs|fs|vb)proj$/.test(e.path))
      : [];
    const texts = projects.map((p) => ctx.buildContext.readFile(p.path) ?? '');
    if (
      texts.length > 0 &&
      texts.every(
        (t) =>
          /<Project\s+Sdk="Microsoft\.NET\.Sdk(\.Worker)?"/.test(t) &&
          !/Microsoft\.AspNetCore\.App/.test(t),
      )
    )
      kind = 'runtime';
  }
  // sdk:8.0.204-alpine3.19 -> aspnet:8.0-alpine3.19 (runtime images are tagged by major.minor).
  const tag = a.image.tag;
  const m = /^(\d+\.\d+)(?:\.\d+)?(.*)$/.exec(tag);
  if (!m) return { skip: `cannot tell the .NET version of ${a.stage.image}`, at };
  const rt = `mcr.microsoft.com/dotnet/${kind}:${m[1]}${m[2]}`;
  return {
    eco: 'dotnet',
    runtimeImage: rt,
    setup: [],
    env: [],
    copies: [{ from: outAbs, dir: true }],
    builderEdits: [],
    message: `the image ships the .NET SDK (${a.stage.image}) and the sources to run the publish output ${out}; publish in a \`builder\` stage and run it on ${rt}.`,
    noteExtra:
      kind === 'aspnet'
        ? undefined
        : kind === 'runtime'
          ? 'No project references ASP.NET Core, so the runtime image has none: check no package needs it.'
          : 'Self-contained publish: runtime-deps has no .NET runtime, only its native dependencies.',
    data: { runtimeImage: rt, output: outAbs },
  };
}

// ---------------------------------------------------------------------------------------------
// Rust

type RustBase =
  | { image: string; family: 'debian' | 'alpine'; release: string; floating: boolean }
  | { skip: string };

/**
 * The runtime base of the same distro family and release as a `rust:<tag>` builder. A tag
 * without a distro follows the official image's default variant (`default_debian_variant` of
 * rust-lang/docker-rust's x.py, which generates docker-library's library/rust): buster up to
 * 1.54, bullseye from 1.55.0 to 1.71.0, bookworm from 1.71.1 (2023-08-03) to 1.88, trixie from
 * 2025-08-19. `rust:1.71` and `rust:1.89` were published on both releases (the default moved
 * while they were current) and are not guessed; floating tags (`latest`, `1`, `slim`, none)
 * are trixie today.
 */
export function rustRuntimeBase(tag: string): RustBase {
  const pin = (why: string): RustBase => ({
    skip: `cannot tell the distro of rust:${tag || 'latest'} (${why}): pin a distro tag such as rust:1.82-bookworm, -trixie or -alpine3.20`,
  });
  const alp = /(?:^|-)alpine(3\.\d+)?$/.exec(tag);
  if (alp)
    return {
      image: `alpine:${alp[1] ?? '3'}`,
      family: 'alpine',
      release: alp[1] ?? '3',
      floating: false,
    };
  const rel = debianRelease(tag);
  if (rel === 'buster')
    return {
      skip: `rust:${tag}: Debian buster is past its end of life (its packages left the Debian mirrors); move the builder to a bookworm or trixie tag`,
    };
  if (rel) return { image: `debian:${rel}-slim`, family: 'debian', release: rel, floating: false };
  if (/^(latest|slim|1|1-slim)?$/.test(tag))
    return { image: 'debian:trixie-slim', family: 'debian', release: 'trixie', floating: true };
  const m = /^1\.(\d+)(?:\.(\d+))?(?:-slim)?$/.exec(tag);
  if (!m) return pin('not a version tag of the official image');
  const minor = Number(m[1]);
  const patch = m[2] === undefined ? null : Number(m[2]);
  let release: string | null = null;
  if (minor >= 55 && (minor <= 70 || (minor === 71 && patch === 0))) release = 'bullseye';
  else if (minor >= 72 && minor <= 88) release = 'bookworm';
  else if (minor >= 90) release = 'trixie';
  if (release)
    return { image: `debian:${release}-slim`, family: 'debian', release, floating: false };
  if (minor < 55) return pin('before 1.55 the default was Debian buster or older');
  return pin(
    `the official image's default moved from ${minor === 71 ? 'bullseye to bookworm' : 'bookworm to trixie'} while 1.${minor} was current`,
  );
}

interface CargoToml {
  name: string | null;
  bins: { name: string; path: string | null }[];
  workspace: boolean;
  /** A workspace member (`x.workspace = true`, `workspace = "..."` in [package]). */
  member: boolean;
  autobins: boolean;
}

type TomlTable = Record<string, unknown>;
const tomlTable = (v: unknown): TomlTable | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as TomlTable) : null;
const tomlString = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Parsed TOML, or null when the text is not valid TOML. */
function readToml(text: string): TomlTable | null {
  try {
    return parseToml(text) as TomlTable;
  } catch {
    return null;
  }
}

/** The Cargo.toml keys the proposal needs; null when the file is not valid TOML. */
function parseCargoToml(text: string): CargoToml | null {
  const doc = readToml(text);
  if (!doc) return null;
  const pkg = tomlTable(doc.package);
  // `version.workspace = true`, `serde = { workspace = true }`: values inherited from a workspace.
  const inherits = (t: TomlTable | null) =>
    !!t && Object.values(t).some((v) => tomlTable(v)?.workspace === true);
  const depTables = (t: TomlTable | null) =>
    ['dependencies', 'dev-dependencies', 'build-dependencies'].map((k) => tomlTable(t?.[k]));
  const targets = Object.values(tomlTable(doc.target) ?? {}).map(tomlTable);
  const bins = Array.isArray(doc.bin) ? doc.bin.map(tomlTable) : [];
  return {
    name: tomlString(pkg?.name),
    bins: bins.map((b) => ({
      name: tomlString(b?.name) ?? '',
      path: tomlString(b?.path)?.replace(/^\.\//, '') ?? null,
    })),
    workspace: doc.workspace !== undefined,
    member:
      (pkg !== null && (tomlString(pkg.workspace) !== null || inherits(pkg))) ||
      [...depTables(doc), ...targets.flatMap(depTables)].some(inherits),
    autobins: pkg?.autobins !== false,
  };
}

/** Binary targets: [[bin]] entries and, unless autobins = false, src/main.rs and src/bin/. */
function cargoBins(a: Analysis, dir: string, toml: CargoToml): string[] | { why: string } {
  const bc = a.ctx.buildContext;
  const p = (f: string) => (dir ? `${dir}/${f}` : f);
  if (toml.bins.some((b) => !b.name)) return { why: 'a [[bin]] without a name' };
  const names = toml.bins.map((b) => b.name);
  const paths = new Set(toml.bins.map((b) => b.path));
  if (toml.autobins) {
    if (toml.name && bc.exists(p('src/main.rs')) && !paths.has('src/main.rs'))
      names.push(toml.name);
    for (const f of bc.list(p('src/bin'))) {
      const n = f.endsWith('.rs')
        ? f.slice(0, -3)
        : bc.exists(p(`src/bin/${f}/main.rs`))
          ? f
          : null;
      const file = f.endsWith('.rs') ? `src/bin/${f}` : `src/bin/${f}/main.rs`;
      if (n && !paths.has(file)) names.push(n);
    }
  }
  const unique = [...new Set(names)];
  if (unique.length === 0) return { why: 'it defines no binary (no [[bin]], no src/main.rs)' };
  return unique;
}

/** Cargo.lock: package name -> the names of its dependencies. */
function parseCargoLock(text: string): Map<string, string[]> | null {
  const doc = readToml(text);
  if (!doc) return null;
  const out = new Map<string, string[]>();
  for (const p of Array.isArray(doc.package) ? doc.package.map(tomlTable) : []) {
    const name = tomlString(p?.name);
    if (!name) continue;
    // "openssl-src 300.1.0+3.1.2" names a crate and (when the lock has several) its version
    const deps = Array.isArray(p?.dependencies) ? p.dependencies : [];
    const list = deps.flatMap((d) => tomlString(d)?.split(' ')[0] ?? []);
    out.set(name, [...(out.get(name) ?? []), ...list]);
  }
  return out;
}

/**
 * -sys crates that link a system library dynamically unless the crate named `bundled` is among
 * their dependencies (it builds the library from source, statically): runtime packages per
 * distro (the Debian name per release where it differs).
 */
const RUST_SYS_CRATES: {
  crate: string;
  bundled: string;
  debian: (release: string) => string;
  alpine: string;
}[] = [
  {
    crate: 'openssl-sys',
    bundled: 'openssl-src',
    debian: (r) => (r === 'bullseye' ? 'libssl1.1' : r === 'trixie' ? 'libssl3t64' : 'libssl3'),
    alpine: 'libssl3',
  },
  { crate: 'pq-sys', bundled: 'pq-src', debian: () => 'libpq5', alpine: 'libpq' },
  // libsqlite3-sys needs cc only for its `bundled` feature.
  { crate: 'libsqlite3-sys', bundled: 'cc', debian: () => 'libsqlite3-0', alpine: 'sqlite-libs' },
  {
    crate: 'mysqlclient-sys',
    bundled: 'mysqlclient-src',
    debian: () => 'libmariadb3',
    alpine: 'mariadb-connector-c',
  },
];

/** Crates that make TLS connections (their roots: the system CA bundle). */
const RUST_TLS_CRATES = ['rustls', 'native-tls', 'openssl', 'openssl-sys'];

/** System packages a Rust build needs and the binary does not (beyond TOOLCHAIN). */
const RUST_BUILD_ONLY =
  /^(protobuf-compiler|protobuf-dev|protoc|musl-tools|lld|mold|perl|nasm|clang(-\d+)?|llvm(-\d+)?(-dev)?|libclang(-\d+)?-dev|clang\d*-dev|[a-z0-9.+-]+-static)$/;

/** `cargo build`/`cargo install` options that take a value. */
const CARGO_VALUE_OPTIONS = new Set([
  '--profile',
  '--target',
  '--target-dir',
  '--bin',
  '--example',
  '-p',
  '--package',
  '--exclude',
  '--manifest-path',
  '--path',
  '--root',
  '--features',
  '-F',
  '-j',
  '--jobs',
  '--color',
  '--config',
  '-Z',
  '--git',
  '--branch',
  '--tag',
  '--rev',
  '--version',
  '--vers',
  '--index',
  '--registry',
  '--message-format',
  '--lockfile-path',
  '--artifact-dir',
  '--out-dir',
]);

interface CargoArgs {
  /** Option -> its values (null: not a literal); flags -> ['']. */
  opts: Map<string, (string | null)[]>;
  /** Positional arguments (crates of `cargo install`). */
  crates: (string | null)[];
}

function cargoArgs(a: Analysis, instr: Instruction, cmd: SimpleCommand): CargoArgs {
  const opts = new Map<string, (string | null)[]>();
  const crates: (string | null)[] = [];
  const add = (k: string, v: string | null) => opts.set(k, [...(opts.get(k) ?? []), v]);
  const value = (k: number) => {
    const w = cmd.args[k];
    return w ? wordValue(a.model, w.raw, w.value, instr.index) : null;
  };
  for (let k = 1; k < cmd.args.length; k++) {
    const v = value(k);
    if (v === null) {
      crates.push(null);
      continue;
    }
    const eq = /^(--[A-Za-z-]+)=(.*)$/.exec(v);
    if (eq) add(eq[1]!, eq[2]!);
    else if (CARGO_VALUE_OPTIONS.has(v)) add(v, value(++k));
    else if (v.startsWith('-')) add(v, '');
    else crates.push(v);
  }
  return { opts, crates };
}

/** The first value that is set (null, a value that is not known, counts as set). */
function firstSet(...values: (string | null | undefined)[]): string | null | undefined {
  return values.find((v) => v !== undefined);
}

function planRust(a: Analysis): Outcome {
  const { model } = a;
  const bc = a.ctx.buildContext;
  const at = model.instructions[a.buildAt]!.span.start;
  const base = rustRuntimeBase(a.image.tag);
  if ('skip' in base) return { skip: base.skip, at };
  const start = startWords(a)!;
  const startAt = model.instructions[start.at]!.span.start;
  const bins: { from: string; name: string; onPath: boolean; target?: boolean }[] = [];
  const tomls: string[] = [];
  const registry: string[] = [];
  for (const { instr, cmd } of findCommand(a, isCargo)) {
    const at = instr.span.start;
    const install = cmd.args[0]!.value === 'install';
    const sub = `\`cargo ${install ? 'install' : 'build'}\``;
    const { opts, crates } = cargoArgs(a, instr, cmd);
    const one = (k: string): string | null | undefined => {
      const vs = opts.get(k);
      return vs === undefined ? undefined : vs[vs.length - 1]!;
    };
    const assigned = new Map(
      cmd.assignments.map((w) => {
        const v = w.value ?? model.expand(w.raw, instr.index);
        const name = w.raw.slice(0, w.raw.indexOf('='));
        return [name, v === null ? null : v.slice(v.indexOf('=') + 1)] as const;
      }),
    );
    const vars = model.varsAt(instr.index);
    // undefined: not set; null: set to a value that is not known.
    const envOf = (k: string): string | null | undefined =>
      assigned.has(k) ? assigned.get(k)! : vars.has(k) ? (vars.get(k) ?? null) : undefined;
    for (const o of [
      '--manifest-path',
      '-p',
      '--package',
      '--workspace',
      '--all',
      '--example',
      '--examples',
      '--artifact-dir',
      '--out-dir',
    ])
      if (opts.has(o))
        return { skip: `${sub} with ${o}: cannot tell which binary it builds or where`, at };
    const config = (opts.get('--config') ?? []).find(
      (c) => c === null || /target-dir|build\.target|install\.root/.test(c),
    );
    if (config !== undefined)
      return {
        skip: `${sub} --config ${config ?? '(not a literal)'}: cannot tell the output path`,
        at,
      };
    // `cargo install NAME` (a registry or git crate) installs a tool, not the context's code.
    if (install && !opts.has('--path')) {
      registry.push(...crates.map((c) => c ?? '?'));
      continue;
    }
    let dir: string | null;
    if (install) {
      const p = one('--path');
      if (!p) return { skip: `${sub} --path is not a literal path`, at };
      dir = absolute(model, p.replace(/\/+$/, '') || '/', instr.index);
    } else dir = model.workdirAt(instr.index);
    if (!dir) return { skip: `${sub} runs in a folder that is not known (no WORKDIR)`, at };
    const tomlAbs = normalizePosix(`${dir}/Cargo.toml`);
    const ctxPath = contextFileAt(a, tomlAbs, instr.index);
    const text = ctxPath === null ? null : bc.readFile(ctxPath);
    if (ctxPath === null || text === null)
      return {
        skip: `no Cargo.toml of the context copied to ${dir}: cannot tell the binary name`,
        at,
      };
    const toml = parseCargoToml(text);
    if (!toml) return { skip: `${ctxPath} is not valid TOML`, at };
    if (toml.workspace)
      return {
        skip: `${ctxPath} is a workspace ([workspace]): cannot tell which member's binary the image runs`,
        at,
      };
    if (toml.member)
      return {
        skip: `${ctxPath} belongs to a workspace: the target folder is the workspace's`,
        at,
      };
    const ctxDir = ctxPath.includes('/') ? ctxPath.slice(0, ctxPath.lastIndexOf('/')) : '';
    for (const f of ['.cargo/config.toml', '.cargo/config']) {
      const cfg = bc.readFile(ctxDir ? `${ctxDir}/${f}` : f);
      if (cfg !== null && /^\s*(target-dir|target|root)\s*=|build\.target|install\.root/m.test(cfg))
        return {
          skip: `${f} sets the target, target-dir or install root: cannot tell the binary path`,
          at,
        };
    }
    const all = cargoBins(a, ctxDir, toml);
    if (!Array.isArray(all)) return { skip: `${ctxPath}: ${all.why}`, at };
    const chosen = opts.get('--bin') ?? [];
    if (chosen.some((b) => b === null)) return { skip: `${sub} --bin is not a literal name`, at };
    let names: string[];
    if (chosen.length) names = chosen as string[];
    else if (all.length > 1 && !opts.has('--bins'))
      return {
        skip: `${ctxPath} has ${all.length} binaries (${all.join(', ')}) and ${sub} names none with --bin: cannot tell which ones the image needs`,
        at,
      };
    else names = all;
    tomls.push(ctxDir);
    if (install) {
      // $CARGO_INSTALL_ROOT, else $CARGO_HOME (/usr/local/cargo in the rust image), + /bin.
      const root = firstSet(
        one('--root'),
        envOf('CARGO_INSTALL_ROOT'),
        envOf('CARGO_HOME'),
        '/usr/local/cargo',
      );
      const rootAbs = !root ? null : absolute(model, root, instr.index);
      if (!rootAbs)
        return {
          skip: `${sub}: the install root (--root, CARGO_INSTALL_ROOT, CARGO_HOME) is not a known path`,
          at,
        };
      const binDir = normalizePosix(`${rootAbs}/bin`);
      const path = envOf('PATH');
      const onPath = (path ?? RUST_IMAGE_PATH).split(':').includes(binDir);
      for (const n of names) bins.push({ from: `${binDir}/${n}`, name: n, onPath });
      continue;
    }
    // cargo build: <target dir>/[<triple>/]<profile dir>/<name>.
    const td = firstSet(
      one('--target-dir'),
      envOf('CARGO_TARGET_DIR'),
      envOf('CARGO_BUILD_TARGET_DIR'),
    );
    if (td === null || td === '')
      return {
        skip: `${sub}: the target dir (--target-dir, CARGO_TARGET_DIR) is not a known path`,
        at,
      };
    const tdAbs = absolute(model, td ?? 'target', instr.index);
    if (!tdAbs)
      return { skip: `${sub}: the target dir is relative and the WORKDIR is not known`, at };
    const targets = opts.get('--target') ?? [];
    if (targets.length > 1) return { skip: `${sub} for several --target triples`, at };
    const triple = targets.length ? targets[0]! : envOf('CARGO_BUILD_TARGET');
    if (triple === null) return { skip: `${sub}: the --target triple is not a literal`, at };
    const profile = opts.has('--release') || opts.has('-r') ? 'release' : one('--profile');
    if (profile === null) return { skip: `${sub} --profile is not a literal name`, at };
    const profileDir =
      profile === undefined || profile === 'dev' || profile === 'test'
        ? 'debug'
        : profile === 'bench'
          ? 'release'
          : profile;
    const out = normalizePosix(`${tdAbs}/${triple ? `${triple}/` : ''}${profileDir}`);
    for (const n of names) bins.push({ from: `${out}/${n}`, name: n, onPath: false, target: true });
  }
  if (bins.length === 0)
    return {
      skip: `\`cargo install\` of ${registry.join(', ') || 'a crate'} from a registry: the binary is not built from the context`,
      at,
    };
  // Each binary once (the dependency-caching build of a stub main.rs writes the same path).
  const unique = [...new Map(bins.map((b) => [b.from, b])).values()];
  // Binaries on the builder's PATH (cargo install) go to /usr/local/bin, on every runtime
  // PATH, unless the start command names their path (as for `go install`).
  const resolve = (w: string) => (w.includes('/') ? absolute(model, w, start.at) : null);
  const copies: Artifact[] = [];
  let runs = false;
  for (const b of unique) {
    const named = start.words.some((w) => resolve(w) === b.from);
    const bare = b.onPath && start.words.includes(b.name);
    if (named || bare) runs = true;
    copies.push({
      from: b.from,
      dir: false,
      ...(b.onPath && !named ? { to: '/usr/local/bin/' } : {}),
    });
  }
  if (!runs)
    return {
      skip: `the start command (${start.words.join(' ')}) does not run ${andList(unique.map((b) => b.from))}, which the build produces`,
      at: startAt,
    };
  // Runtime libraries: the stage's -dev packages mapped (toolchain dropped), and those of the
  // -sys crates Cargo.lock lists (the full rust image ships their headers without an install).
  const locks: Map<string, string[]>[] = [];
  for (const dir of new Set(tomls)) {
    const p = dir ? `${dir}/Cargo.lock` : 'Cargo.lock';
    const text = bc.readFile(p);
    if (text === null)
      return {
        skip: `no ${p} in the context: cannot tell which system libraries the binary links`,
        at,
      };
    const lock = parseCargoLock(text);
    if (!lock) return { skip: `${p} is not valid TOML`, at };
    locks.push(lock);
  }
  const has = (c: string) => locks.some((l) => l.has(c));
  const linked = RUST_SYS_CRATES.filter((s) =>
    locks.some((l) => l.has(s.crate) && !l.get(s.crate)!.includes(s.bundled)),
  );
  const mgr = base.family === 'alpine' ? 'apk' : 'apt';
  const stage = runtimePackages({
    ...a,
    packages: a.packages.filter((p) => !RUST_BUILD_ONLY.test(p)),
  });
  if (!Array.isArray(stage)) return { ...stage, at };
  const libssl = RUST_SYS_CRATES[0]!;
  const pkgs = [
    ...stage.map((p) =>
      p === 'libssl3' && base.family === 'debian' ? libssl.debian(base.release) : p,
    ),
    ...linked.map((s) => (base.family === 'alpine' ? s.alpine : s.debian(base.release))),
    ...(linked.includes(libssl) ? ['ca-certificates'] : []),
  ];
  const runtime = [...new Set(pkgs)].sort();
  // TLS without an installed ca-certificates: the builder's CA bundle, as for Go (debian-slim
  // has none; alpine ships ca-certificates-bundle).
  const extra: Artifact[] = [];
  if (base.family === 'debian' && RUST_TLS_CRATES.some(has) && !runtime.includes('ca-certificates'))
    extra.push({ from: '/etc/ssl/certs/ca-certificates.crt', dir: false });
  const rt = base.image;
  const paths = copies.map((c) => c.from);
  return {
    eco: 'rust',
    runtimeImage: rt,
    setup: installLine({ ...a, mgr }, runtime),
    env: [],
    copies: [...extra, ...copies],
    builderEdits: [],
    message: `the image ships the Rust toolchain of ${a.stage.image}${unique.some((b) => b.target) ? " and the build's target folder" : ''} to run ${paths.join(', ')}; build in a \`builder\` stage and copy the ${paths.length > 1 ? 'binaries' : 'binary'} into ${rt}${runtime.length ? ` with ${runtime.join(', ')}` : ''} (same libc as the builder).`,
    noteExtra: base.floating
      ? `${a.stage.image} follows the official image's default Debian release (trixie since August 2025): pin the builder to a -trixie tag so both stages stay on one release.`
      : undefined,
    data: { runtimeImage: rt, artifacts: paths, runtimePackages: runtime },
  };
}

/** PATH of the official rust images. */
const RUST_IMAGE_PATH =
  '/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

// ---------------------------------------------------------------------------------------------
// The proposal

function analyse(model: DockerfileModel, ctx: CheckContext, stage: Stage): Analysis | null {
  const instrs = stageInstrs(model, stage);
  const packages: string[] = [];
  let mgr: 'apt' | 'apk' | null = null;
  for (const i of instrs) {
    const cmds = commandsOf(i);
    let toolchainHere = false;
    for (const c of cmds) {
      const inst = installed(c);
      if (!inst) continue;
      mgr = inst.mgr;
      packages.push(...inst.pkgs);
      if (inst.pkgs.some(isToolchain)) toolchainHere = true;
    }
    // docker-library style: the toolchain is purged in the same RUN.
    if (toolchainHere && cmds.some(removesPackages)) return null;
  }
  return {
    model,
    ctx,
    stage,
    instrs,
    fromInstr: instrs[0]!,
    image: parseImage(stage.resolvedImage ?? stage.image),
    buildAt: -1,
    packages,
    mgr,
    user: [...instrs].reverse().find((i) => i.keyword === 'USER') ?? null,
    userRuns: [],
  };
}

const isCargo = (c: SimpleCommand) =>
  cmdName(c) === 'cargo' && ['build', 'install'].includes(c.args[0]?.value ?? '');
const isDotnetPublish = (c: SimpleCommand) =>
  cmdName(c) === 'dotnet' && c.args[0]?.value === 'publish';

/** The command that builds, per ecosystem, in detection order. */
const BUILDS: [Eco, (c: SimpleCommand) => boolean][] = [
  ['go', isGoBuild],
  ['rust', isCargo],
  ['dotnet', isDotnetPublish],
  ['java', (c) => isMaven(c) || isGradle(c)],
  ['node', isNodeBuild],
  ['python', isPipInstall],
  ['c', (c) => isCCompile(c) || isMake(c)],
];

function detect(a: Analysis): { eco: Eco; buildAt: number } | null {
  const last = (pred: (c: SimpleCommand) => boolean) => {
    const hits = findCommand(a, pred);
    return hits.length ? hits[hits.length - 1]!.instr.index : -1;
  };
  // The gcc and buildpack-deps images come with compilers and common headers.
  const toolchain =
    a.packages.some(isToolchain) || ['gcc', 'buildpack-deps'].includes(a.image.repo);
  for (const [eco, pred] of BUILDS) {
    // pip and make/cc build something worth splitting only with compilers or headers installed
    // (a full python:<tag> image ships them: then only for requirements known to compile).
    if ((eco === 'python' || eco === 'c') && !toolchain) {
      if (eco !== 'python' || !fullPythonImage(a)) continue;
      const at = last(pred);
      const built = at >= 0 ? sourceBuiltRequirements(a) : null;
      if (!built || built.length === 0) continue;
      a.sourceBuilt = built;
      return { eco, buildAt: at };
    }
    const at = last(pred);
    if (at >= 0) return { eco, buildAt: at };
  }
  return null;
}

/** `python:3.12`, `python:3.12-bookworm`: the Debian image with gcc and common -dev headers. */
function fullPythonImage(a: Analysis): boolean {
  return a.image.repo === 'python' && !/slim|alpine|windows|nanoserver/.test(a.image.tag);
}

/**
 * Requirements pip builds from source (no wheel on PyPI, or `--no-binary`), with the Debian
 * runtime libraries their extension modules link (null: not known).
 */
const SOURCE_BUILT: Record<string, { runtime: string[] | null; onlyNoBinary?: boolean }> = {
  psycopg2: { runtime: ['libpq5'] },
  mysqlclient: { runtime: ['libmariadb3'] },
  lxml: { runtime: ['libxml2', 'libxslt1.1'], onlyNoBinary: true },
  // uWSGI links whatever its build finds (libxml2, libyaml, pcre, libcap, ...).
  uwsgi: { runtime: null },
};

function andList(items: string[]): string {
  return items.length <= 1
    ? items.join('')
    : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function normalizePyName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/**
 * The SOURCE_BUILT requirements the stage's pip installs name (on the command line or in
 * requirements files, followed through `-r`), or null when a requirements file is not in the
 * context or not readable.
 */
function sourceBuiltRequirements(a: Analysis): { name: string; runtime: string[] | null }[] | null {
  const { model } = a;
  const bc = a.ctx.buildContext;
  const names = new Set<string>();
  const noBinary = new Set<string>();
  const addNoBinary = (v: string) => v.split(',').forEach((x) => noBinary.add(normalizePyName(x)));
  const addSpec = (spec: string) => {
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*($|[=<>!~;@ ])/.exec(spec.trim());
    if (m) names.add(normalizePyName(m[1]!));
  };
  const seen = new Set<string>();
  const readReq = (ctxPath: string, depth: number): boolean => {
    if (seen.has(ctxPath)) return true;
    seen.add(ctxPath);
    const text = bc.readFile(ctxPath);
    if (text === null || depth > 5) return false;
    const dir = ctxPath.includes('/') ? ctxPath.slice(0, ctxPath.lastIndexOf('/') + 1) : '';
    for (const raw of text.replace(/\\\r?\n/g, ' ').split(/\r?\n/)) {
      const line = raw.replace(/(^|\s)#.*$/, '').trim();
      if (!line) continue;
      const opt = /^(-r|--requirement|--no-binary)(?:\s*=\s*|\s+)(\S+)/.exec(line);
      if (opt) {
        if (opt[1] === '--no-binary') addNoBinary(opt[2]!);
        else if (!readReq(normalizePosix(`${dir}${opt[2]}`).replace(/^\//, ''), depth + 1))
          return false;
        continue;
      }
      if (line.startsWith('-')) continue;
      addSpec(line);
    }
    return true;
  };
  for (const { instr, cmd } of findCommand(a, isPipInstall)) {
    const words = cmd.args.map((w) => wordValue(model, w.raw, w.value, instr.index));
    const from = words.indexOf('install') + 1;
    for (let k = from; k < words.length; k++) {
      const w = words[k];
      if (w === null || w === undefined) continue;
      let file: string | null | undefined;
      if (w === '-r' || w === '--requirement') file = words[++k];
      else if (/^(-r|--requirement=)./.test(w)) file = w.replace(/^(-r|--requirement=)/, '');
      else if (w === '--no-binary') {
        const v = words[++k];
        if (v) addNoBinary(v);
        continue;
      } else if (w.startsWith('--no-binary=')) {
        addNoBinary(w.slice('--no-binary='.length));
        continue;
      } else if (PIP_VALUE_OPTIONS.has(w)) {
        k++;
        continue;
      } else if (w.startsWith('-')) continue;
      else {
        addSpec(w);
        continue;
      }
      if (!file) return null;
      const abs = absolute(model, file, instr.index);
      const ctxPath = abs === null ? null : contextFileAt(a, abs, instr.index);
      if (ctxPath === null || !readReq(ctxPath, 0)) return null;
    }
  }
  const out: { name: string; runtime: string[] | null }[] = [];
  for (const [name, info] of Object.entries(SOURCE_BUILT)) {
    if (!names.has(name)) continue;
    if (info.onlyNoBinary && !noBinary.has(name) && !noBinary.has(':all:')) continue;
    out.push({ name, runtime: info.runtime });
  }
  return out;
}

function buildPredicate(eco: Eco): (c: SimpleCommand) => boolean {
  return BUILDS.find(([e]) => e === eco)![1];
}

function pickName(model: DockerfileModel, options: string[]): string {
  const taken = new Set(model.stages.map((s) => s.name?.toLowerCase()).filter(Boolean));
  return options.find((o) => !taken.has(o)) ?? `${options[0]}-${model.stages.length}`;
}

/** Whole lines of [start, end) comments directly above an instruction (no blank line between). */
function attachedStart(model: DockerfileModel, instr: Instruction): number {
  let line = instr.line;
  const commentLines = new Set(model.comments.map((c) => c.line));
  while (line > 0 && commentLines.has(line - 1)) line--;
  return model.lineStarts[line]!;
}

function textOf(model: DockerfileModel, instr: Instruction): string[] {
  return instructionText(model, instr).split(/\r?\n/);
}

function commentsText(model: DockerfileModel, from: number, to: number): string[] {
  return model.comments
    .filter((c) => c.span.start >= from && c.span.start < to)
    .map((c) => model.text.slice(model.lineStarts[c.line]!, c.span.end));
}

/** Users a runtime base image has without creating them. */
function baseUsers(image: string): Set<string> {
  const { repo, tag } = parseImage(image);
  const users = ['root', 'nobody', 'daemon'];
  if (repo === 'node') users.push('node');
  if (repo.startsWith('gcr.io/distroless/')) users.push('nonroot');
  if (/^mcr\.microsoft\.com\/dotnet\//.test(repo) && Number(/^(\d+)\./.exec(tag)?.[1] ?? 0) >= 8)
    users.push('app');
  return new Set(users);
}

/**
 * The RUNs up to the build step that create users (useradd, adduser, ...): they are copied
 * into the runtime stage, so they must do nothing else.
 */
function analyseUsers(a: Analysis): { skip: string; at: number } | null {
  if (!a.user) return null;
  for (const i of a.instrs) {
    if (i.index > a.buildAt || i.index > a.user.index) break;
    const cmds = commandsOf(i);
    if (!cmds.some((c) => USER_COMMANDS.has(cmdName(c) ?? ''))) continue;
    if (cmds.some((c) => !HOUSEKEEPING.has(cmdName(c) ?? '')))
      return {
        skip: `the user is created in a RUN that also does other work (line ${i.line + 1}): it cannot be copied into the runtime stage alone`,
        at: i.span.start,
      };
    a.userRuns.push(i);
  }
  return null;
}

/** `to` for a COPY into the runtime stage: relative to WORKDIR when inside it. */
function relativeDest(to: string, workdir: string | null): string {
  const slash = to.endsWith('/');
  const abs = normalizePosix(to);
  if (!workdir || workdir === '/' || !under(abs, workdir)) return to;
  if (abs === workdir) return slash ? './' : '.';
  return `./${abs.slice(workdir.length + 1)}${slash ? '/' : ''}`;
}

/**
 * The lines of an ENV instruction for the runtime stage: variables that only configure the
 * build are left out (their names pushed to `dropped`); the original text when all are kept.
 */
function runtimeEnv(a: Analysis, eco: Eco, instr: Instruction, dropped: string[]): string[] {
  const { model } = a;
  const args = instr.args;
  if (args.length === 0) return textOf(model, instr);
  // Legacy `ENV NAME value with spaces`: one variable.
  const legacy = !/^[A-Za-z_][A-Za-z0-9_]*=/.test(args[0]!.raw);
  const pairs = legacy
    ? [
        {
          name: args[0]!.raw,
          value: model.expand(
            args
              .slice(1)
              .map((w) => w.raw)
              .join(' '),
            instr.index,
          ),
          raw: '',
        },
      ]
    : args.map((w) => {
        const v = w.value ?? model.expand(w.raw, instr.index);
        const name = w.raw.slice(0, w.raw.indexOf('='));
        return { name, value: v === null ? null : v.slice(v.indexOf('=') + 1), raw: w.raw };
      });
  const keep = pairs.filter((p) => !buildOnlyEnv(eco, p.name, p.value));
  if (keep.length === pairs.length) return textOf(model, instr);
  dropped.push(...pairs.filter((p) => !keep.includes(p)).map((p) => p.name));
  if (keep.length === 0) return [];
  return [`ENV ${keep.map((p) => p.raw).join(' ')}`];
}

function buildFix(a: Analysis, plan: Plan, builderName: string): Fix | Skipped {
  const { model } = a;
  const ruleId = `${ID}/${plan.eco}`;
  const runtimeName = pickName(model, ['runtime', 'final', 'app-runtime']);
  const instrs = a.instrs;
  const edits: Edit[] = [...plan.builderEdits];
  const from = a.fromInstr;
  if (!a.stage.name) {
    const last = from.args[from.args.length - 1]!;
    edits.push({ start: last.span.end, end: last.span.end, text: ` AS ${builderName}` });
  }
  // Instructions after the build step.
  const after = instrs.filter((i) => i.index > a.buildAt);
  const moved: Instruction[] = [];
  for (const i of after) {
    if (RUNTIME_ONLY.has(i.keyword)) moved.push(i);
    else if (i.keyword === 'COPY' || i.keyword === 'ADD') {
      const spec = copySpec(model, i);
      if (!spec || spec.from)
        return {
          ruleId,
          reason: `${i.keyword} --from after the build step`,
          at: i.span.start,
        };
      moved.push(i);
    } else if (i.keyword === 'RUN') {
      const cmds = commandsOf(i);
      if (
        !i.shell?.ok ||
        cmds.length === 0 ||
        cmds.some((c) => !HOUSEKEEPING.has(cmdName(c) ?? ''))
      )
        return {
          ruleId,
          reason: `RUN after the build step (line ${i.line + 1}) may need the toolchain in the runtime stage`,
          at: i.span.start,
        };
      moved.push(i);
    } else if (['ENV', 'LABEL', 'WORKDIR', 'ARG'].includes(i.keyword)) {
      /* copied below */
    } else
      return {
        ruleId,
        reason: `${i.keyword} after the build step`,
        at: i.span.start,
      };
  }
  // The USER: moved with the runtime-only tail, or (set before the build, still in effect)
  // copied; the RUNs before the build step that create users come along.
  const copied: Instruction[] = [];
  const userRuns = a.userRuns;
  const earlyUser = a.user && a.user.index <= a.buildAt ? a.user : null;
  if (a.user) {
    const w = a.user.args[0];
    const value = w ? wordValue(model, w.raw, w.value, a.user.index) : null;
    const name = value?.split(':')[0] ?? null;
    const creators = [...userRuns, ...moved.filter((m) => m.keyword === 'RUN')].filter((r) =>
      commandsOf(r).some(
        (c) => USER_COMMANDS.has(cmdName(c) ?? '') && argValues(c).includes(name ?? ''),
      ),
    );
    if (name === null)
      return {
        ruleId,
        reason: `USER ${w?.raw ?? ''}: the user is not known`,
        at: a.user.span.start,
      };
    if (!/^\d+$/.test(name) && creators.length === 0 && !baseUsers(plan.runtimeImage).has(name))
      return {
        ruleId,
        reason: `USER ${name} is not created in this stage: ${plan.runtimeImage} may not have it`,
        at: a.user.span.start,
      };
  }
  // useradd/groupadd do not exist on alpine (busybox has adduser/addgroup).
  const rtImage = parseImage(plan.runtimeImage);
  if ((rtImage.repo === 'alpine' || /alpine/.test(rtImage.tag)) && !/alpine/.test(a.image.tag)) {
    const r = [...userRuns, ...moved].find((i) =>
      commandsOf(i).some((c) => ['useradd', 'groupadd'].includes(cmdName(c) ?? '')),
    );
    if (r)
      return {
        ruleId,
        reason: `${plan.runtimeImage} has no useradd/groupadd (line ${r.line + 1}): create the user with adduser there`,
        at: r.span.start,
      };
  }
  // ENV and LABEL are carried; ENV variables that only configure the build stay behind.
  const copiedText = new Map<Instruction, string[]>();
  const buildOnly: string[] = [];
  for (const i of instrs) {
    if (i.keyword === 'ENV') {
      const lines = runtimeEnv(a, plan.eco, i, buildOnly);
      if (lines.length === 0) continue;
      copiedText.set(i, lines);
      copied.push(i);
    }
    if (i.keyword === 'LABEL') copied.push(i);
    if (i === earlyUser && !moved.includes(i)) copied.push(i);
  }
  const linesOf = (i: Instruction) => copiedText.get(i) ?? textOf(model, i);
  // Remove moved instructions: the tail after the last kept instruction goes as one block.
  const keptAll = instrs.filter((i) => !moved.includes(i));
  const lastKept = keptAll[keptAll.length - 1]!;
  const regionStart = instructionLines(model, lastKept).end;
  const lastInstr = instrs[instrs.length - 1]!;
  const regionEnd = moved.includes(lastInstr)
    ? instructionLines(model, lastInstr).end
    : regionStart;
  const movedLines: string[] = [];
  for (const m of moved) {
    if (m.index > lastKept.index) {
      const prev = model.instructions[m.index - 1]!;
      movedLines.push(...commentsText(model, prev.span.end, m.span.start));
    } else {
      const s = attachedStart(model, m);
      movedLines.push(...commentsText(model, s, m.span.start));
      edits.push({ start: s, end: instructionLines(model, m).end, text: '' });
    }
    movedLines.push(...(m.keyword === 'CMD' && plan.cmd ? [plan.cmd] : textOf(model, m)));
  }
  // ARGs used by what the runtime stage holds.
  const body = [
    ...copied.flatMap(linesOf),
    ...plan.env,
    ...(plan.deps ?? []),
    ...movedLines,
    ...userRuns.flatMap((i) => textOf(model, i)),
  ].join('\n');
  const argLines: string[] = [];
  const seen = new Set<string>();
  for (const i of instrs) {
    if (i.keyword !== 'ARG') continue;
    const name = /^([A-Za-z_][A-Za-z0-9_]*)/.exec(i.args[0]?.raw ?? '')?.[1];
    if (!name || seen.has(name)) continue;
    if (new RegExp(`\\$\\{?${name}\\b`).test(body)) {
      seen.add(name);
      argLines.push(...textOf(model, i));
    }
  }
  for (const g of model.instructions) {
    if (g.stage >= 0 || g.keyword !== 'ARG') continue;
    const name = /^([A-Za-z_][A-Za-z0-9_]*)/.exec(g.args[0]?.raw ?? '')?.[1];
    if (name && !seen.has(name) && new RegExp(`\\$\\{?${name}\\b`).test(body)) {
      seen.add(name);
      argLines.push(`ARG ${name}`);
    }
  }
  const wd = model.workdirAt(
    lastInstr.index + 1 <= a.stage.last ? lastInstr.index : lastInstr.index,
  );
  const finalWd = lastInstr.keyword === 'WORKDIR' ? null : wd;
  const lines: string[] = ['', `FROM ${plan.runtimeImage} AS ${runtimeName}`];
  lines.push(...argLines, ...plan.setup);
  lines.push(...copied.filter((i) => i.keyword !== 'USER').flatMap(linesOf), ...plan.env);
  const workdir = finalWd ?? model.workdirAt(a.buildAt);
  if (workdir) lines.push(`WORKDIR ${workdir}`);
  lines.push(...(plan.deps ?? []));
  for (const c of plan.copies) {
    const to =
      c.to !== undefined
        ? relativeDest(c.to, workdir)
        : c.from === workdir
          ? '.'
          : destFor(c.from, workdir, c.dir);
    lines.push(`COPY --from=${builderName}${c.chown ? ` --chown=${c.chown}` : ''} ${c.from} ${to}`);
  }
  lines.push(...userRuns.flatMap((i) => textOf(model, i)));
  if (earlyUser && copied.includes(earlyUser)) lines.push(...textOf(model, earlyUser));
  lines.push(...movedLines);
  // Indentation of the builder's FROM line.
  const indent = indentOf(model, from);
  const out = lines.map((l) => (l === '' ? '' : l.startsWith(indent) ? l : indent + l));
  const eol = model.eol;
  const noFinalEol = regionEnd === model.text.length && !/\n$/.test(model.text);
  let text: string;
  if (regionStart === model.text.length && !/\n$/.test(model.text))
    text = out.map((l) => eol + l).join('');
  else text = out.join(eol) + (noFinalEol ? '' : eol);
  edits.push({ start: regionStart, end: regionEnd, text });
  const health = moved.some((m) => m.keyword === 'HEALTHCHECK')
    ? `The HEALTHCHECK command must exist in ${plan.runtimeImage}.`
    : undefined;
  const envNote = buildOnly.length
    ? `Build settings stay in the builder: ENV ${buildOnly.join(', ')}.`
    : undefined;
  const note = [CHECK_NOTE[plan.eco], plan.noteExtra, health, envNote].filter(Boolean).join(' ');
  return {
    ruleId,
    message: plan.message,
    applicability: 'review',
    at: from.span.start,
    edits,
    note,
    data: {
      ...plan.data,
      builder: builderName,
      runtime: runtimeName,
      ...(buildOnly.length ? { builderOnlyEnv: buildOnly } : {}),
    },
    hadolint: [],
  };
}

function checkBuild(model: DockerfileModel, ctx: CheckContext): Finding[] {
  const stage = model.stages[model.stages.length - 1];
  if (!stage) return [];
  const a = analyse(model, ctx, stage);
  if (!a) return [];
  const found = detect(a);
  if (!found) return [];
  a.buildAt = found.buildAt;
  const buildInstr = model.instructions[found.buildAt]!;
  const at = buildInstr.span.start;
  const eco = found.eco;
  const ruleId = `${ID}/${eco}`;
  if (stage.fromStage !== null)
    return [
      { ruleId, reason: `the last stage builds FROM stage ${stage.image}: split it by hand`, at },
    ];
  if (stage.resolvedImage === null)
    return [{ ruleId, reason: `the base image ${stage.image} cannot be resolved`, at }];
  // What the runtime stage runs must be known: an image without CMD/ENTRYPOINT may be a
  // toolchain image on purpose (CI, `docker run image make test`).
  if (!startWords(a))
    return [{ ruleId, reason: 'no CMD/ENTRYPOINT: cannot tell what the runtime stage runs', at }];
  // A `cd` in a RUN that builds moves the output somewhere the paths below do not see (pip
  // installs into the environment, wherever it runs).
  if (eco !== 'python') {
    const pred = buildPredicate(eco);
    for (const i of a.instrs) {
      const cmds = commandsOf(i);
      if (cmds.some(pred) && cmds.some((c) => ['cd', 'pushd'].includes(cmdName(c) ?? '')))
        return [
          {
            ruleId,
            reason: `\`cd\` in the build RUN (line ${i.line + 1}): cannot tell where the build output lands`,
            at: i.span.start,
          },
        ];
    }
  }
  const users = analyseUsers(a);
  if (users) return [{ ruleId, reason: users.skip, at: users.at }];
  const repo = a.image.repo;
  const unknownBase = (what: string) => ({
    skip: `${what} on ${stage.image}: no known runtime base for this image`,
  });
  let outcome: Outcome;
  switch (eco) {
    case 'go':
      outcome = repo === 'golang' ? planGo(a) : unknownBase('a Go build');
      break;
    case 'node':
      outcome = repo === 'node' ? planNode(a) : unknownBase('a Node build');
      break;
    case 'python':
      outcome = repo === 'python' ? planPython(a) : unknownBase('pip install');
      break;
    case 'java':
      outcome = planJava(a);
      break;
    case 'c':
      outcome = planC(a);
      break;
    case 'dotnet':
      outcome = /^mcr\.microsoft\.com\/dotnet\/sdk$/.test(repo)
        ? planDotnet(a)
        : unknownBase('dotnet publish');
      break;
    case 'rust':
      outcome = repo === 'rust' ? planRust(a) : unknownBase('cargo build');
      break;
  }
  if (!outcome) return [];
  if (isSkip(outcome)) return [{ ruleId, reason: outcome.skip, at: outcome.at ?? at }];
  const builderName = stage.name ?? pickName(model, ['builder', 'build-stage']);
  return [buildFix(a, outcome, builderName)];
}

// ---------------------------------------------------------------------------------------------
// Non-root user

/**
 * Network daemons whose default port is below 1024: a non-root user cannot bind it unless the
 * stage configures a port of 1024 or more (EXPOSE, a *PORT ENV, a port flag). haproxy and envoy
 * have no built-in port; their configuration file usually binds 80/443.
 */
const LOW_PORT_DAEMONS: Record<string, string> = {
  coredns: 'port 53 (DNS)',
  dnsmasq: 'port 53 (DNS)',
  named: 'port 53 (DNS)',
  unbound: 'port 53 (DNS)',
  pomerium: 'port 443',
  caddy: 'ports 80 and 443',
  traefik: 'port 80',
  haproxy: 'the ports of its configuration file (usually 80/443)',
  envoy: 'the ports of its configuration file (usually 80/443)',
};

/**
 * Programs that need root whatever their port: they start as root and drop privileges
 * themselves, or write root-owned paths by default.
 */
const ROOT_PROGRAMS: Record<string, string> = {
  nginx:
    'nginx binds port 80 and writes its pid file and temp folders in root-owned paths (/run, /var/cache/nginx, /var/lib/nginx) by default',
  httpd: 'httpd starts as root to bind port 80 and then switches to its own user',
  apache2: 'apache2 starts as root to bind port 80 and then switches to www-data',
  apachectl: 'apachectl starts Apache as root to bind port 80; it then switches to its own user',
  apache2ctl: 'apache2ctl starts Apache as root to bind port 80; it then switches to www-data',
  sshd: 'sshd needs root for port 22, its host keys and privilege separation',
  postfix: 'postfix binds port 25 and its master process runs as root',
  dovecot: 'dovecot binds ports 143/993 and its master process runs as root',
  supervisord: 'supervisord starts as root to run each program as the user its config names',
  cron: 'cron runs as root to start jobs as their users',
  crond: 'crond runs as root to start jobs as their users',
  gosu: 'the start command switches user itself with gosu, which needs root',
  'su-exec': 'the start command switches user itself with su-exec, which needs root',
};

/**
 * Agents that need root by default (kept small; node-exporter is not one: its own image runs as
 * `nobody`).
 */
const ROOT_AGENTS: Record<string, string> = {
  consul:
    'a consul agent writes its -data-dir, and its official image starts as root to chown it before switching to the consul user',
  vault:
    'a vault server locks its memory (mlock, needs IPC_LOCK) and writes its storage, and its official image starts as root to set that up',
  nomad: 'a nomad client agent runs task drivers that need root (the agent must run as root)',
  watchtower:
    'watchtower talks to the Docker daemon through /var/run/docker.sock, which only root (or the docker group) may use',
  cadvisor: 'cadvisor reads host paths (/sys, /var/lib/docker, /rootfs) that only root may read',
  telegraf:
    'its official image starts telegraf as root to grant it the capabilities of its inputs (ping, sockets) before switching users',
};

/** `table[key]` for the table's own keys only (not `constructor`, `toString`, ...). */
function own(table: Record<string, string>, key: string): string | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** CMD words that make an ENTRYPOINT image a command-line tool. */
const HELP_ARGS = new Set(['--help', '-h', 'help', '--version']);

/** Ports the stage names: EXPOSE, *PORT(S)/*URLS in ENV, port flags in CMD/ENTRYPOINT. Null
 * port = not known (a variable without a value). */
function stagePorts(
  model: DockerfileModel,
  instrs: Instruction[],
): { port: number | null; what: string }[] {
  const out: { port: number | null; what: string }[] = [];
  for (const i of instrs) {
    if (i.keyword === 'EXPOSE') {
      for (const w of i.args) {
        const v = wordValue(model, w.raw, w.value, i.index);
        const n = v === null ? NaN : Number(/^(\d+)/.exec(v)?.[1] ?? NaN);
        if (Number.isNaN(n)) out.push({ port: null, what: `EXPOSE ${w.raw} (port not known)` });
        else out.push({ port: n, what: `EXPOSE ${n}` });
      }
    }
    if (i.keyword === 'ENV') {
      for (const m of i.logical.text.matchAll(/\b([A-Z_]*PORTS?)[= ]"?(\d+)/g))
        out.push({ port: Number(m[2]), what: `${m[1]}=${m[2]}` });
      // ASPNETCORE_URLS=http://+:80, ASPNETCORE_HTTP_PORTS=80 and the like.
      for (const u of i.logical.text.matchAll(/\b([A-Z_]*URLS)[= ]"?[^\s"]*?:(\d+)\b/g))
        out.push({ port: Number(u[2]), what: `${u[1]} binds port ${u[2]}` });
    }
    if (i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT') {
      const text = commandWords(model, i).join(' ');
      // --port 80, -p 80, -dns.port=53, --http-port=8080, --listen :443, 0.0.0.0:8000
      for (const m of text.matchAll(/(?:\bport[= ]|(?:^|\s)-p[= ]?|:)(\d{1,5})\b/gi))
        out.push({ port: Number(m[1]), what: `${i.keyword} binds port ${m[1]}` });
    }
  }
  return out;
}

function lowPort(model: DockerfileModel, instrs: Instruction[]): string | null {
  const p = stagePorts(model, instrs).find((x) => x.port === null || x.port < 1024);
  return p ? p.what : null;
}

/** The program the container starts: ENTRYPOINT + CMD, past tini/dumb-init and `sh -c`. */
function startProgram(model: DockerfileModel, instrs: Instruction[]): string {
  const ep = lastCmdInstr(instrs, 'ENTRYPOINT');
  const cmd = lastCmdInstr(instrs, 'CMD');
  let words = [
    ...(ep ? commandWords(model, ep) : []),
    ...(cmd && (!ep || ep.json) ? commandWords(model, cmd) : []),
  ];
  let wrapped = false;
  for (;;) {
    const name = (words[0] ?? '').split('/').pop()!;
    if (/^(tini|tini-static|dumb-init|exec)$/.test(name)) {
      words = words.slice(1);
      wrapped = true;
    } else if (/^(sh|bash|ash|dash)$/.test(name) && words[1] === '-c')
      words = words.slice(2).join(' ').split(/\s+/);
    // tini/dumb-init options and `--` before the program.
    else if (wrapped && words[0]?.startsWith('-')) words = words.slice(1);
    else return name;
  }
}

function checkUser(model: DockerfileModel): Finding[] {
  if (model.stages.length < 2) return [];
  const stage = model.stages[model.stages.length - 1]!;
  if (stage.fromStage !== null || stage.resolvedImage === null) return [];
  const instrs = stageInstrs(model, stage);
  const copiesFromStage = instrs.some((i) => {
    const spec = copySpec(model, i);
    return (
      !!spec?.from &&
      model.stages.some(
        (s) => s.index < stage.index && (s.name === spec.from || String(s.index) === spec.from),
      )
    );
  });
  if (!copiesFromStage || instrs.some((i) => i.keyword === 'USER')) return [];
  const { repo, tag } = parseImage(stage.resolvedImage);
  const ruleId = `${ID}/non-root-user`;
  const from = instrs[0]!;
  if (repo === 'scratch' || /nonroot/.test(tag)) return [];
  // Only app images: a stage that runs something.
  const run = [...instrs].reverse().find((i) => i.keyword === 'ENTRYPOINT' || i.keyword === 'CMD');
  if (!run) return [];
  let lines: string[];
  let who: string;
  if (repo === 'node') {
    lines = ['USER node'];
    who = 'the image’s `node` user';
  } else if (
    /^mcr\.microsoft\.com\/dotnet\/(aspnet|runtime|runtime-deps)$/.test(repo) &&
    Number(/^(\d+)\./.exec(tag)?.[1] ?? 0) >= 8
  ) {
    lines = ['USER app'];
    who = 'the image’s `app` user (uid 1654, .NET 8 and later)';
  } else if (repo.startsWith('gcr.io/distroless/')) {
    lines = ['USER nonroot:nonroot'];
    who = 'distroless’s `nonroot` user (uid 65532)';
  } else if (
    repo === 'alpine' ||
    (['python', 'eclipse-temurin'].includes(repo) && /alpine/.test(tag))
  ) {
    lines = ['RUN adduser -D app-runner-user', 'USER app-runner-user'];
    who = 'a new `app-runner-user`';
  } else if (['debian', 'ubuntu', 'python', 'eclipse-temurin', 'ruby', 'php'].includes(repo)) {
    lines = ['RUN useradd --create-home app-runner-user', 'USER app-runner-user'];
    who = 'a new `app-runner-user`';
  } else return [];
  const skip = (reason: string, at: number, info = false): Finding[] => [
    { ruleId, reason, at, ...(info ? { info: true } : {}) },
  ];
  // The Docker socket belongs to root (or the docker group): a new user cannot use it.
  const sock = instrs.find((i) =>
    /docker\.sock\b/.test(model.text.slice(i.span.start, i.span.end)),
  );
  if (sock)
    return skip(
      `the stage uses the Docker socket (line ${sock.line + 1}: docker.sock), which only root or the docker group may use`,
      sock.span.start,
    );
  const prog = startProgram(model, instrs);
  if (own(ROOT_AGENTS, prog))
    return skip(`\`${prog}\` needs root by default: ${own(ROOT_AGENTS, prog)}`, run.span.start);
  if (own(ROOT_PROGRAMS, prog)) return skip(own(ROOT_PROGRAMS, prog)!, run.span.start);
  const low = lowPort(model, instrs);
  if (low) return skip(`${low}: a non-root user cannot bind ports below 1024`, from.span.start);
  if (own(LOW_PORT_DAEMONS, prog) && !stagePorts(model, instrs).some((p) => (p.port ?? 0) >= 1024))
    return skip(
      `\`${prog}\` listens on ${own(LOW_PORT_DAEMONS, prog)} by default and the stage configures no port of 1024 or more (EXPOSE, ENV, a port flag): a non-root user cannot bind it`,
      run.span.start,
    );
  // A command-line tool (ENTRYPOINT, CMD only `--help` or none, no port named anywhere, no
  // HEALTHCHECK) is run on files mounted from the host: the user is the caller's choice.
  const ep = lastCmdInstr(instrs, 'ENTRYPOINT');
  const cmd = lastCmdInstr(instrs, 'CMD');
  if (
    ep &&
    stagePorts(model, instrs).length === 0 &&
    !instrs.some((i) => i.keyword === 'HEALTHCHECK')
  ) {
    const cmdWords = cmd ? commandWords(model, cmd) : [];
    if (!cmd || (cmdWords.length === 1 && HELP_ARGS.has(cmdWords[0]!)))
      return skip(
        `a command-line tool (ENTRYPOINT ${cmd ? `with CMD ${cmdWords[0]}` : 'without CMD'}, no port, no HEALTHCHECK): it works on files mounted from the host, so the user is left to \`docker run --user\``,
        ep.span.start,
        true,
      );
  }
  // corepack keeps the package manager it downloads in the home of the user that ran it: as
  // another user, `pnpm start` would download it again when the container starts. Reported on
  // the first corepack RUN of the file: the stage's own one may be text this transform has just
  // written (the runtime stage of a split), where the engine does not show it.
  const corepack = instrs.find((i) => commandsOf(i).some((c) => cmdName(c) === 'corepack'));
  const firstCorepack = model.instructions.find((i) =>
    commandsOf(i).some((c) => cmdName(c) === 'corepack'),
  );
  if (corepack && firstCorepack && /^(pnpm|yarn)$/.test(prog))
    return skip(
      `the start command runs ${prog} through corepack, which keeps the ${prog} it downloads in root's home: a new user would download it again when the container starts; run node directly first`,
      firstCorepack.span.start,
    );
  const vol = instrs.find((i) => i.keyword === 'VOLUME');
  if (vol) return skip('VOLUME: a non-root user may not be able to write to it', vol.span.start);
  // USER after the last RUN/COPY/ADD (the files are in place), else right after FROM. The RUN
  // that creates the user goes before the stage's first COPY/ADD (after the instruction before
  // it, so a comment above the COPY stays with it): copied files change on every source edit,
  // and a RUN after them would re-run each time.
  let anchor = from;
  for (const i of instrs)
    if (['RUN', 'COPY', 'ADD', 'WORKDIR', 'ENV', 'ARG', 'LABEL'].includes(i.keyword)) anchor = i;
  const indent = indentOf(model, from);
  const insertAfter = (after: Instruction, add: string[]) =>
    insertLinesAfter(model, after, add, indent);
  const firstCopy = instrs.findIndex((i) => i.keyword === 'COPY' || i.keyword === 'ADD');
  const early = lines.length > 1 && firstCopy > 0 ? instrs[firstCopy - 1]! : null;
  const edits =
    early && early !== anchor
      ? [insertAfter(early, lines.slice(0, -1)), insertAfter(anchor, lines.slice(-1))]
      : [insertAfter(anchor, lines)];
  return [
    {
      ruleId,
      message: `the runtime stage runs as root; run it as ${who} so a compromised process cannot modify the image’s files.`,
      applicability: 'review',
      at: from.span.start,
      edits,
      note: 'Check: the app binds no port below 1024 (none is exposed or named in CMD/ENV), and writes only where that user may (copied files are owned by root: readable, not writable; chown what it writes to).',
      data: { user: lines[lines.length - 1]!.slice(5) },
      hadolint: [],
    },
  ];
}

export const transform: Transform = {
  meta: {
    id: ID,
    title: 'Split toolchain builds into builder and runtime stages',
    hadolint: [],
    applicability: 'review',
    docs: {
      why: 'A single-stage image that installs compilers, -dev headers, the JDK, the Go or Rust toolchain or devDependencies to build something ships all of them, hundreds of MB that the running app never uses and that widen its attack surface. A `builder` stage keeps them; a slim `runtime` stage takes only the artifacts (a binary, a jar, a venv, the build output with production dependencies) and the image metadata, and `--target builder` still builds the toolchain image alone. No hadolint rule proposes this (hadolint issue #947 asks for one). A second rule suggests a non-root USER for the runtime stage.',
      fixSafety:
        'Always review: the new stage changes what ends up in the image. Files the app reads at run time that are not among the copied artifacts, shared libraries of compiled code, the user the app runs as, and the ENTRYPOINT/CMD must be checked, and the result built and run once. Each fix names what to verify.',
    },
  },
  check(model, ctx) {
    return [...checkBuild(model, ctx), ...checkUser(model)];
  },
};
