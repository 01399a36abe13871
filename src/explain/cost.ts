/**
 * What makes a build step expensive (package installs, compiles, downloads): the `expensive:`
 * notes of `explain` and the `incl. pip install` of the `fix --dry-run` cache line.
 */
import type { CacheStep } from '../cache/model.js';
import { commandBase } from '../model/shell.js';
import type { DockerfileModel, Instruction } from '../model/types.js';

const APT = ['install', 'update', 'upgrade', 'dist-upgrade', 'build-dep'];
const RPM = ['install', 'upgrade', 'update', 'groupinstall', 'in'];
const PYTHON_ENV = ['install', 'sync'];

/** Tools whose expensive subcommands (first non-option argument) are named `<tool> <subcommand>`. */
const SUBCOMMANDS = new Map<string, readonly string[]>(
  Object.entries({
    'apt-get': APT,
    apt: APT,
    aptitude: APT,
    apk: ['add', 'update', 'upgrade'],
    dnf: RPM,
    yum: RPM,
    microdnf: RPM,
    zypper: RPM,
    tdnf: RPM,
    poetry: PYTHON_ENV,
    pipenv: PYTHON_ENV,
    pdm: PYTHON_ENV,
    cargo: ['build', 'install', 'fetch', 'chef'],
    dotnet: ['restore', 'build', 'publish'],
    composer: ['install', 'update'],
  }),
);

/** What makes one command expensive, or null. `words`: the command name and its arguments. */
function commandCost(words: string[]): string | null {
  let w = words;
  while (
    w.length &&
    (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w[0]!) || ['sudo', 'env', 'time', 'nice'].includes(w[0]!))
  )
    w = w.slice(1);
  if (!w.length) return null;
  const name = commandBase(w[0]!);
  const args = w.slice(1);
  const sub = args.filter((a) => !a.startsWith('-'));
  const first = sub[0] ?? '';
  const expensive = SUBCOMMANDS.get(name);
  if (expensive) return expensive.includes(first) ? `${name} ${first}` : null;
  switch (name) {
    case 'pip':
    case 'pip3':
    case 'pipx':
      return first === 'install' || first === 'wheel' || first === 'download'
        ? `pip ${first}`
        : null;
    case 'uv':
      if (first === 'sync') return 'uv sync';
      return first === 'pip' && sub[1] === 'install' ? 'uv pip install' : null;
    case 'npm':
    case 'pnpm':
    case 'bun':
      if (['install', 'i', 'ci', 'add'].includes(first)) return `${name} ${first}`;
      if (first === 'run' && /build|compile/.test(sub[1] ?? '')) return `${name} run ${sub[1]}`;
      return first === 'build' ? `${name} build` : null;
    case 'yarn':
      if (first === '' || first === 'install' || first === 'add') return 'yarn install';
      if (first === 'build' || (first === 'run' && /build|compile/.test(sub[1] ?? '')))
        return 'yarn build';
      return null;
    case 'go':
      if (['build', 'install', 'generate'].includes(first)) return `go ${first}`;
      return first === 'mod' && sub[1] === 'download' ? 'go mod download' : null;
    case 'mvn':
    case 'mvnw':
      return first ? `mvn ${first}` : 'mvn';
    case 'gradle':
    case 'gradlew':
      return first ? `gradle ${first}` : 'gradle';
    case 'bundle':
    case 'bundler':
      return first === 'install' ? 'bundle install' : null;
    case 'gem':
      return first === 'install' ? 'gem install' : null;
    case 'curl':
    case 'wget':
      return `${name} download`;
    case 'git':
      return first === 'clone' ? 'git clone' : null;
    case 'make':
    case 'cmake':
    case 'ninja':
    case 'gcc':
    case 'g++':
    case 'cc':
    case 'c++':
    case 'clang':
    case 'clang++':
    case 'rustc':
    case 'javac':
    case 'tsc':
      return name;
    default:
      if (/^python[\d.]*$/.test(name) && args[0] === '-m' && args[1] === 'pip')
        return commandCost(['pip', ...args.slice(2)]);
      return null;
  }
}

/** The command words of a RUN: from the shell model, else a rough split of its text. */
function runCommands(instr: Instruction): string[][] {
  if (instr.shell?.ok && instr.shell.commands.length) {
    return instr.shell.commands
      .filter((c) => c.name)
      .map((c) => [
        ...c.assignments.map((a) => a.value ?? a.raw),
        c.name!.value ?? c.name!.raw,
        ...c.args.map((a) => a.value ?? a.raw),
      ]);
  }
  const text = instr.json ? instr.json.join(' ') : instr.logical.text;
  return text
    .split(/&&|\|\||[;|\n]/)
    .map((s) => s.trim().split(/\s+/).filter(Boolean))
    .filter((w) => w.length > 0);
}

/** Why a step is expensive (package installs, compiles, downloads), or null. */
export function expensiveReason(model: DockerfileModel, step: CacheStep): string | null {
  const instr = model.instructions[step.instruction]!;
  if (instr.keyword === 'ADD') {
    const remote = instr.args.some((a) => /^(https?|git):\/\/|^git@/.test(a.value ?? a.raw));
    return remote ? 'ADD download' : null;
  }
  if (instr.keyword !== 'RUN') return null;
  const reasons = [
    ...new Set(
      runCommands(instr)
        .map(commandCost)
        .filter((r) => r !== null),
    ),
  ];
  return reasons.length ? reasons.join(', ') : null;
}
