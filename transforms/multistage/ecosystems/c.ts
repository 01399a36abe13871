/**
 * C/C++: the `-o` output of the compiler (or the path the start command runs after make) into
 * the slim image of the same distro with the runtime libraries of its `-dev` packages.
 * Docs: docs/rules/multistage.md.
 */
import type { SimpleCommand } from '../../../src/model/types.js';
import {
  cmdName,
  argValues,
  installed,
  isToolchain,
  absolute,
  findCommand,
  startWords,
  hasToolchain,
  lastBuild,
} from '../shared.js';
import type { Analysis, Artifact, Outcome, Ecosystem } from '../shared.js';
import { debianRelease, runtimePackages, installLine } from '../runtime.js';

const isCCompile = (c: SimpleCommand) =>
  ['gcc', 'g++', 'cc', 'c++', 'clang', 'clang++'].includes(cmdName(c) ?? '') &&
  c.args.some((a) => a.value === '-o' || (a.value ?? '').startsWith('-o'));
const isMake = (c: SimpleCommand) =>
  cmdName(c) === 'make' || (cmdName(c) === 'cmake' && argValues(c).includes('--build'));

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

const isCBuild = (c: SimpleCommand) => isCCompile(c) || isMake(c);

export const c: Ecosystem = {
  id: 'c',
  isBuild: isCBuild,
  // make/cc build something worth splitting only with compilers or headers installed.
  detect: (a) => (hasToolchain(a) ? lastBuild(a, isCBuild) : -1),
  acceptsBase: () => true,
  build: 'a C build',
  plan: planC,
  note: 'Check: `ldd` on the binary in the builder lists only libraries the runtime stage has, data files it reads, the user, and the ENTRYPOINT/CMD path.',
  builderEnv: () => false,
};
