/**
 * package-hygiene, pip rule `pip-no-cache-dir` (DL3042): `--no-cache-dir` on `pip install`
 * (abbreviations and PIP_NO_CACHE_DIR count as present), or a cache mount with `--cache-mounts`.
 * See docs/rules/package-hygiene.md.
 */
import { hasFlag } from '../../src/toolkit/commands.js';
import { pipCacheOption } from '../../src/toolkit/packages/system.js';
import { cleanupOrMount, hasCacheMount, mountFits } from './cache-mounts.js';
import { builderNote, cleanupApplicability, type Ctx, fix, skipped } from './context.js';
import { fam, type RunInfo } from './run.js';
import { insertAfter } from './shell-edits.js';

export function checkPip(c: Ctx, info: RunInfo): void {
  const { model } = c;
  const { instr } = info;
  const installs = fam(info, 'pip').filter(
    (p) =>
      p.sub?.value === 'install' &&
      !hasFlag(p.args, pipCacheOption) &&
      !p.cmd.assignments.some((a) => /^PIP_NO_CACHE_DIR=./.test(a.value ?? a.raw)),
  );
  if (installs.length === 0 || hasCacheMount(instr, 'pip')) return;
  // pip disables its cache for any value of PIP_NO_CACHE_DIR (even 0 or false), but not for an
  // empty one; an unknown value (an ARG without default) counts as set.
  const noCacheEnv = model.varsAt(instr.index).get('PIP_NO_CACHE_DIR');
  if (noCacheEnv === null || (noCacheEnv !== undefined && noCacheEnv !== '')) return;
  const blocked = info.skip.get('pip');
  if (blocked) {
    skipped(c, 'pip-no-cache-dir', instr.span.start, `${blocked}; not rewritten`);
    return;
  }
  if (c.check.options.cacheMounts && mountFits(c, info, 'pip')) {
    cleanupOrMount(c, info, 'pip', 'pip-no-cache-dir', '', '');
    return;
  }
  fix(
    c,
    'pip-no-cache-dir',
    instr,
    '`pip install` keeps a copy of every downloaded wheel in ~/.cache/pip of this layer; `--no-cache-dir` keeps it out of the image (DL3042).',
    installs.map((p) => insertAfter(p.sub!, ' --no-cache-dir')),
    cleanupApplicability(c, instr),
    builderNote(c, instr),
  );
}
