/**
 * dependency-cache: a RUN read as an `&&`/`;` chain. The leading install part (installs,
 * `cd`/`set`/`export`, source-free commands) can become a RUN of its own before the full copy;
 * only when the split cannot change what runs (`chainPlan`). See docs/rules/dependency-cache.md ("Decisions").
 */
import { joinImage } from '../../src/model/image-path.js';
import type { ChainItem, Instruction, SimpleCommand } from '../../src/model/types.js';
import {
  type Install,
  type Env,
  vals,
  base,
  cmdText,
  under,
  contextPath,
  inContext,
} from './env.js';
import { commandVars, isExport } from './reads.js';
import { benign, analyseCommand } from './installs/index.js';

/** One `&&`/`;` chain item of a RUN, with the statement holding it. */
export interface Item {
  item: ChainItem;
  stmt: number;
}

/**
 * How a RUN splits into a leading install part and the rest, reading the chain item by item
 * (`cd` changes the folder the next installs read from). Null when the RUN is not a plain chain
 * or holds no install at its start: the whole-RUN analysis applies then.
 */
export interface ChainPlan {
  items: Item[];
  /** Items [0, prefix) run before the full copy; state items are repeated in the rest. */
  prefix: number;
  installs: Install[];
  /** `cd`/`set`/`export`/assignment items of the prefix (repeated before the rest). */
  state: number[];
  /** Folders (image paths) the prefix enters with `cd`. */
  cdDirs: string[];
  /** Why the split needs a review (state repeated, cleanup left after the build). */
  review: string[];
  skip?: string;
}

export function isSetErrexit(cmd: SimpleCommand | null): boolean {
  if (!cmd || base(cmd.name?.value) !== 'set') return false;
  const v = vals(cmd);
  return v.some(
    (a, i) => (a !== null && /^-[a-zA-Z]*e/.test(a)) || (a === '-o' && v[i + 1] === 'errexit'),
  );
}

/** Commands that delete the paths they name. */
const DELETES = new Set(['rm', 'rmdir', 'unlink', 'shred']);

/**
 * The image path a word names, resolved against `dir`: null when not known (a variable without a
 * literal value), 'home' for `~`/`$HOME` and 'base' for a variable the Dockerfile never sets (a
 * tool folder of the base image such as BUNDLE_PATH or GEM_HOME, never the folder it copies into).
 */
function wordPath(
  raw: string,
  value: string | null,
  dir: string,
  vars: Map<string, string | null>,
): string | null | 'home' | 'base' {
  if (/^(~|"?\$\{?HOME\b)/.test(raw)) return 'home';
  if (value === null) {
    let base = false;
    const text = raw.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => {
      if (!vars.has(name)) base = true;
      return vars.get(name) ?? '\0';
    });
    if (text.includes('\0') || /[`$]/.test(text))
      return base && !text.includes('$') ? 'base' : null;
    value = text.replace(/["']/g, '');
  }
  if (!value.startsWith('/') && !dir) return null;
  return joinImage(dir, value.replace(/\/\*$/, '') || '/');
}

/** Output and input redirect targets of a command (`> /app/.env`, `2>>log`, `< file`); `&N` and /dev skipped. */
function redirectTargets(cmd: SimpleCommand): string[] {
  const out: string[] = [];
  for (const r of cmd.redirects) {
    const m = /^\s*\d*(?:&>>?|>>?\|?|<)\s*(.*?)\s*$/s.exec(r.raw);
    const t = m?.[1] ?? r.raw;
    if (/^&\d*-?$/.test(t) || /^\/dev\//.test(t) || t === '') continue;
    out.push(t);
  }
  return out;
}

/**
 * Why a command changes files of the full copy's destination (`rm -rf /app/tests`, `rm -f .env`,
 * `echo x > /app/.env`), or null. Moved above the copy it would act before the files exist and the
 * copy would put them back: such a command must stay after the copy.
 */
export function touchesCopy(env: Env, cmd: SimpleCommand, dir: string): string | null {
  const name = base(cmd.name?.value);
  const vars = commandVars(env, cmd);
  const into = (p: string | null | 'home' | 'base') =>
    p === null ||
    (p !== 'home' &&
      p !== 'base' &&
      (under(env.destDir, p) !== null || under(p, env.destDir) !== null));
  const dest = env.destDir;
  if (DELETES.has(name))
    for (const a of cmd.args) {
      if (a.value?.startsWith('-')) continue;
      const p = wordPath(a.raw, a.value, dir, vars);
      if (into(p))
        return p === null
          ? `\`${cmdText(cmd)}\` deletes a path the tool cannot resolve, maybe files of the copy destination ${dest}`
          : `\`${cmdText(cmd)}\` deletes ${p}, in the copy destination ${dest}: moved above the full copy it would delete nothing and the copy would put the files back`;
    }
  for (const t of redirectTargets(cmd)) {
    const p = /\$/.test(t) ? null : wordPath(t, t.replace(/^(["'])(.*)\1$/, '$2'), dir, vars);
    if (!into(p)) continue;
    const where = p === null ? `a path the tool cannot resolve, maybe` : `${p},`;
    return `\`${cmdText(cmd)}\` redirects to ${where} in the copy destination ${dest}: moved above the full copy, the copy could replace what it wrote`;
  }
  return null;
}

/**
 * A command that removes caches or packages: left after the build it no longer shrinks the install
 * layer. Not a removal of files of the source (paths of the copy destination present in the build
 * context): that belongs after the copy.
 */
export function cleanup(cmd: SimpleCommand, env?: Env, dir?: string): boolean {
  const name = base(cmd.name?.value);
  const v = vals(cmd);
  if (name === 'rm') {
    if (!env || dir === undefined) return true;
    const targets = cmd.args.filter((a) => !a.value?.startsWith('-'));
    const source = targets.every((a) => {
      const p = wordPath(a.raw, a.value, dir, commandVars(env, cmd));
      const cp = p === null || p === 'home' || p === 'base' ? null : contextPath(env, p);
      return cp !== null && cp !== '' && (inContext(env, cp) || env.ctx.isDirectory(cp));
    });
    return !(targets.length > 0 && source);
  }
  if (['npm', 'yarn', 'pnpm', 'pip', 'pip3', 'bun'].includes(name) && v[0] === 'cache') return true;
  if (
    ['apt-get', 'apt'].includes(name) &&
    ['clean', 'autoremove', 'purge', 'remove'].includes(v[0] ?? '')
  )
    return true;
  if (name === 'apk' && v[0] === 'del') return true;
  return false;
}

export function chainPlan(env: Env, run: Instruction, cwd: string | null): ChainPlan | null {
  const shell = run.shell;
  if (!shell?.ok || run.heredocs.length) return null;
  const items: Item[] = shell.statements.flatMap((st, stmt) =>
    st.items.map((item) => ({ item, stmt })),
  );
  const errexit = isSetErrexit(shell.statements[0]?.items[0]?.command ?? null);
  const plan: ChainPlan = {
    items,
    prefix: 0,
    installs: [],
    state: [],
    cdDirs: [],
    review: [],
  };
  let dir = cwd;
  let k = 0;
  for (; k < items.length; k++) {
    const { item, stmt } = items[k]!;
    const st = shell.statements[stmt]!;
    const cmd = item.command;
    if (!cmd || cmd.nested || st.terminator === '&' || st.items.some((i) => i.op === '||')) break;
    const name = base(cmd.name?.value);
    if (name === 'cd') {
      const target = cmd.args.length === 1 ? cmd.args[0]!.value : null;
      if (target === null || target === '-' || target.startsWith('~') || cmd.redirects.length) {
        plan.skip = `\`${cmdText(cmd)}\` before the install cannot be resolved against WORKDIR`;
        break;
      }
      if (dir === null && !target.startsWith('/')) {
        plan.skip = `\`${cmdText(cmd)}\` before the install is relative to a WORKDIR the Dockerfile does not set`;
        break;
      }
      dir = joinImage(dir ?? '/', target);
      plan.cdDirs.push(dir);
      plan.state.push(k);
      continue;
    }
    if (name === 'set' || (cmd.name === null && cmd.assignments.length) || isExport(cmd)) {
      plan.state.push(k);
      continue;
    }
    const a = dir === null ? null : analyseCommand({ ...env, cwd: dir }, cmd);
    // A command that deletes or writes files of the copy destination stays after the copy.
    if (touchesCopy(env, cmd, dir ?? env.cwd)) break;
    if (a) {
      if (a.ignore || (a.skip && plan.installs.length)) break;
      plan.installs.push(a);
      if (a.skip) {
        k++;
        break;
      }
      continue;
    }
    if (benign(cmd)) continue;
    break;
  }
  // Trailing state items belong to the rest (they set up what follows, not the installs).
  while (k > 0 && plan.state.includes(k - 1)) {
    plan.state.pop();
    if (base(items[k - 1]!.item.command?.name?.value) === 'cd') plan.cdDirs.pop();
    k--;
  }
  plan.prefix = k;
  if (!plan.installs.length) return plan.skip ? plan : null;
  if (k < items.length) {
    const last = items[k - 1]!;
    const next = items[k]!;
    const lastStmt = shell.statements.length - 1;
    if (next.stmt === last.stmt && last.stmt !== lastStmt)
      plan.skip =
        'commands after the `&&` chain of the install run even when it fails (`;` or a newline follows): a split would change that';
    else if (
      next.stmt !== last.stmt &&
      (!errexit || shell.statements[last.stmt]!.items.length !== 1)
    )
      plan.skip =
        'the install ends a statement of a `;`/newline list without `set -e`: a failed install does not stop the commands after it, and a split would change that';
    for (const i of plan.state) {
      const c = items[i]!.item.command!;
      const n = base(c.name?.value);
      if (n !== 'set')
        plan.review.push(`repeats \`${cmdText(c)}\` before the commands left after the copy`);
    }
    for (const it of items.slice(k))
      for (const c of commandsIn(run, it.item))
        if (cleanup(c, env, dir ?? env.cwd))
          plan.review.push(
            `\`${cmdText(c)}\` stays after the build and no longer shrinks the install layer`,
          );
  }
  return plan;
}

/** The simple commands inside a chain item (nested ones included). */
export function commandsIn(run: Instruction, item: ChainItem): SimpleCommand[] {
  return (run.shell?.commands ?? []).filter(
    (c) => c.span.start >= item.span.start && c.span.end <= item.span.end,
  );
}
