/**
 * dependency-cache: the variables a RUN sees (ARG/ENV, `export`, `VAR=value`, `bundle config`).
 * A leaf module (env.ts and reads.ts both use it). See docs/rules/dependency-cache.md.
 */
import { commandBase } from '../../src/model/shell.js';
import { unquote } from '../../src/model/dockerfile.js';
import type { DockerfileModel, Instruction, SimpleCommand, Word } from '../../src/model/types.js';

const base = (name: string | null | undefined) => commandBase(name ?? '');

/**
 * Variables a RUN sees: ARG/ENV values plus the `export NAME=value`s of the RUN itself, and
 * Bundler settings it makes (`bundle config set --local path vendor/bundle` = BUNDLE_PATH).
 */
export function runVars(model: DockerfileModel, run: Instruction): Map<string, string | null> {
  const vars = model.varsAt(run.index);
  for (const c of run.shell?.commands ?? []) {
    const words = isExport(c) ? c.args : c.name === null ? c.assignments : [];
    for (const w of words) setAssignment(vars, w);
    if (/^bundler?$/.test(base(c.name?.value)) && c.args[0]?.value === 'config') {
      const rest = c.args.slice(1).filter((a) => !/^(set|--local|--global)$/.test(a.value ?? ''));
      const key = rest[0]?.value;
      if (key && rest.length === 2)
        vars.set(`BUNDLE_${key.toUpperCase().replace(/[.-]/g, '_')}`, rest[1]!.value);
    }
  }
  return vars;
}

/** `export ...` (a declaration command: its keyword has no literal value in the shell model). */
export function isExport(cmd: SimpleCommand): boolean {
  return cmd.name !== null && (cmd.name.value ?? cmd.name.raw) === 'export';
}

/** `NAME=value` (the shell model keeps assignments raw): the value when literal, else null. */
export function setAssignment(vars: Map<string, string | null>, w: Word): void {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(w.raw);
  if (!m) return;
  const raw = m[2]!;
  // Quotes and escapes as the shell removes them (`unquote`: null on `$`); command substitution
  // and a leading `~` (tilde expansion) have no literal value.
  vars.set(m[1]!, raw.includes('`') || raw.startsWith('~') ? null : unquote(raw));
}
