/**
 * Rust (official `rust:<tag>` builder): the binary of `cargo build` / `cargo install --path`
 * into the slim image of the same distro and release, with the libraries of its -sys crates.
 * Docs: docs/rules/multistage.md.
 */
import { normalizePosix } from '../../../src/model/dockerfile.js';
import { parse as parseToml } from 'smol-toml';
import type { Instruction, SimpleCommand } from '../../../src/model/types.js';
import {
  TOOLCHAIN,
  cmdName,
  installed,
  absolute,
  wordValue,
  findCommand,
  startWords,
  contextFileAt,
  andList,
  lastBuild,
} from '../shared.js';
import type { Analysis, Artifact, Outcome, Ecosystem } from '../shared.js';
import { debianRelease, runtimePackages, installLine } from '../runtime.js';

const isCargo = (c: SimpleCommand) =>
  cmdName(c) === 'cargo' && ['build', 'install'].includes(c.args[0]?.value ?? '');

export type RustBase =
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

export const rust: Ecosystem = {
  id: 'rust',
  isBuild: isCargo,
  detect: (a) => lastBuild(a, isCargo),
  acceptsBase: (image) => image.repo === 'rust',
  build: 'cargo build',
  plan: planRust,
  note: 'Check: files the binary reads at run time (config, templates, static files, migrations), shared libraries it links (`ldd` on it in the builder: -sys crates other than openssl, libpq, sqlite and mysqlclient), the user, and the ENTRYPOINT/CMD path.',
  builderEnv: (name) =>
    /^(CARGO_|RUSTFLAGS$|RUSTDOCFLAGS$|RUSTC_|RUSTUP_|OPENSSL_(DIR|LIB_DIR|INCLUDE_DIR|STATIC|NO_VENDOR)$|PKG_CONFIG_)/.test(
      name,
    ),
};
