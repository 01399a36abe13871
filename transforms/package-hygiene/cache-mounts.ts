/**
 * package-hygiene: BuildKit cache mounts. Where each manager keeps its cache, whether a RUN
 * already mounts one, and `cleanupOrMount`: the cleanup command of a rule, or with
 * `--cache-mounts` the `cache-mount` rule's `--mount=type=cache` flags when they fit (root user,
 * default cache folders, a POSIX shell). See docs/rules/package-hygiene.md.
 */
import type { Applicability, Instruction, SimpleCommand } from '../../src/model/types.js';
import {
  builderNote,
  cleanupApplicability,
  type Ctx,
  fix,
  runsAsRoot,
  skipped,
} from './context.js';
import type { RunInfo } from './run.js';
import { appendAfter, appendCommand, commandIndent, esc, isMultiline } from './shell-edits.js';

export function cacheTargets(instr: Instruction): string[] {
  return instr.flags
    .filter((f) => f.name === 'mount' && f.options.type === 'cache' && f.options.target)
    .map((f) => f.options.target!.replace(/\/+$/, ''));
}

export const MOUNTS: Partial<Record<string, { test: (t: string) => boolean; add: string[] }>> = {
  apt: {
    test: (t) => t.startsWith('/var/lib/apt') || t.startsWith('/var/cache/apt'),
    add: [
      '--mount=type=cache,target=/var/cache/apt,sharing=locked',
      '--mount=type=cache,target=/var/lib/apt,sharing=locked',
    ],
  },
  apk: {
    test: (t) => t.startsWith('/var/cache/apk') || t.startsWith('/etc/apk/cache'),
    add: ['--mount=type=cache,target=/var/cache/apk'],
  },
  dnf: {
    test: (t) => t.startsWith('/var/cache/dnf') || t.startsWith('/var/cache/libdnf5'),
    add: ['--mount=type=cache,target=/var/cache/dnf'],
  },
  yum: {
    test: (t) => t.startsWith('/var/cache/yum'),
    add: ['--mount=type=cache,target=/var/cache/yum'],
  },
  microdnf: {
    test: (t) => t.startsWith('/var/cache/yum') || t.startsWith('/var/cache/dnf'),
    add: [],
  },
  zypper: { test: (t) => t.startsWith('/var/cache/zypp'), add: [] },
  pip: {
    test: (t) => t === '/root/.cache' || t.includes('.cache/pip'),
    add: ['--mount=type=cache,target=/root/.cache/pip'],
  },
  npm: {
    test: (t) => t.endsWith('.npm') || t.includes('/.npm/'),
    add: ['--mount=type=cache,target=/root/.npm'],
  },
  yarn: { test: (t) => t.includes('yarn'), add: [] },
};

export function hasCacheMount(instr: Instruction, tool: string): boolean {
  const m = MOUNTS[tool];
  return !!m && cacheTargets(instr).some((t) => m.test(t));
}

/** Cleanup command, or the cache-mount form when the option asks for it and it fits. */
export function cleanupOrMount(
  c: Ctx,
  info: RunInfo,
  tool: string,
  kind: string,
  command: string,
  message: string,
  opts: { after?: SimpleCommand; applicability?: Applicability; note?: string } = {},
): void {
  const { model } = c;
  const { instr } = info;
  if (c.check.options.cacheMounts && mountFits(c, info, tool)) {
    const flags = MOUNTS[tool]!.add;
    const at = instr.argsSpan.start;
    const text = isMultiline(instr)
      ? flags.map((f) => `${f} ${esc(model)}${model.eol}${commandIndent(model, instr)}`).join('')
      : flags.map((f) => `${f} `).join('');
    fix(
      c,
      'cache-mount',
      instr,
      `${tool} keeps its downloads in the layer; a BuildKit cache mount keeps them out of the image and reuses them across builds (${MOUNT_DL[tool] ?? 'no hadolint id'}).`,
      [{ start: at, end: at, text }],
      'safe',
      {
        hadolint: MOUNT_DL[tool] ? [MOUNT_DL[tool]] : [],
        ...(tool === 'apt'
          ? {
              note: 'Debian/Ubuntu images delete downloaded .debs (docker-clean); the lists mount still saves the download of the package lists',
            }
          : {}),
      },
    );
    return;
  }
  const edit = opts.after
    ? appendAfter(model, info, opts.after, command)
    : appendCommand(model, info, command);
  if (typeof edit === 'string') {
    skipped(c, kind, instr.span.start, edit);
    return;
  }
  const applicability = opts.applicability ?? cleanupApplicability(c, instr);
  const note = [opts.note, builderNote(c, instr).note].filter(Boolean).join('; ');
  fix(c, kind, instr, message, [edit], applicability, note ? { note } : {});
}

export const MOUNT_DL: Record<string, string> = {
  apt: 'DL3009',
  apk: 'DL3019',
  dnf: 'DL3040',
  yum: 'DL3032',
  pip: 'DL3042',
};

export function mountFits(c: Ctx, info: RunInfo, tool: string): boolean {
  if (info.nonPosix) return false;
  const m = MOUNTS[tool];
  if (!m || m.add.length === 0) return false;
  if (instrHasMountTarget(info.instr, m.add)) return false;
  if (['pip', 'npm'].includes(tool)) {
    if (!runsAsRoot(c.model, info.instr)) return false;
    const vars = c.model.varsAt(info.instr.index);
    if (
      ['XDG_CACHE_HOME', 'PIP_CACHE_DIR', 'npm_config_cache', 'NPM_CONFIG_CACHE', 'HOME'].some(
        (v) => vars.has(v),
      )
    )
      return false;
  }
  return true;
}

export function instrHasMountTarget(instr: Instruction, add: string[]): boolean {
  const targets = new Set(cacheTargets(instr));
  return add.some((a) => targets.has(/target=([^,]+)/.exec(a)![1]!));
}
