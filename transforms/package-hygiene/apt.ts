/**
 * package-hygiene, apt/apt-get rules: `apt-get-not-apt` (DL3027), `apt-yes` (DL3014),
 * `apt-no-install-recommends` (DL3015), `apt-merge-update`, `apt-drop-update`,
 * `apt-list-cleanup` (DL3009). `checkApt` runs them in order for one RUN; one function per rule.
 * See docs/rules/package-hygiene.md.
 */
import { STATEFUL, baseName, hasFlag, subcommand } from '../../src/toolkit/commands.js';
import {
  APT_DOWNLOADS,
  APT_NEEDS_LISTS,
  APT_NO_LISTS,
  APT_TO_APT_GET,
  APT_VALUE_OPTS,
  APT_YES,
  RECOMMENDS_CA_CERTIFICATES,
  aptAssumesYes,
  hasDockerClean,
} from '../../src/toolkit/packages/system.js';
import type { Edit, Instruction } from '../../src/model/types.js';
import { cleanupOrMount, hasCacheMount } from './cache-mounts.js';
import {
  type Ctx,
  descendants,
  fix,
  flagsText,
  laterRuns,
  lineNo,
  rootImage,
  skipped,
  stageChain,
} from './context.js';
import { laterHttps, laterSteps, runSeen, type SeenCommand } from './readers.js';
import { fam, type PkgCmd, type RunInfo } from './run.js';
import { insertAfter, joinRuns, notPosix, prependCommand, removeRun } from './shell-edits.js';

export function aptUpdates(info: RunInfo): PkgCmd[] {
  return fam(info, 'apt').filter((p) => p.sub?.value === 'update');
}

export function aptNeedsLists(info: RunInfo): PkgCmd[] {
  return fam(info, 'apt').filter((p) => APT_NEEDS_LISTS.has(p.sub?.value ?? ''));
}

/** An apt command of a seen list that removes the lists: `rm` of /var/lib/apt/lists, or
 * `apt-get dist-clean` (apt 2.7.8+: clean plus the lists). */
function removesLists(seen: SeenCommand[]): boolean {
  return seen.some(
    (c) =>
      (c.name === 'rm' &&
        c.args.some((a) => (a.value ?? a.raw).startsWith('/var/lib/apt/lists'))) ||
      ((c.name === 'apt-get' || c.name === 'apt') && aptSub(c) === 'dist-clean'),
  );
}

/** The RUN removes the apt lists itself (also inside `sh -c`, a wrapper or a script it runs). */
export function hasListCleanup(c: Ctx, info: RunInfo): boolean {
  return removesLists(runSeen(c, info).seen);
}

function aptSub(cmd: SeenCommand): string | null | undefined {
  const w = subcommand(cmd.args, APT_VALUE_OPTS);
  return w === undefined ? undefined : (w?.value ?? null);
}

/**
 * Who may read the apt lists `instr` leaves, after it: a later RUN (also through wrappers,
 * `sh -c`, scripts in the build context), an ONBUILD RUN, the ENTRYPOINT/CMD. `sure` is a step
 * that reads them (an apt command that needs lists before any update, `apt-cache`,
 * `aptitude`); `maybe` is one that runs something the transform cannot read.
 */
export function aptListsReader(
  c: Ctx,
  instr: Instruction,
): { sure: { label: string; why: string } | null; maybe: { label: string; why: string } | null } {
  const done = new Set<number>();
  let maybe: { label: string; why: string } | null = null;
  for (const step of laterSteps(c, instr, (s) => done.has(s))) {
    for (const cmd of step.seen) {
      const how = cmd.via ? `${cmd.via}, ` : '';
      if (cmd.name === 'apt-cache' || cmd.name === 'aptitude') {
        if (cmd.name === 'aptitude' && aptSub(cmd) === 'update') break;
        return { sure: { label: step.label, why: `${how}it runs \`${cmd.name}\`` }, maybe };
      }
      if (cmd.name !== 'apt-get' && cmd.name !== 'apt') continue;
      const sub = aptSub(cmd);
      if (sub === 'update') {
        if (step.instr.keyword === 'RUN') done.add(step.instr.stage);
        break;
      }
      if (sub === undefined)
        return {
          sure: { label: step.label, why: `${how}its ${cmd.name} subcommand is a variable` },
          maybe,
        };
      if (sub !== null && !APT_NO_LISTS.has(sub) && sub !== 'dist-clean')
        return {
          sure: {
            label: step.label,
            why: `${how}it runs \`${cmd.name} ${sub}\` without an update first`,
          },
          maybe,
        };
    }
    if (!maybe && step.opaque.length && !done.has(step.instr.stage))
      maybe = { label: step.label, why: step.opaque[0]!.why };
  }
  return { sure: null, maybe };
}

/** An `apt-get update`-only RUN: one statement, one command. */
export function updateOnly(info: RunInfo): PkgCmd | null {
  const sts = info.instr.shell!.statements;
  if (sts.length !== 1 || sts[0]!.items.length !== 1) return null;
  const p = info.cmds[0];
  if (info.cmds.length !== 1 || !p || p.family !== 'apt' || p.blocked || p.sub?.value !== 'update')
    return null;
  return p;
}

/** A RUN with apt work that needs lists but no update before it. */
export function installsWithoutUpdate(info: RunInfo): PkgCmd | null {
  const apt = fam(info, 'apt');
  for (const p of apt) {
    if (p.sub?.value === 'update') return null;
    if (APT_NEEDS_LISTS.has(p.sub?.value ?? '')) return p;
  }
  return null;
}

export function singleChain(info: RunInfo): boolean {
  const sts = info.instr.shell!.statements;
  return (
    !info.heredoc &&
    sts.length === 1 &&
    sts[0]!.items.every((i) => i.op !== '||' && i.command !== null) &&
    sts[0]!.terminator !== '&'
  );
}

export function stateful(info: RunInfo): boolean {
  return info.instr.shell!.commands.some(
    (c) => (c.name === null && c.assignments.length > 0) || STATEFUL.has(c.name?.value ?? ''),
  );
}

/** Per stage, in order, the RUNs `laterDependent` stops at: one with an apt update (`install`
 * false: the stage reads its own lists from there on) or one that installs without one. */
const aptStops = new WeakMap<Ctx, Map<number, { index: number; install: boolean }[]>>();

function aptStopsOf(c: Ctx): Map<number, { index: number; install: boolean }[]> {
  let stops = aptStops.get(c);
  if (stops) return stops;
  stops = new Map();
  // c.runs is filled in instruction order (and complete before any rule runs).
  for (const info of c.runs.values()) {
    const update = aptUpdates(info).length > 0;
    if (!update && !installsWithoutUpdate(info)) continue;
    const list = stops.get(info.instr.stage) ?? [];
    list.push({ index: info.instr.index, install: !update });
    stops.set(info.instr.stage, list);
  }
  aptStops.set(c, stops);
  return stops;
}

/** RUN (same stage or a stage built on it) that installs with the lists this RUN fetched: in
 * each such stage the first stop after this RUN, if it installs; the earliest of those. (Looked
 * up in per-stage lists built once: a scan of every instruction per RUN was quadratic.) */
export function laterDependent(c: Ctx, instr: Instruction): Instruction | null {
  const stops = aptStopsOf(c);
  let first: number | null = null;
  for (const stage of descendants(c.model, instr.stage)) {
    const list = stops.get(stage);
    if (!list) continue;
    // The first stop after instr (binary search).
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]!.index <= instr.index) lo = mid + 1;
      else hi = mid;
    }
    const stop = list[lo];
    if (stop?.install && (first === null || stop.index < first)) first = stop.index;
  }
  return first === null ? null : c.model.instructions[first]!;
}

/**
 * The first later RUN (in this stage or a stage built on it) that may read the package lists
 * this RUN fetched before fetching them again itself: an apt command that reads lists, apt or
 * apt-cache in a place the transform does not read (wrappers, `sh -c`, `if`), with why.
 */
export function listsReader(
  c: Ctx,
  instr: Instruction,
): { instr: Instruction; why: string } | null {
  const done = new Set<number>();
  for (const info of laterRuns(c, instr, done)) {
    const other = info.instr;
    const blocked = info.skip.get('apt');
    if (blocked) return { instr: other, why: blocked };
    for (const cmd of info.instr.shell!.commands) {
      const name = baseName(cmd.name?.value ?? null);
      if (name === 'apt-cache' || name === 'aptitude')
        return { instr: other, why: `it runs \`${name}\`` };
      const p = info.cmds.find((q) => q.cmd === cmd);
      if (!p || p.family !== 'apt') continue;
      const sub = p.sub?.value ?? '';
      if (sub === 'update') {
        done.add(other.stage);
        break;
      }
      if (!APT_NO_LISTS.has(sub))
        return { instr: other, why: `it runs \`${p.tool} ${sub}\` without an update first` };
    }
  }
  return null;
}

/**
 * The apt rules of one RUN, in order: `apt-get-not-apt`, `apt-yes`, `apt-no-install-recommends`,
 * then the lists: an update-only RUN is merged (`apt-merge-update`) or dropped
 * (`apt-drop-update`), an install RUN without its own update gets one (`apt-merge-update`), and
 * an update+install RUN gets its lists removed (`apt-list-cleanup`).
 */
export function checkApt(c: Ctx, info: RunInfo): void {
  const apt = fam(info, 'apt');
  if (apt.length === 0) return;
  if (info.skip.get('apt')) {
    aptListCleanup(c, info);
    return;
  }
  aptGetNotApt(c, info, apt);
  aptYes(c, info, apt);
  aptNoInstallRecommends(c, info, apt);
  const u = updateOnly(info);
  if (u) {
    if (!aptMergeUpdateRun(c, info, u)) aptDropUpdate(c, info);
    return;
  }
  const target = installsWithoutUpdate(info);
  if (target) {
    aptMergeUpdateInto(c, info, target);
    return;
  }
  aptListCleanup(c, info);
}

/** `apt-get-not-apt` (DL3027): all of the RUN's `apt` commands become `apt-get`, or none. */
function aptGetNotApt(c: Ctx, info: RunInfo, apt: PkgCmd[]): void {
  const { model } = c;
  const { instr } = info;
  const aptWords = apt.filter((p) => p.cmd.name?.raw === 'apt');
  const unmapped = aptWords.find((p) => !APT_TO_APT_GET.has(p.sub?.value ?? ''));
  if (unmapped)
    skipped(
      c,
      'apt-get-not-apt',
      instr.span.start,
      `\`apt ${unmapped.sub?.value ?? ''}\` has no apt-get command that does the same, so ${
        aptWords.some((p) => APT_TO_APT_GET.has(p.sub?.value ?? ''))
          ? 'this RUN keeps `apt` throughout rather than mixing the two'
          : 'it stays'
      }`,
    );
  else if (aptWords.length) {
    const edits: Edit[] = [];
    const notes: string[] = [];
    for (const p of aptWords) {
      edits.push({ ...p.cmd.name!.span, text: 'apt-get' });
      const m = APT_TO_APT_GET.get(p.sub!.value!)!;
      if (m.sub) {
        edits.push({ ...p.sub!.span, text: m.sub });
        notes.push(`\`apt ${p.sub!.value}\` is \`apt-get ${m.sub}\``);
      }
      if (m.add && !hasFlag(p.args, (v) => /new-pkgs|upgrade-allow-new/i.test(v))) {
        edits.push(insertAfter(p.sub!, ` ${m.add}`));
        notes.push(`\`apt ${p.sub!.value}\` is \`apt-get ${p.sub!.value} ${m.add}\``);
      }
    }
    // apt deletes the .debs it downloaded, apt-get keeps them: the same image only where the
    // base image's docker-clean hook deletes them anyway.
    const image = rootImage(model, instr);
    const downloads = aptWords.some((p) => APT_DOWNLOADS.has(p.sub!.value!));
    const keepsDebs = downloads && !hasDockerClean(image);
    if (keepsDebs)
      notes.push(
        `\`apt\` deletes the .debs it downloads and \`apt-get\` keeps them in /var/cache/apt/archives unless the image's apt configuration removes them (Debian's docker-clean hook, in the official Debian/Ubuntu-based images); \`${image ?? 'this base image'}\` is not known to have it: check, or add \`apt-get clean\``,
      );
    fix(
      c,
      'apt-get-not-apt',
      instr,
      '`apt` is meant for terminals and warns that its CLI is unstable in scripts; use `apt-get` (DL3027).',
      edits,
      keepsDebs ? 'review' : 'safe',
      notes.length ? { note: [...new Set(notes)].join('; ') } : {},
    );
  }
}

/** `apt-yes` (DL3014): `-y` on every apt-get command that prompts. */
function aptYes(c: Ctx, info: RunInfo, apt: PkgCmd[]): void {
  const { instr } = info;
  const noYes = apt.filter((p) => APT_YES.has(p.sub?.value ?? '') && !aptAssumesYes(p.args));
  if (noYes.length)
    fix(
      c,
      'apt-yes',
      instr,
      '`apt-get` without `-y` stops at its confirmation prompt and fails the non-interactive build (DL3014).',
      noYes.map((p) => insertAfter(p.sub!, ' -y')),
      'safe',
    );
}

/** `apt-no-install-recommends` (DL3015, review). */
function aptNoInstallRecommends(c: Ctx, info: RunInfo, apt: PkgCmd[]): void {
  const { instr } = info;
  const recommends = apt.filter(
    (p) =>
      p.sub?.value === 'install' &&
      !hasFlag(p.args, (v) => v === '--no-install-recommends' || /install-recommends/i.test(v)),
  );
  if (recommends.length === 0) return;
  // curl, wget and git reach https:// through ca-certificates, which they only recommend.
  let ca = caCertificatesInstalled(c, info);
  const notes: string[] = [];
  const edits = recommends.map((p) => {
    const next = p.args[p.args.indexOf(p.sub!) + 1];
    const yes =
      next && next.value !== null && /^-[a-z]*y[a-z]*$|^--yes$|^--assume-yes$/.test(next.value);
    let text = ' --no-install-recommends';
    const needs = ca ? undefined : aptPackages(p).find((n) => RECOMMENDS_CA_CERTIFICATES.has(n));
    const https = needs ? laterHttps(c, instr, p.cmd.span.end) : null;
    if (needs && https) {
      text += ' ca-certificates';
      ca = true;
      notes.push(`ca-certificates is installed by name: ${needs} only recommends it, and ${https}`);
    }
    return insertAfter(yes ? next : p.sub!, text);
  });
  fix(
    c,
    'apt-no-install-recommends',
    instr,
    '`apt-get install` without `--no-install-recommends` also installs every recommended package, often tens of MB the image never uses (DL3015).',
    edits,
    'review',
    {
      note: [
        'recommended packages are no longer installed; add any the image needs by name',
        ...notes,
      ].join('; '),
    },
  );
}

/** The package names an `apt-get install` names (versions, architectures, releases cut off). */
function aptPackages(p: PkgCmd): string[] {
  const out: string[] = [];
  for (let i = p.args.indexOf(p.sub!) + 1; i < p.args.length; i++) {
    const v = p.args[i]!.value;
    if (v === null) continue;
    if (v.startsWith('-')) {
      if (APT_VALUE_OPTS.has(v)) i++;
      continue;
    }
    out.push(v.replace(/[=/:].*$/, ''));
  }
  return out;
}

/** Per stage, the first RUN that installs ca-certificates by name (absent: none does). */
const caFirst = new WeakMap<Ctx, Map<number, number>>();

/** ca-certificates is installed by name in this RUN or before it (in its stage chain). */
function caCertificatesInstalled(c: Ctx, info: RunInfo): boolean {
  let first = caFirst.get(c);
  if (!first) {
    first = new Map();
    for (const run of c.runs.values()) {
      if (first.has(run.instr.stage)) continue;
      if (
        fam(run, 'apt').some(
          (p) => p.sub?.value === 'install' && aptPackages(p).includes('ca-certificates'),
        )
      )
        first.set(run.instr.stage, run.instr.index);
    }
    caFirst.set(c, first);
  }
  for (const { stage, upTo } of stageChain(c.model, info.instr.index)) {
    const j = first.get(stage.index);
    if (j !== undefined && j > stage.first && j <= Math.min(stage.last, upTo)) return true;
  }
  return false;
}

/**
 * `apt-merge-update`, update-only RUN: merged into the install RUN right after it. True when the
 * RUN is dealt with (merged, or skipped with the reason); false when `apt-drop-update` decides.
 */
function aptMergeUpdateRun(c: Ctx, info: RunInfo, u: PkgCmd): boolean {
  const { model } = c;
  const { instr } = info;
  const next = model.instructions[instr.index + 1];
  const nextInfo = next && next.stage === instr.stage ? c.runs.get(next.index) : undefined;
  const nextBlocked = nextInfo?.skip.get('apt');
  if (next && nextBlocked) {
    skipped(
      c,
      'apt-merge-update',
      instr.span.start,
      `not merged: in the RUN on line ${lineNo(model, next)}, ${nextBlocked}`,
    );
    return true;
  }
  const target = nextInfo ? installsWithoutUpdate(nextInfo) : null;
  if (next && nextInfo && target) {
    if (flagsText(model, instr) !== flagsText(model, next)) {
      skipped(
        c,
        'apt-merge-update',
        instr.span.start,
        `the install RUN on line ${lineNo(model, next)} has different RUN flags (--mount/--network), so they cannot be merged`,
      );
      return true;
    }
    const ins = prependCommand(
      model,
      nextInfo,
      model.text.slice(u.cmd.span.start, u.cmd.span.end),
      target.cmd,
    );
    if (typeof ins === 'string') {
      skipped(
        c,
        'apt-merge-update',
        instr.span.start,
        `cannot merge into the RUN on line ${lineNo(model, next)}: ${ins}`,
      );
      return true;
    }
    fix(
      c,
      'apt-merge-update',
      instr,
      '`apt-get update` in a RUN of its own is cached forever, so later installs read stale package lists; merged into the install RUN that follows.',
      [removeRun(model, instr), ins],
      'safe',
    );
    return true;
  }
  const dep = laterDependent(c, instr);
  if (dep) {
    const between = next && next.index < dep.index ? next : null;
    const why = between
      ? `${between.keyword} on line ${lineNo(model, between)} sits between this update and the install on line ${lineNo(model, dep)}`
      : `the install on line ${lineNo(model, dep)} cannot take it`;
    skipped(c, 'apt-merge-update', instr.span.start, `not merged: ${why}`);
    return true;
  }
  return false;
}

/**
 * `apt-drop-update` (review): an update-only RUN whose lists no later RUN reads is removed.
 */
function aptDropUpdate(c: Ctx, info: RunInfo): void {
  const { model } = c;
  const { instr } = info;
  if (hasCacheMount(instr, 'apt')) return;
  const reader = listsReader(c, instr);
  if (reader) {
    skipped(
      c,
      'apt-drop-update',
      instr.span.start,
      `the lists this update fetches stay in its layer: the RUN on line ${lineNo(model, reader.instr)} may read them (${reader.why})`,
    );
    return;
  }
  const later = aptListsReader(c, instr);
  if (later.sure) {
    skipped(
      c,
      'apt-drop-update',
      instr.span.start,
      `the lists this update fetches stay in its layer: ${later.sure.label} may read them (${later.sure.why})`,
    );
    return;
  }
  if (info.nonPosix) {
    skipped(c, 'apt-drop-update', instr.span.start, notPosix(info));
    return;
  }
  fix(
    c,
    'apt-drop-update',
    instr,
    '`apt-get update` in a RUN of its own leaves its package lists (often 20-50 MB) in this layer, and no later RUN of the stage reads them without running its own update; remove this RUN (DL3009).',
    [removeRun(model, instr)],
    'review',
    {
      note: later.maybe
        ? `${later.maybe.label} may read these lists: ${later.maybe.why}; check that it does not`
        : 'a script run by a later RUN could still install with these lists; check that none does',
    },
  );
}

/**
 * `apt-merge-update`, install RUN: its lists come from an earlier RUN, so it joins the
 * update+install RUN right before it, or runs its own `apt-get update` (review).
 */
function aptMergeUpdateInto(c: Ctx, info: RunInfo, target: PkgCmd): void {
  const { model } = c;
  const { instr } = info;
  const prev = model.instructions[instr.index - 1];
  const prevInfo = prev && prev.stage === instr.stage ? c.runs.get(prev.index) : undefined;
  const source = previousUpdate(c, instr);
  if (!source) return;
  // The RUN before is an install waiting for its own merge: this one follows it next pass.
  if (
    prevInfo &&
    prevInfo !== source &&
    !prevInfo.skip.get('apt') &&
    installsWithoutUpdate(prevInfo)
  )
    return;
  if (prevInfo && prev === source.instr && prevInfo.skip.get('apt') === undefined) {
    if (updateOnly(prevInfo)) return; // handled from the update RUN
    if (
      flagsText(model, prev) === flagsText(model, instr) &&
      singleChain(prevInfo) &&
      singleChain(info) &&
      !stateful(prevInfo) &&
      !hasListCleanup(c, prevInfo)
    ) {
      fix(
        c,
        'apt-merge-update',
        instr,
        'this RUN installs from package lists fetched by the RUN before it, whose layer is cached on its own, so a rebuild can read stale lists; merged into that RUN.',
        [joinRuns(model, prev, prevInfo, instr, info)],
        'safe',
      );
      return;
    }
  }
  const ins = prependCommand(model, info, 'apt-get update', target.cmd);
  if (typeof ins === 'string') {
    skipped(c, 'apt-merge-update', instr.span.start, `cannot run apt-get update here: ${ins}`);
    return;
  }
  fix(
    c,
    'apt-merge-update',
    instr,
    'this RUN installs from package lists fetched by an earlier RUN, whose layer is cached on its own, so a rebuild can read stale lists; run `apt-get update` in this RUN.',
    [ins],
    'review',
    { note: 'adds an apt-get update (a network step) to this RUN' },
  );
}

/** `apt-list-cleanup` (DL3009): `rm -rf /var/lib/apt/lists/*` ends the RUN that runs the update. */
function aptListCleanup(c: Ctx, info: RunInfo): void {
  const { model } = c;
  const { instr } = info;
  const blocked = info.skip.get('apt');
  if (blocked) {
    if (aptUpdates(info).length > 0 && !hasListCleanup(c, info) && !hasCacheMount(instr, 'apt'))
      skipped(c, 'apt-list-cleanup', instr.span.start, `${blocked}; not rewritten`);
    return;
  }
  if (aptUpdates(info).length === 0) return;
  if (hasListCleanup(c, info) || hasCacheMount(instr, 'apt')) return;
  if (aptNeedsLists(info).length === 0) {
    if (!listsReader(c, instr))
      skipped(
        c,
        'apt-list-cleanup',
        instr.span.start,
        'no apt command in this RUN or after it reads the lists `apt-get update` fetches here, so they stay in the layer; not cleaned up, since a script may read them',
      );
    return;
  }
  const dep = laterDependent(c, instr);
  if (dep) {
    skipped(
      c,
      'apt-list-cleanup',
      instr.span.start,
      `the RUN on line ${lineNo(model, dep)} installs with the package lists this RUN fetches; removing them would break it`,
    );
    return;
  }
  const reader = aptListsReader(c, instr);
  if (reader.sure) {
    skipped(
      c,
      'apt-list-cleanup',
      instr.span.start,
      `${reader.sure.label} reads the package lists this RUN fetches (${reader.sure.why}); removing them would break it`,
    );
    return;
  }
  cleanupOrMount(
    c,
    info,
    'apt',
    'apt-list-cleanup',
    'rm -rf /var/lib/apt/lists/*',
    '`apt-get update` leaves its package lists (often 20-50 MB) in /var/lib/apt/lists of this layer; remove them in the same RUN (DL3009).',
    reader.maybe
      ? {
          applicability: 'review',
          note: `${reader.maybe.label} may read the lists: ${reader.maybe.why}; check that it does not`,
        }
      : {},
  );
}

export function previousUpdate(c: Ctx, instr: Instruction): RunInfo | null {
  for (let i = instr.index - 1; i >= 0; i--) {
    const other = c.model.instructions[i]!;
    if (other.stage !== instr.stage) return null;
    const info = c.runs.get(i);
    if (info && aptUpdates(info).length > 0) return info;
  }
  return null;
}
