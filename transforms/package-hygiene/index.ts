/**
 * Transform `package-hygiene`: package-manager commands in RUN that leave caches in the layer or
 * install from stale lists (apt, apk, dnf/yum/microdnf/zypper, pip, npm, yarn). This file holds
 * the meta, the rule catalogue and the dispatch; each package manager has its own file (apt.ts,
 * apk.ts, rpm.ts, pip.ts, node.ts) with one function per rule, sharing run.ts (reading a RUN),
 * shell-edits.ts, cache-mounts.ts and context.ts. Rules, fix safety and the design decisions:
 * docs/rules/package-hygiene.md.
 */
import type { RuleMeta, Transform } from '../../src/model/types.js';
import { checkApk } from './apk.js';
import { checkApt, hasListCleanup } from './apt.js';
import { type Ctx, finalStages, ID, skipped } from './context.js';
import { checkNpm, checkYarn, npmCleaned } from './node.js';
import { checkPip } from './pip.js';
import { checkRpm } from './rpm.js';
import {
  bodyFamilies,
  type Family,
  fam,
  FAMILY_RULE,
  heredocForm,
  readRun,
  type RunInfo,
  shellProblem,
} from './run.js';

const r = (kind: string, title: string, applicability: 'safe' | 'review', hadolint: string[]) =>
  ({ id: `${ID}/${kind}`, title, applicability, hadolint }) satisfies RuleMeta;

/** Every rule id this transform reports (fixes and skips). */
export const rules: readonly RuleMeta[] = [
  r('apt-merge-update', 'Merge a lone `apt-get update` into its install RUN', 'safe', []),
  r('apt-drop-update', 'Remove an `apt-get update` RUN whose lists nothing reads', 'review', [
    'DL3009',
  ]),
  r('apt-get-not-apt', 'Use `apt-get` instead of `apt`', 'safe', ['DL3027']),
  r('apt-yes', 'Add `-y` to apt-get', 'safe', ['DL3014']),
  r('apt-no-install-recommends', 'Add `--no-install-recommends`', 'review', ['DL3015']),
  r('apt-list-cleanup', 'Remove the apt lists in the same RUN', 'safe', ['DL3009']),
  r('apk-no-cache', 'Use `apk add --no-cache`', 'safe', ['DL3019']),
  r('dnf-yes', 'Add `-y` to dnf, yum, zypper', 'safe', ['DL3038', 'DL3030', 'DL3034']),
  r('dnf-clean', 'Clean the dnf/yum/zypper cache in the same RUN', 'safe', [
    'DL3040',
    'DL3032',
    'DL3036',
  ]),
  r('pip-no-cache-dir', 'Use `pip install --no-cache-dir`', 'safe', ['DL3042']),
  r('npm-ci', 'Use `npm ci` when the lockfile is in the image', 'review', []),
  r('npm-cache-clean', 'Clean the npm cache in the same RUN', 'safe', []),
  r('yarn-cache-clean', 'Clean the Yarn 1 cache in the same RUN', 'safe', ['DL3060']),
  r('cache-mount', 'Use BuildKit cache mounts instead of cleanup (`--cache-mounts`)', 'safe', [
    'DL3009',
    'DL3019',
    'DL3040',
    'DL3032',
    'DL3042',
  ]),
];

/** A manager only run out of the transform's reach (`bash -c`, a wrapper) already cleans up
 * after itself there: nothing to report. */
function alreadyClean(c: Ctx, info: RunInfo, f: Family): boolean {
  if (f === 'apt') return hasListCleanup(c, info);
  if (f === 'npm') return npmCleaned(c, info);
  return false;
}

export const transform: Transform = {
  meta: {
    id: ID,
    title: 'Package managers: fresh lists, no caches in layers',
    hadolint: [
      'DL3009',
      'DL3014',
      'DL3015',
      'DL3019',
      'DL3027',
      'DL3030',
      'DL3032',
      'DL3034',
      'DL3036',
      'DL3038',
      'DL3040',
      'DL3042',
      'DL3060',
    ],
    applicability: 'safe',
    rules,
    docs: {
      why:
        '`apt-get update` in a RUN of its own is cached forever, so later installs read stale package lists; ' +
        'package managers leave lists and download caches (apt lists, apk index, dnf/yum metadata, ~/.cache/pip, ~/.npm, the yarn cache) ' +
        'in the layer, and a later `rm` never shrinks an earlier layer. Measured: `RUN apt-get update` + `RUN apt-get install -y python3 python3-flask` ' +
        'gave 230.3 MB; one RUN with `--no-install-recommends` and list cleanup gave 167.9 MB (-27%).',
      fixSafety:
        'Safe: merging an update-only RUN into the install RUN right after it (same stage, same flags), `apt` -> `apt-get` (with `apt upgrade` -> `apt-get upgrade --with-new-pkgs` and `apt full-upgrade` -> `apt-get dist-upgrade`), `-y`, ' +
        'and cleanup right after the install or at the end of the same RUN (joined with `&&`, or as a new statement under `set -e`), which removes only caches; dropping an `apk update` whose index nothing reads. ' +
        'Review: `--no-install-recommends` (recommended packages are no longer installed), `apt install` -> `apt-get install` on a base image not known to have the docker-clean apt hook (apt deletes the .debs it downloads, apt-get keeps them), `npm install` -> `npm ci` (fails on an out-of-date lockfile; only proposed when a COPY put the lockfile where the install runs), ' +
        'an `apt-get update` added to an install RUN that is not next to its update, removing a standalone `apt-get update` whose lists no later RUN reads, `yarn cache clean` without a build context (Yarn 2+ cannot be ruled out), and cleanup in stages the final image does not build on. ' +
        'Commands in conditionals, loops, pipelines, `||` chains, `sh -c` or other wrappers, with variable subcommands or local .deb files, heredocs fed to something other than sh/bash, ' +
        "`yarn cache clean` on Yarn 2+ (Plug'n'Play loads packages from the cache), and shell-syntax rewrites in RUNs without a POSIX shell (PowerShell/cmd SHELL, Windows images) are left alone. " +
        'A rule that deletes a cache first looks for a later reader (later RUNs, ONBUILD RUNs, ENTRYPOINT/CMD; through wrappers, `sh -c`, `eval` and scripts in the build context) and skips when it finds one; an apt list cleanup before a script it cannot read is review. ' +
        'A RUN with a cache mount for the manager gets no cleanup. With `--cache-mounts`, apt gets `/var/cache/apt` and `/var/lib/apt` mounts with `sharing=locked` ' +
        "(the lists and `extended_states` then live in the cache, not the image); Debian's docker-clean hook is kept, so .debs are not cached.",
    },
  },
  check(model, ctx) {
    const c: Ctx = { model, check: ctx, runs: new Map(), finals: finalStages(model), out: [] };
    for (const instr of model.instructions) {
      if (instr.keyword !== 'RUN' || !instr.shell || instr.stage < 0) continue;
      const form = heredocForm(instr, model.text);
      const info = readRun(form?.kind === 'script' ? form.instr : instr);
      if (form?.kind === 'script' && form.errexit) info.errexit = true;
      if (form?.kind === 'other')
        for (const f of bodyFamilies(instr)) if (!info.skip.has(f)) info.skip.set(f, form.reason);
      info.nonPosix = shellProblem(model, instr);
      c.runs.set(instr.index, info);
    }
    for (const info of c.runs.values()) {
      // A manager only seen behind a wrapper or inside `sh -c`.
      for (const [f, reason] of info.skip)
        if (fam(info, f).length === 0 && !alreadyClean(c, info, f))
          skipped(c, FAMILY_RULE[f], info.instr.span.start, `${reason}; not rewritten`);
      checkApt(c, info);
      checkApk(c, info);
      checkRpm(c, info);
      checkPip(c, info);
      checkNpm(c, info);
      checkYarn(c, info);
    }
    return c.out;
  },
};
