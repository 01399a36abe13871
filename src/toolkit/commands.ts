/**
 * Queries on shell commands, shared by transforms and explain (in the spirit of hadolint's
 * src/Hadolint/Shell.hs): the command name as run (path stripped), the subcommand after the
 * options, whether an option is given, and the command a wrapper (`env`, `timeout`, `xargs`,
 * `sudo`, ...) runs. Pure functions over the shell model's words; no parsing of their own.
 * Used by transforms/package-hygiene (see docs/rules/package-hygiene.md).
 */
import { commandBase } from '../model/shell.js';
import type { Word } from '../model/types.js';

/** Commands that run another command given in their arguments. */
export const WRAPPERS = new Set([
  'sudo',
  'su',
  'env',
  'xargs',
  'nice',
  'nohup',
  'timeout',
  'time',
  'chroot',
  'eval',
  'exec',
  'command',
  'stdbuf',
  'retry',
  'flock',
  'unbuffer',
]);

/** Shells that run a `-c` script or a script file. */
export const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh']);

/** Shells whose `&&`, `;`, `rm -rf` and `set -e` mean what the rewrites assume. */
export const POSIX_SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh', 'busybox']);

/** Commands whose effect outlives them in the shell (a merge would carry it into the next RUN). */
export const STATEFUL = new Set([
  'cd',
  'pushd',
  'popd',
  'export',
  'source',
  '.',
  'set',
  'unset',
  'umask',
  'alias',
  'shopt',
  'trap',
  'exec',
  'exit',
  'return',
  'declare',
  'typeset',
  'local',
  'readonly',
  'ulimit',
  'eval',
]);

/** The command name without its path (`/usr/bin/apt-get` -> `apt-get`); null stays null. */
export function baseName(v: string | null): string | null {
  return v === null ? null : commandBase(v);
}

/** The executable name of a path as Windows or POSIX write it, lower case, without `.exe`. */
export function exeName(s: string | undefined): string | null {
  if (!s) return null;
  return (baseName(s.replace(/\\/g, '/')) ?? '').toLowerCase().replace(/\.exe$/, '');
}

/** Some argument (with a known value) satisfies `pred`. */
export function hasFlag(args: Word[], pred: (v: string) => boolean): boolean {
  return args.some((a) => a.value !== null && pred(a.value));
}

/**
 * The subcommand: the first argument that is not an option, skipping the value of the options
 * in `takesValue` (`apt-get -o X=1 install`). Null when there is none, undefined when a word
 * with a variable comes first (the subcommand cannot be told).
 */
export function subcommand(
  args: Word[],
  takesValue: ReadonlySet<string> = new Set(),
): Word | null | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.value === null) return undefined;
    if (a.value.startsWith('-')) {
      if (takesValue.has(a.value)) i++;
      continue;
    }
    return a;
  }
  return null;
}

/** Wrapper options that take the next word as their value. */
const WRAPPER_VALUE_OPTS: Record<string, ReadonlySet<string>> = {
  env: new Set(['-u', '--unset', '-C', '--chdir', '-S', '--split-string']),
  timeout: new Set(['-s', '--signal', '-k', '--kill-after']),
  nice: new Set(['-n', '--adjustment']),
  xargs: new Set([
    '-a',
    '--arg-file',
    '-d',
    '--delimiter',
    '-E',
    '-I',
    '-L',
    '-n',
    '--max-args',
    '-P',
    '--max-procs',
    '-s',
    '--max-chars',
  ]),
  sudo: new Set(['-u', '--user', '-g', '--group', '-C', '-D', '--chdir']),
  su: new Set(['-c', '--command', '-s', '--shell', '-g', '--group']),
  stdbuf: new Set(['-i', '-o', '-e']),
  flock: new Set(['-w', '--timeout', '-E', '--conflict-exit-code']),
  chroot: new Set(['--userspec', '--groups']),
};

/**
 * The command a wrapper runs, as its argument words (`env DEBIAN_FRONTEND=noninteractive
 * apt-get install x` -> `apt-get install x`; `timeout 60 pip install` -> `pip install`), or null
 * when `name` is no wrapper or its command cannot be told. `eval`, `su -c` and `sh -c` take a
 * script string instead: see `scriptArgument`.
 */
export function wrappedCommand(name: string, args: Word[]): Word[] | null {
  if (!WRAPPERS.has(name) || name === 'eval' || name === 'su') return null;
  const takes = WRAPPER_VALUE_OPTS[name] ?? new Set<string>();
  let i = 0;
  for (; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === null) return null;
    if (v === '--') {
      i++;
      break;
    }
    if (v.startsWith('-')) {
      if (takes.has(v)) i++;
      continue;
    }
    if (name === 'env' && /^[A-Za-z_][A-Za-z0-9_]*=/.test(v)) continue;
    break;
  }
  // Positional operands before the command: `timeout DURATION`, `chroot DIR`, `flock FILE`.
  if (['timeout', 'chroot', 'flock'].includes(name)) i++;
  const rest = args.slice(i);
  return rest.length ? rest : null;
}

/**
 * The script a shell or `eval` runs from its arguments: `sh -c 'script'`, `bash -ec "..."`,
 * `su -c '...'`, `eval "..."` (words joined). The literal text, or null when there is none or it
 * holds a variable the model cannot resolve (then `unknown` is true).
 */
export function scriptArgument(
  name: string,
  args: Word[],
): { script: string | null; unknown: boolean } | null {
  if (name === 'eval') {
    if (args.some((a) => a.value === null)) return { script: null, unknown: true };
    return { script: args.map((a) => a.value).join(' '), unknown: false };
  }
  if (!SHELLS.has(name) && name !== 'su') return null;
  const at = args.findIndex(
    (a) => a.value === '-c' || a.value === '--command' || /^-[a-z]*c$/.test(a.value ?? ''),
  );
  if (at < 0) return null;
  const w = args[at + 1];
  if (!w) return null;
  return w.value === null ? { script: null, unknown: true } : { script: w.value, unknown: false };
}

/**
 * The script file a shell runs (`sh ./install.sh`, `bash -e /tmp/setup.sh`), a path run as a
 * command (`./install.sh`, `/usr/local/bin/setup.sh`), or a file sourced (`. ./env.sh`): the
 * path word, or null.
 */
export function scriptFile(name: Word | null, args: Word[]): Word | null {
  if (!name) return null;
  const v = name.value;
  if (v === null) return null;
  const base = commandBase(v);
  if (SHELLS.has(base) || base === 'source' || base === '.') {
    if (args.some((a) => a.value === '-c' || /^-[a-z]*c$/.test(a.value ?? ''))) return null;
    return args.find((a) => !(a.value ?? '').startsWith('-')) ?? null;
  }
  if (v.includes('/') || /\.(sh|bash)$/.test(base)) return name;
  return null;
}
