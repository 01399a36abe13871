/**
 * The commands that must start fast (issue 18): `--help`, `--version` and `rules` run here
 * without loading yargs, the Dockerfile parser, the shell grammar or the transforms. `rules`
 * reads the generated catalogue (catalogue.ts, checked against the registry by a test). Any
 * other argument list returns null and goes through yargs (cli.ts).
 */
import { packageVersion } from '../io/version.js';
import { EXIT_OK, PROG, type CliIO } from './io.js';

/** The commands and their one-line descriptions (cli.ts gives yargs the same ones). */
export const COMMANDS: readonly { usage: string; describe: string }[] = [
  {
    usage: 'fix [paths..]',
    describe:
      'Rewrite Dockerfiles for faster, smaller builds (safe fixes; --dry-run shows the diff)',
  },
  {
    usage: 'verify [paths..]',
    describe:
      'Build the original and the optimized Dockerfile with Docker and compare size, layers, cache hits',
  },
  {
    usage: 'explain [dockerfile]',
    describe:
      'Show which build steps an edit of a file re-runs (BuildKit cache), before and after the fixes',
  },
  { usage: 'rules', describe: 'List every rule: id, applicability, hadolint ids, what it fixes' },
  {
    usage: 'lsp',
    describe:
      'Run the language server (LSP over --stdio) for editors: diagnostics, quick fixes, cache hovers',
  },
];

export function describeCommand(name: string): string {
  return COMMANDS.find((c) => c.usage.split(' ')[0] === name)!.describe;
}

/** Word-wrap `text` to `width` columns. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The top-level help, laid out as yargs does. */
export function topHelp(columns: number): string {
  const width = Math.min(110, columns || 100);
  const left = COMMANDS.map((c) => `  ${PROG} ${c.usage}`);
  const col = Math.max(...left.map((l) => l.length)) + 2;
  let out = `${PROG} <command> [options]\n\nCommands:\n`;
  COMMANDS.forEach((c, i) => {
    const lines = wrap(c.describe, Math.max(20, width - col));
    out += `${left[i]!.padEnd(col)}${lines[0]}\n`;
    for (const l of lines.slice(1)) out += `${' '.repeat(col)}${l}\n`;
  });
  const opts = [
    ['-h, --help', 'Show help'],
    ['--version', 'Show version number'],
  ];
  out += '\nOptions:\n';
  for (const [flag, text] of opts)
    out += `  ${flag!.padEnd(12)}${text!.padEnd(width - 14 - 9)}[boolean]\n`;
  return out;
}

/** `rules [--format text|json]` parsed by hand, or null when the arguments say more. */
function rulesFormat(rest: string[]): 'text' | 'json' | null {
  if (rest.length === 0) return 'text';
  let value: string | undefined;
  if (rest.length === 1 && rest[0]!.startsWith('--format=')) value = rest[0]!.slice(9);
  else if (rest.length === 2 && rest[0] === '--format') value = rest[1];
  return value === 'text' || value === 'json' ? value : null;
}

/** Run a fast command; null when the arguments are not one (yargs handles them). */
export async function fastPath(
  argv: string[],
  io: CliIO,
  customTransforms: boolean,
): Promise<number | null> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    io.stdout(`${packageVersion()}\n`);
    return EXIT_OK;
  }
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    io.stdout(topHelp(process.stdout.columns));
    return EXIT_OK;
  }
  if (argv[0] === 'rules' && !customTransforms) {
    const format = rulesFormat(argv.slice(1));
    if (format === null) return null;
    const [{ catalogue }, { printRules }] = await Promise.all([
      import('./catalogue.js'),
      import('./rules-print.js'),
    ]);
    return printRules(io, format, catalogue);
  }
  return null;
}
