/**
 * dependency-cache: a RUN read as an `&&`/`;` chain. The leading install part (installs,
 * `cd`/`set`/`export`, source-free commands) can become a RUN of its own before the full copy;
 * only when the split cannot change what runs (`chainPlan`). See docs/rules/dependency-cache.md ("Decisions").
 */
import { joinImage } from '../../src/model/image-path.js';
import type { ChainItem, Instruction, SimpleCommand } from '../../src/model/types.js';
import { type Install, type Env, vals, base, cmdText } from './env.js';
import { isExport } from './reads.js';
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

/** A command that removes caches or packages: left after the build it no longer shrinks the install layer. */
export function cleanup(cmd: SimpleCommand): boolean {
  const name = base(cmd.name?.value);
  const v = vals(cmd);
  if (name === 'rm') return true;
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
        if (cleanup(c))
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
