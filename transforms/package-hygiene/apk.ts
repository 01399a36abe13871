/**
 * package-hygiene, apk rule `apk-no-cache` (DL3019): `--no-cache` on `apk add`; an `apk update`
 * whose index nothing reads is dropped, one something reads stays with `rm -rf /var/cache/apk/*`,
 * an update-only RUN is dropped or merged into the RUN that reads its index.
 * See docs/rules/package-hygiene.md.
 */
import type {
  DockerfileModel,
  Edit,
  Instruction,
  SimpleCommand,
  Statement,
} from '../../src/model/types.js';
import { baseName, hasFlag, SHELLS, subcommand, WRAPPERS } from '../../src/toolkit/commands.js';
import { APK_INDEX, APK_NO_INDEX } from '../../src/toolkit/packages/system.js';
import { cleanupOrMount, hasCacheMount, mountFits } from './cache-mounts.js';
import {
  builderNote,
  cleanupApplicability,
  type Ctx,
  fix,
  flagsText,
  laterRuns,
  lineNo,
  skipped,
} from './context.js';
import { laterSteps } from './readers.js';
import { fam, type PkgCmd, type RunInfo } from './run.js';
import {
  appendCommand,
  editsOverlap,
  insertAfter,
  notPosix,
  prependCommand,
  removeItem,
  removeRun,
} from './shell-edits.js';

export function apkNoCache(p: PkgCmd): boolean {
  return hasFlag(p.args, (v) => v === '--no-cache');
}

/** `apk add --no-network` installs from the cached index (with `--no-cache` it has none). */
export function apkOffline(p: PkgCmd): boolean {
  return hasFlag(p.args, (v) => v === '--no-network');
}

/** A command that may run apk out of sight: a script, a shell, make, a wrapper. */
export function scriptLike(cmd: SimpleCommand): boolean {
  const v = cmd.name?.value ?? null;
  if (v === null) return cmd.name !== null;
  const name = baseName(v)!;
  return (
    v.includes('/') ||
    /\.(sh|bash)$/.test(name) ||
    SHELLS.has(name) ||
    WRAPPERS.has(name) ||
    ['make', 'source', '.'].includes(name)
  );
}

/** Top-level `rm -rf /var/cache/apk/*` chain items that can be dropped. */
export function apkCacheRms(info: RunInfo): { st: Statement; i: number }[] {
  const out: { st: Statement; i: number }[] = [];
  for (const st of info.instr.shell!.statements) {
    if (st.items.length < 2) continue;
    st.items.forEach((item, i) => {
      const cmd = item.command;
      if (!cmd || cmd.name?.value !== 'rm' || cmd.nested || cmd.redirects.length) return;
      const vals = cmd.args.map((a) => a.value);
      const paths = vals.filter((v) => v !== null && !v.startsWith('-'));
      const opts = vals.filter((v) => v !== null && v.startsWith('-'));
      if (
        vals.length === paths.length + opts.length &&
        paths.length > 0 &&
        paths.every((v) => v === '/var/cache/apk/*' || v === '/var/cache/apk') &&
        opts.every((v) => /^-[rRf]+$/.test(v!))
      )
        out.push({ st, i });
    });
  }
  return out;
}

/** The edit dropping an `apk update` from its RUN, or null when it cannot simply go. */
export function dropUpdate(model: DockerfileModel, info: RunInfo, p: PkgCmd): Edit | null {
  const sts = info.instr.shell!.statements;
  const st = sts[p.cmd.statement]!;
  if (
    p.cmd.nested ||
    p.cmd.redirects.length ||
    p.cmd.assignments.length ||
    st.terminator === '&' ||
    st.items[p.cmd.position]?.command !== p.cmd ||
    !p.args.every((a) => a === p.sub || (a.value !== null && a.value.startsWith('-')))
  )
    return null;
  if (st.items.length > 1) return removeItem(model, st, p.cmd.position);
  // A statement of its own (`apk update; \` or a heredoc line) followed by another.
  if (p.cmd.statement + 1 < sts.length)
    return { start: st.span.start, end: sts[p.cmd.statement + 1]!.span.start, text: '' };
  return null;
}

/**
 * The first later RUN (this stage or one built on it) that reads the apk index a RUN leaves in
 * /var/cache/apk before updating it itself: an `apk add`/`upgrade`/... without `--no-cache`, or
 * apk where the transform cannot read it. `scripts` collects later RUNs that run a script (it
 * may run apk).
 */
export function apkIndexReader(
  c: Ctx,
  instr: Instruction,
  scripts: Instruction[] = [],
): {
  instr: Instruction;
  why: string;
  adds: boolean;
  blocked: boolean;
  label?: string;
} | null {
  const done = new Set<number>();
  for (const info of laterRuns(c, instr, done)) {
    const other = info.instr;
    const blocked = info.skip.get('apk');
    if (blocked) return { instr: other, why: blocked, adds: false, blocked: true };
    let readers = 0;
    let adds = 0;
    let script = false;
    for (const cmd of info.instr.shell!.commands) {
      const p = info.cmds.find((q) => q.cmd === cmd);
      if (!p || p.family !== 'apk') {
        if (scriptLike(cmd)) script = true;
        continue;
      }
      const sub = p.sub?.value ?? '';
      if (sub === 'update') {
        done.add(other.stage);
        break;
      }
      if (sub === 'del' || (APK_INDEX.has(sub) && apkNoCache(p))) continue;
      readers++;
      if (sub === 'add') adds++;
    }
    if (readers)
      return {
        instr: other,
        why: readers === adds ? '`apk add` without `--no-cache`' : 'apk reads the index there',
        adds: readers === adds,
        blocked: false,
      };
    if (script) scripts.push(other);
  }
  // ONBUILD RUNs (every child build) and ENTRYPOINT/CMD (the container) read it too.
  for (const step of laterSteps(c, instr, (s) => done.has(s))) {
    if (step.instr.keyword === 'RUN') continue;
    for (const cmd of step.seen) {
      if (cmd.name !== 'apk') continue;
      const sub = subcommand(cmd.args)?.value ?? '';
      if (sub === 'update') break;
      if (sub === 'del' || (APK_INDEX.has(sub) && hasFlag(cmd.args, (v) => v === '--no-cache')))
        continue;
      return {
        instr: step.instr,
        why: `it runs \`apk ${sub}\` without \`--no-cache\``,
        label: step.label,
        adds: false,
        blocked: true,
      };
    }
  }
  return null;
}

/** An `apk update`-only RUN: one statement, one command, options only. */
export function apkUpdateOnly(info: RunInfo): PkgCmd | null {
  const sts = info.instr.shell!.statements;
  const p = info.cmds[0];
  if (
    sts.length !== 1 ||
    sts[0]!.items.length !== 1 ||
    info.cmds.length !== 1 ||
    !p ||
    p.family !== 'apk' ||
    p.blocked ||
    p.sub?.value !== 'update' ||
    p.cmd.redirects.length ||
    !p.args.every((a) => a === p.sub || (a.value !== null && a.value.startsWith('-')))
  )
    return null;
  return p;
}

export function checkApk(c: Ctx, info: RunInfo): void {
  const { model } = c;
  const { instr } = info;
  const apk = fam(info, 'apk');
  if (apk.length === 0 || hasCacheMount(instr, 'apk')) return;
  const shell = instr.shell!;
  const updates = apk.filter((p) => p.sub?.value === 'update');
  const missing = apk.filter((p) => p.sub?.value === 'add' && !apkNoCache(p) && !apkOffline(p));
  const last = updates[updates.length - 1];
  // The index the last update writes is removed later in the RUN.
  const cleaned =
    !!last &&
    shell.commands.some(
      (cmd) =>
        !cmd.nested &&
        cmd.name?.value === 'rm' &&
        cmd.span.start > last.cmd.span.start &&
        cmd.args.some((a) => (a.value ?? '').startsWith('/var/cache/apk')),
    );
  if (missing.length === 0 && (updates.length === 0 || cleaned)) return;
  const blocked = info.skip.get('apk');
  if (blocked) {
    skipped(c, 'apk-no-cache', instr.span.start, `${blocked}; not rewritten`);
    return;
  }
  if (c.check.options.cacheMounts && mountFits(c, info, 'apk')) {
    cleanupOrMount(c, info, 'apk', 'apk-no-cache', '', '');
    return;
  }
  if (updates.length === 0) {
    // `apk add` reads an index from an earlier layer (or none): `--no-cache` fetches it fresh.
    const edits: Edit[] = missing.map((p) => insertAfter(p.sub!, ' --no-cache'));
    if (apk.every((p) => p.sub?.value === 'add') && !info.nonPosix)
      for (const r of apkCacheRms(info)) edits.push(removeItem(model, r.st, r.i));
    fix(
      c,
      'apk-no-cache',
      instr,
      '`apk add` without `--no-cache` leaves the package index in /var/cache/apk of this layer; `--no-cache` fetches it fresh and keeps it out of the image (DL3019).',
      editsOverlap(edits) ? missing.map((p) => insertAfter(p.sub!, ' --no-cache')) : edits,
      cleanupApplicability(c, instr),
      builderNote(c, instr),
    );
    return;
  }
  if (apkUpdateOnly(info)) {
    checkApkUpdateRun(c, info);
    return;
  }
  if (apkUpdateStays(c, info, apkIndexReader(c, instr))) return;
  // Drop every `apk update` and give each index reader `--no-cache`, when nothing else in the
  // RUN may read the index; else remove the index at the end of the RUN.
  let why: string | null = null;
  const drops: Edit[] = [];
  const first = updates[0]!;
  for (const p of apk) {
    const sub = p.sub?.value ?? '';
    if (!APK_INDEX.has(sub) && !APK_NO_INDEX.has(sub)) {
      why = `\`apk ${sub}\` may read it`;
      break;
    }
    if (apkOffline(p)) {
      why = `\`apk ${sub} --no-network\` reads it`;
      break;
    }
    if (sub !== 'update') continue;
    const d = dropUpdate(model, info, p);
    if (!d) {
      why = `\`${model.text.slice(p.cmd.span.start, p.cmd.span.end)}\` cannot simply be dropped here`;
      break;
    }
    drops.push(d);
  }
  const script = shell.commands.find(
    (cmd) => cmd.span.start > first.cmd.span.start && scriptLike(cmd),
  );
  if (!why && script) why = `\`${script.name?.raw ?? 'a script'}\` runs after it and may run apk`;
  if (!why && editsOverlap(drops)) why = 'its `apk update` commands cannot all be dropped';
  if (!why) {
    const readers = apk.filter((p) => APK_INDEX.has(p.sub?.value ?? ''));
    const edits = [
      ...readers.filter((p) => !apkNoCache(p)).map((p) => insertAfter(p.sub!, ' --no-cache')),
      ...drops,
    ];
    const rms = apkCacheRms(info).map((r) => removeItem(model, r.st, r.i));
    if (!editsOverlap([...edits, ...rms])) edits.push(...rms);
    fix(
      c,
      'apk-no-cache',
      instr,
      readers.length
        ? '`apk update` leaves the package index in /var/cache/apk of this layer; `--no-cache` on each `apk add`/`apk upgrade` fetches the index fresh without keeping it, so the then-needless `apk update` is dropped (DL3019).'
        : '`apk update` leaves the package index in /var/cache/apk of this layer and nothing in this RUN or after it reads that index, so the `apk update` is dropped (DL3019).',
      edits,
      cleanupApplicability(c, instr),
      builderNote(c, instr),
    );
    return;
  }
  if (cleaned) return;
  const edit = appendCommand(model, info, 'rm -rf /var/cache/apk/*');
  if (typeof edit === 'string') {
    skipped(c, 'apk-no-cache', instr.span.start, `\`apk update\` stays (${why}), and ${edit}`);
    return;
  }
  fix(
    c,
    'apk-no-cache',
    instr,
    `\`apk update\` leaves the package index in /var/cache/apk of this layer and stays here (${why}), so \`rm -rf /var/cache/apk/*\` at the end of the same RUN removes the index (DL3019).`,
    [edit],
    cleanupApplicability(c, instr),
    builderNote(c, instr),
  );
}

/** The `apk update` of `info` must stay as it is: a later RUN reads its index, or the RUN is not
 * run by a POSIX shell. Reports the skip and returns true then. */
export function apkUpdateStays(
  c: Ctx,
  info: RunInfo,
  reader: { instr: Instruction; why: string; label?: string } | null,
): boolean {
  const at = info.instr.span.start;
  if (reader)
    skipped(
      c,
      'apk-no-cache',
      at,
      `\`apk update\` stays: ${reader.label ?? `the RUN on line ${lineNo(c.model, reader.instr)}`} reads the index it writes (${reader.why})`,
    );
  else if (info.nonPosix) skipped(c, 'apk-no-cache', at, notPosix(info));
  return !!reader || info.nonPosix !== null;
}

/** A RUN that only runs `apk update`: dropped when nothing reads its index, merged into the RUN
 * after it when that one reads it. */
export function checkApkUpdateRun(c: Ctx, info: RunInfo): void {
  const { model } = c;
  const { instr } = info;
  const scripts: Instruction[] = [];
  const reader = apkIndexReader(c, instr, scripts);
  const next = model.instructions[instr.index + 1];
  const nextInfo = next && next.stage === instr.stage ? c.runs.get(next.index) : undefined;
  if (reader && !reader.adds && !reader.blocked && nextInfo && reader.instr === next) {
    // `RUN apk update` + `RUN apk upgrade`: merge, like the apt update.
    if (flagsText(model, instr) !== flagsText(model, next)) {
      skipped(
        c,
        'apk-no-cache',
        instr.span.start,
        `\`apk update\` stays: the RUN on line ${lineNo(model, next)} reads its index but has different RUN flags (--mount/--network), so they cannot be merged`,
      );
      return;
    }
    const target = fam(nextInfo, 'apk').find((p) => p.sub?.value !== 'del')!;
    const ins = prependCommand(
      model,
      nextInfo,
      model.text.slice(info.cmds[0]!.cmd.span.start, info.cmds[0]!.cmd.span.end),
      target.cmd,
    );
    if (typeof ins === 'string') {
      skipped(
        c,
        'apk-no-cache',
        instr.span.start,
        `\`apk update\` stays: cannot merge it into the RUN on line ${lineNo(model, next)}: ${ins}`,
      );
      return;
    }
    fix(
      c,
      'apk-no-cache',
      instr,
      `\`apk update\` in a RUN of its own is cached forever, so the RUN on line ${lineNo(model, next)} reads a stale index; merged into that RUN.`,
      [removeRun(model, instr), ins],
      'safe',
      { hadolint: [] },
    );
    return;
  }
  if (apkUpdateStays(c, info, reader)) return;
  const script = scripts[0];
  const note = [
    script
      ? `the RUN on line ${lineNo(model, script)} runs a script, which may install with this index; check that it does not`
      : undefined,
    builderNote(c, instr).note,
  ]
    .filter(Boolean)
    .join('; ');
  fix(
    c,
    'apk-no-cache',
    instr,
    '`apk update` in a RUN of its own leaves the package index in /var/cache/apk of its layer, and no later apk command reads it (each uses `--no-cache` or runs its own update); drop the RUN (DL3019).',
    [removeRun(model, instr)],
    script ? 'review' : cleanupApplicability(c, instr),
    note ? { note } : {},
  );
}
