/**
 * Go: `go build -o` / `go install` binaries into distroless, alpine or the builder's Debian release.
 * Docs: docs/rules/multistage.md.
 */
import { normalizePosix } from '../../../src/model/dockerfile.js';
import type { Instruction, SimpleCommand } from '../../../src/model/types.js';
import {
  cmdName,
  argValues,
  absolute,
  wordValue,
  commandsOf,
  findCommand,
  startWords,
  contextFileAt,
  lastBuild,
} from '../shared.js';
import type { Analysis, Artifact, Outcome, Ecosystem } from '../shared.js';
import { startPaths } from '../start-files.js';
import { debianRelease, runtimePackages, installLine } from '../runtime.js';

const isGoBuild = (c: SimpleCommand) =>
  cmdName(c) === 'go' && (c.args[0]?.value === 'build' || c.args[0]?.value === 'install');

/**
 * The Debian release of a golang tag without a distro: the image's default of the time
 * (docker-library moved it to buster in July 2019, bullseye in August 2021, bookworm in June
 * 2023 with Go 1.19.10 and 1.20.5, trixie in August 2025). Where a version was built on both,
 * the later release is taken (a binary runs on a newer glibc, not on an older one); null for
 * Go 1.12 and older (stretch or buster).
 */
function goDefaultRelease(tag: string): string | null {
  const m = /^1\.(\d+)(?:\.(\d+))?/.exec(tag);
  if (!m) return 'trixie';
  const minor = Number(m[1]);
  const patch = m[2] === undefined ? Infinity : Number(m[2]);
  if (minor <= 12) return null;
  if (minor <= 15 || (minor === 16 && patch <= 6)) return 'buster';
  if (minor <= 18 || (minor === 19 && patch <= 9) || (minor === 20 && patch <= 4))
    return 'bullseye';
  return minor <= 23 ? 'bookworm' : 'trixie';
}

function goRuntime(a: Analysis, cgoOff: boolean, distrolessOk: boolean): string | null {
  const tag = a.image.tag;
  if (cgoOff) return distrolessOk ? 'gcr.io/distroless/static-debian12' : 'alpine:3';
  const alp = /alpine(3\.\d+)?/.exec(tag);
  if (alp) return `alpine:${alp[1] ?? '3'}`;
  const rel = debianRelease(tag) ?? (/\bstretch\b/.test(tag) ? 'stretch' : goDefaultRelease(tag));
  return rel && `debian:${rel}-slim`;
}

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
  // distroless/static has no shell: a start command that runs a script needs alpine.
  const distrolessOk =
    !!start?.exec &&
    !startPaths(start.words).interpreted &&
    !a.instrs.some((i) => i.keyword === 'HEALTHCHECK') &&
    !a.instrs.slice(a.buildAt - a.stage.first + 1).some((i) => i.keyword === 'RUN') &&
    a.userRuns.length === 0;
  const rt = goRuntime(a, cgoOff, distrolessOk);
  if (!rt)
    return {
      skip: `cannot tell the Debian release of ${a.stage.image} (Go 1.12 and older were built on stretch, then buster): pin a distro tag such as golang:1.12-buster`,
    };
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

export const go: Ecosystem = {
  id: 'go',
  isBuild: isGoBuild,
  detect: (a) => lastBuild(a, isGoBuild),
  acceptsBase: (image) => image.repo === 'golang',
  build: 'a Go build',
  plan: planGo,
  note: 'Check: files the binary reads at run time (templates, static files, config), shared libraries when cgo is on (`ldd` in the builder), the user, and the ENTRYPOINT/CMD path.',
  builderEnv: (name) =>
    /^(CGO_ENABLED|CGO_[A-Z]+FLAGS|GOOS|GOARCH|GOARM|GOAMD64|GO386|GOFLAGS|GOPROXY|GOPRIVATE|GONOPROXY|GONOSUMDB|GONOSUMCHECK|GOSUMDB|GOINSECURE|GO111MODULE|GOCACHE|GOMODCACHE|GOPATH|GOBIN|GOTOOLCHAIN|GOEXPERIMENT|GOWORK)$/.test(
      name,
    ),
};
