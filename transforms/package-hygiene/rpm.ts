/**
 * package-hygiene, rpm-family rules (dnf, yum, microdnf, zypper): `dnf-yes` (DL3038, DL3030,
 * DL3034) and `dnf-clean` (DL3040, DL3032, DL3036). One function per rule.
 * See docs/rules/package-hygiene.md.
 */
import { hasFlag } from '../../src/toolkit/commands.js';
import { RPM_NO_CACHE, RPM_YES } from '../../src/toolkit/packages/system.js';
import { cleanupOrMount, hasCacheMount, MOUNTS } from './cache-mounts.js';
import { type Ctx, fix, skipped } from './context.js';
import { laterReader } from './readers.js';
import { fam, type PkgCmd, type RunInfo } from './run.js';
import { insertAfter } from './shell-edits.js';

/** The rpm-family rules of one RUN: `dnf-yes`, then `dnf-clean`. */
export function checkRpm(c: Ctx, info: RunInfo): void {
  const rpm = fam(info, 'rpm');
  if (rpm.length === 0) return;
  const blocked = info.skip.get('rpm');
  if (blocked) {
    if (!rpmCleaned(info, rpm))
      skipped(c, 'dnf-clean', info.instr.span.start, `${blocked}; not rewritten`);
    return;
  }
  dnfYes(c, info, rpm);
  dnfClean(c, info, rpm);
}

/** The RUN cleans the rpm-family cache itself (`clean all`, `rm -rf /var/cache/dnf`, ...). */
function rpmCleaned(info: RunInfo, rpm: PkgCmd[]): boolean {
  const { instr } = info;
  return (
    rpm.some(
      (p) =>
        (p.sub?.value === 'clean' &&
          (p.tool === 'zypper' ||
            hasFlag(p.args, (v) => v === 'all' || v === '--all' || v === '-a'))) ||
        p.sub?.value === 'cc',
    ) ||
    instr.shell!.commands.some(
      (cmd) =>
        cmd.name?.value === 'rm' &&
        cmd.args.some((a) => /^\/var\/cache\/(yum|dnf|zypp|libdnf5)/.test(a.value ?? a.raw)),
    )
  );
}

/** `dnf-yes`: dnf DL3038, yum DL3030, zypper DL3034 (microdnf does not prompt). */
function dnfYes(c: Ctx, info: RunInfo, rpm: PkgCmd[]): void {
  const { instr } = info;
  const noYes = rpm.filter(
    (p) =>
      p.tool !== 'microdnf' &&
      RPM_YES.has(p.sub?.value ?? '') &&
      !hasFlag(
        p.args,
        (v) =>
          ['-y', '--assumeyes', '--yes', '-n', '--non-interactive', '--no-confirm'].includes(v) ||
          /^-[a-z]*y[a-z]*$/.test(v) ||
          /assumeyes/.test(v),
      ),
  );
  if (noYes.length) {
    const ids = [
      ...new Set(
        noYes.map(
          (p) => ({ dnf: 'DL3038', yum: 'DL3030', zypper: 'DL3034' })[p.tool as 'dnf'] ?? 'DL3038',
        ),
      ),
    ];
    fix(
      c,
      'dnf-yes',
      instr,
      `${noYes[0]!.tool} without \`-y\` stops at its confirmation prompt and fails the non-interactive build (${ids.join(', ')}).`,
      noYes.map((p) => insertAfter(p.sub!, ' -y')),
      'safe',
    );
  }
}

/** `dnf-clean`: `dnf/yum/microdnf clean all`, `zypper clean --all` (DL3040, DL3032, DL3036). */
function dnfClean(c: Ctx, info: RunInfo, rpm: PkgCmd[]): void {
  const { instr } = info;
  // `--cacheonly` (`-C`) reads the cache and downloads nothing.
  const writes = rpm.filter(
    (p) =>
      p.sub &&
      !RPM_NO_CACHE.has(p.sub.value ?? '') &&
      !hasFlag(p.args, (v) => v === '-C' || v === '--cacheonly'),
  );
  if (writes.length === 0 || rpmCleaned(info, rpm)) return;
  // A later `dnf install --cacheonly` or `dnf repoquery -C` reads the metadata from this cache.
  const reader = laterReader(c, instr, (cmd) =>
    cmd.name !== null &&
    ['dnf', 'yum', 'microdnf'].includes(cmd.name) &&
    hasFlag(cmd.args, (v) => v === '-C' || v === '--cacheonly')
      ? `it runs \`${cmd.name} ${cmd.args.map((a) => a.raw).join(' ')}\`, which reads only the cache`
      : null,
  );
  if (reader) {
    skipped(
      c,
      'dnf-clean',
      instr.span.start,
      `${reader.label} reads the ${writes[0]!.tool} cache this RUN fills (${reader.why}); cleaning it would break that`,
    );
    return;
  }
  const tool = writes[writes.length - 1]!.tool;
  if (rpm.some((p) => MOUNTS[p.tool]?.test && hasCacheMount(instr, p.tool))) return;
  const id = (
    { dnf: 'DL3040', microdnf: 'DL3040', yum: 'DL3032', zypper: 'DL3036' } as Record<string, string>
  )[tool]!;
  const cmd = tool === 'zypper' ? 'zypper clean --all' : `${tool} clean all`;
  cleanupOrMount(
    c,
    info,
    tool,
    'dnf-clean',
    cmd,
    `${tool} leaves its metadata and package cache in /var/cache of this layer; run \`${cmd}\` in the same RUN (${id}).`,
  );
}
