/**
 * `layer-waste/copy-chown`: `COPY`/`ADD` then `RUN chown -R U:G PATH` / `RUN chmod [-R] MODE PATH`
 * over exactly what the copy wrote. The RUN rewrites every file it touches into a new layer, so
 * the copied bytes ship twice; `COPY --chown` / `--chmod` writes them once with the right owner.
 */
import { normalizePosix } from '../../src/model/dockerfile.js';
import { copyDestination, copySpec, hasGlob, sourceValue } from '../../src/toolkit/copy.js';
import type { Edit, Instruction, SimpleCommand, Word } from '../../src/model/types.js';
import {
  chainOf,
  earlier,
  fix,
  line,
  nameOf,
  removeFromRun,
  removeLines,
  rootImage,
  shellPath,
  skip,
  touches,
  under,
  type Ctx,
} from './shared.js';

const KIND = 'copy-chown';

/** Users (and groups of the same name) every image of a family ships. */
const DEBIAN_USERS = [
  'root',
  'daemon',
  'bin',
  'sys',
  'sync',
  'games',
  'man',
  'lp',
  'mail',
  'news',
  'uucp',
  'proxy',
  'www-data',
  'backup',
  'list',
  'irc',
  'nobody',
];
const ALPINE_USERS = ['root', 'bin', 'daemon', 'lp', 'sync', 'mail', 'news', 'uucp', 'nobody'];

/** Users a known base image has, by image name (without registry/tag); null: not known. */
function imageUsers(image: string | null): Set<string> | null {
  if (!image) return null;
  const m = /^(?:docker\.io\/)?(?:library\/)?([a-z0-9._-]+)(?::([^@]+))?(?:@.*)?$/.exec(image);
  if (!m) return null;
  const [, name, tag = 'latest'] = m;
  const alpine = name === 'alpine' || tag.includes('alpine');
  const base = alpine ? ALPINE_USERS : DEBIAN_USERS;
  const extra: Record<string, string[]> = {
    node: ['node'],
    nginx: ['nginx'],
    php: ['www-data'],
    httpd: ['www-data'],
    redis: ['redis'],
    postgres: ['postgres'],
  };
  const family = [
    'debian',
    'ubuntu',
    'alpine',
    'python',
    'node',
    'golang',
    'ruby',
    'nginx',
    'php',
    'httpd',
    'openjdk',
    'eclipse-temurin',
    'buildpack-deps',
    'rust',
    'perl',
    'redis',
    'postgres',
  ];
  if (!family.includes(name!)) return null;
  return new Set([...base, ...(extra[name!] ?? [])]);
}

/** Names a RUN creates with useradd/adduser/groupadd/addgroup (user or group). */
function created(cmds: SimpleCommand[]): Set<string> {
  const out = new Set<string>();
  for (const c of cmds) {
    const n = nameOf(c);
    if (!n || !['useradd', 'adduser', 'groupadd', 'addgroup'].includes(n)) continue;
    const last = [...c.args].reverse().find((a) => a.value && !a.value.startsWith('-'));
    if (last?.value) out.add(last.value);
    // adduser USER GROUP (Debian: add USER to GROUP) names an existing group second.
  }
  return out;
}

function allCommands(i: Instruction): SimpleCommand[] {
  return i.shell?.commands ?? [];
}

/** Why `name` (user or group) may not exist when instruction `at` runs, or null. */
function missing(c: Ctx, at: Instruction, name: string): string | null {
  if (/^\d+$/.test(name)) return null;
  const before = earlier(c.model, at.index);
  for (const i of before) if (i.keyword === 'RUN' && created(allCommands(i)).has(name)) return null;
  const image = rootImage(c.model, at.index);
  const users = imageUsers(image);
  if (users?.has(name)) return null;
  return users
    ? `\`${name}\` is not created before the COPY on line ${line(at)} and the base image \`${image}\` does not have it`
    : `\`${name}\` is not created before the COPY on line ${line(at)} and the base image${image ? ` \`${image}\`` : ''} is not one whose users are known`;
}

interface Op {
  kind: 'chown' | 'chmod';
  cmd: SimpleCommand;
  pos: number;
  recursive: boolean;
  /** `U:G` or the octal mode. */
  value: string;
  target: Word;
}

/** A chown/chmod command read as one operation on one path, or why not (null: not one). */
function readOp(cmd: SimpleCommand, pos: number): Op | string | null {
  const n = nameOf(cmd);
  if (n !== 'chown' && n !== 'chmod') return null;
  let recursive = false;
  const rest: Word[] = [];
  for (const a of cmd.args) {
    const v = a.value;
    if (v === null) return `\`${cmd.name!.raw}\` has a variable argument`;
    if (v === '-R' || v === '--recursive') recursive = true;
    else if (v.startsWith('-') && !/^-[rwxXst]+$/.test(v)) return `\`${n} ${v}\` is not modelled`;
    else rest.push(a);
  }
  if (rest.length !== 2) return `\`${n}\` changes ${rest.length - 1} paths, not one`;
  return { kind: n, cmd, pos, recursive, value: rest[0]!.value!, target: rest[1]! };
}

/** `U:G` -> the --chown value, or why it cannot be one. */
function chownValue(v: string): { user: string; group: string | null } | string {
  const m = /^([A-Za-z0-9_.][A-Za-z0-9_.-]*)(?:[:.]([A-Za-z0-9_.][A-Za-z0-9_.-]*)?)?$/.exec(v);
  if (!m) return `\`chown ${v}\` is not a user[:group]`;
  if (v.endsWith(':') || v.endsWith('.'))
    return `\`chown ${v}\` takes the user's login group, which COPY --chown does not`;
  return { user: m[1]!, group: m[2] ?? null };
}

/** Whether the builder is known to be BuildKit: `# syntax=`, or a BuildKit-only feature. */
function buildkit(c: Ctx): boolean {
  if (c.model.directives.some((d) => d.name.toLowerCase() === 'syntax')) return true;
  return c.model.instructions.some(
    (i) =>
      i.heredocs.length > 0 ||
      i.flags.some(
        (f) =>
          f.name === 'mount' ||
          f.name === 'link' ||
          f.name === 'chmod' ||
          (f.name === 'network' && i.keyword === 'RUN'),
      ),
  );
}

/** Folders where base images keep their own files. */
function systemFolder(p: string): boolean {
  if (/^\/usr\/(src|local\/src)\/[^/]/.test(p)) return false;
  return /^\/(etc|usr|var|lib\w*|bin|sbin|root|boot|dev|proc|sys|run|tmp)(\/|$)/.test(p);
}

/** Folders every Linux base image has. */
const STANDARD = new Set([
  '/etc',
  '/usr/bin',
  '/usr/local/bin',
  '/usr/local/lib',
  '/usr/share',
  '/var',
  '/bin',
  '/',
  '/opt',
  '/srv',
  '/home',
  '/usr/src',
  '/usr/local',
  '/usr/local/src',
  '/tmp',
  '/mnt',
  '/var/lib',
]);

/** The folder exists when `at` runs: a standard one, or one a WORKDIR or COPY made before. */
function folderExists(c: Ctx, at: Instruction, dir: string): boolean {
  if (STANDARD.has(dir)) return true;
  // The home folder of a user a known base image ships (`/home/node` in node images).
  const home = /^\/home\/([^/]+)$/.exec(dir)?.[1];
  const image = rootImage(c.model, at.index);
  if (home && home === 'node' && /^(?:docker\.io\/)?(?:library\/)?node(:|@|$)/.test(image ?? ''))
    return true;
  for (const i of earlier(c.model, at.index)) {
    if (i.keyword === 'WORKDIR') {
      const wd = c.model.workdirAt(i.index + 1);
      if (wd !== null && under(wd, dir)) return true;
    }
  }
  return false;
}

export function checkCopyChown(c: Ctx): void {
  const { model } = c;
  for (const run of model.instructions) {
    if (run.keyword !== 'RUN' || run.stage < 0 || !run.shell) continue;
    // chown/chmod commands this rule can read (others, with variables or several paths, are not
    // recognized as the pattern).
    const ops: Op[] = [];
    for (const cmd of run.shell.commands) {
      const op = readOp(cmd, -1);
      if (op !== null && typeof op !== 'string') ops.push(op);
    }
    if (ops.length === 0) continue;
    if (ops.length > 1) {
      if (ops.some((o) => copyOf(c, run, o) !== null))
        skip(c, KIND, run, 'the RUN changes owners or modes more than once; not rewritten');
      continue;
    }
    const op = ops[0]!;
    const found = copyOf(c, run, op);
    if (!found) continue; // Not a copy's files: nothing this rule knows.
    if (typeof found === 'string') {
      skip(c, KIND, run, found);
      continue;
    }
    const ch = chainOf(run);
    if ('why' in ch) {
      skip(c, KIND, run, `${ch.why}; the ${op.kind} in it is not moved into the COPY`);
      continue;
    }
    op.pos = ch.cmds.indexOf(op.cmd);
    if (op.pos < 0) {
      skip(c, KIND, run, `the ${op.kind} sits inside a compound command; not rewritten`);
      continue;
    }
    checkOne(c, run, ch.cmds, op, found.copy, found.dest, found.target);
  }
}

/** The COPY whose files the op changes (the last one of the stage writing at, above or below its
 * path), a reason it cannot be resolved, or null when no COPY wrote there. */
function copyOf(
  c: Ctx,
  run: Instruction,
  op: Op,
): { copy: Instruction; dest: { dest: string; intoDir: boolean }; target: string } | string | null {
  const { model } = c;
  const target = shellPath(model, run, op.target);
  if (target === null) return null;
  const stage = model.stages[run.stage]!;
  for (let j = run.index - 1; j > stage.first; j--) {
    const i = model.instructions[j]!;
    const spec = copySpec(model, i);
    if (!spec) continue;
    const d = copyDestination(model, spec);
    if (!d) continue;
    if (under(d.dest, target) || under(target, d.dest)) return { copy: i, dest: d, target };
  }
  return null;
}

function checkOne(
  c: Ctx,
  run: Instruction,
  cmds: SimpleCommand[],
  op: Op,
  copy: Instruction,
  dest: { dest: string; intoDir: boolean },
  target: string,
): void {
  const { model } = c;
  const stage = model.stages[run.stage]!;
  const spec = copySpec(model, copy)!;
  if (dest.dest !== target) {
    skip(
      c,
      KIND,
      run,
      under(dest.dest, target)
        ? `\`${op.kind}\` changes ${target}, a folder above what the COPY on line ${line(copy)} wrote (${dest.dest}): it re-owns more than the copy`
        : `\`${op.kind}\` changes ${target}, only part of what the COPY on line ${line(copy)} wrote`,
    );
    return;
  }
  if (spec.from !== null || spec.heredoc) {
    skip(c, KIND, run, `the COPY on line ${line(copy)} takes its files from a stage or a heredoc`);
    return;
  }
  const flag = op.kind === 'chown' ? 'chown' : 'chmod';
  if (copy.flags.some((f) => f.name === flag)) {
    // A folder's own chown/chmod (what this rule leaves) or a different choice of the author's.
    if (op.recursive) skip(c, KIND, run, `the COPY on line ${line(copy)} already has --${flag}`);
    return;
  }
  // File or folder: a folder keeps a non-recursive chown/chmod of itself (it may have existed
  // before the copy, e.g. from WORKDIR); a file loses the command.
  let isDir: boolean | null = dest.intoDir ? true : null;
  if (isDir === null && spec.sources.length === 1) {
    const v = sourceValue(model, spec, spec.sources[0]!);
    if (v !== null && !hasGlob(v) && !/^[a-z]+:\/\//i.test(v) && c.check.buildContext.available) {
      const rel = normalizePosix('/' + v).slice(1);
      if (rel === '' || c.check.buildContext.isDirectory(rel)) isDir = true;
      else if (c.check.buildContext.exists(rel))
        isDir = spec.keyword === 'ADD' && /\.(tar|tgz|tar\.\w+)$/.test(rel) ? null : false;
    }
  }
  if (isDir === null) {
    skip(
      c,
      KIND,
      run,
      `cannot tell whether ${target} is a file or a folder (source not found in the build context)`,
    );
    return;
  }
  if (isDir && !op.recursive) {
    skip(
      c,
      KIND,
      run,
      `\`${op.kind}\` without -R changes only the folder ${target}, not what the COPY wrote`,
    );
    return;
  }
  // Nothing else in the stage writes there, before the copy (the chown would re-own it too) or
  // between the copy and the RUN (it reads or writes the copied files).
  for (const i of [
    ...(isDir ? model.instructions.slice(stage.first + 1, copy.index) : []),
    ...model.instructions.slice(copy.index + 1, run.index),
  ]) {
    if (
      i.keyword === 'WORKDIR' ||
      (i.keyword !== 'RUN' && i.keyword !== 'COPY' && i.keyword !== 'ADD')
    )
      continue;
    const t = touches(model, i, target);
    if (t) {
      const between = i.index > copy.index;
      skip(
        c,
        KIND,
        run,
        between
          ? `${t} between the COPY and the ${op.kind}: the files are used before their owner or mode changes`
          : `${t} before the COPY: the ${op.kind} changes those files too`,
      );
      return;
    }
  }
  if (isDir && stage.fromStage !== null) {
    skip(
      c,
      KIND,
      run,
      `the stage builds on stage ${stage.fromStage}, which may have files in ${target}`,
    );
    return;
  }
  // A folder that a base image may already fill.
  if (isDir && imageUsers(rootImage(model, run.index)) === null) {
    skip(
      c,
      KIND,
      run,
      `the base image is not a known one: it may already have files in ${target} that the ${op.kind} changes too`,
    );
    return;
  }
  if (isDir && systemFolder(target)) {
    skip(
      c,
      KIND,
      run,
      `${target} is a system folder: the base image may have files there that the ${op.kind} changes too`,
    );
    return;
  }
  const parent = target.slice(0, target.lastIndexOf('/')) || '/';
  if (op.kind === 'chown' && !folderExists(c, copy, parent)) {
    skip(
      c,
      KIND,
      run,
      `the COPY on line ${line(copy)} may create the folder ${parent} too, and --chown would give it the new owner (\`chown -R ${target}\` does not)`,
    );
    return;
  }
  let value: string;
  const notes: string[] = [];
  let applicability: 'safe' | 'review' = 'safe';
  if (op.kind === 'chown') {
    const v = chownValue(op.value);
    if (typeof v === 'string') {
      skip(c, KIND, run, v);
      return;
    }
    for (const n of [v.user, v.group ?? v.user]) {
      const m = missing(c, copy, n);
      if (m) {
        skip(c, KIND, run, `${m}: \`COPY --chown\` would fail`);
        return;
      }
    }
    value = `${v.user}:${v.group ?? '0'}`;
  } else {
    if (!/^[0-7]{3,4}$/.test(op.value)) {
      skip(
        c,
        KIND,
        run,
        `\`chmod ${op.value}\` is not an octal mode: COPY --chmod takes octal modes, and the result of a symbolic one depends on each file's mode in the context`,
      );
      return;
    }
    value = op.value;
    if (!buildkit(c)) {
      applicability = 'review';
      notes.push(
        '`COPY --chmod` needs BuildKit (the default builder since Docker 23); the legacy builder (DOCKER_BUILDKIT=0) rejects it',
      );
    }
  }
  const edits: Edit[] = [
    { start: copy.argsSpan.start, end: copy.argsSpan.start, text: `--${flag}=${value} ` },
  ];
  const alone = cmds.length === 1;
  if (isDir) {
    // Keep `chown U:G DIR` / `chmod MODE DIR` for the folder itself: drop -R only.
    for (const a of op.cmd.args)
      if (a.value === '-R' || a.value === '--recursive')
        edits.push({ start: a.span.start - 1, end: a.span.end, text: '' });
  } else if (alone) edits.push(removeLines(model, run));
  else edits.push(removeFromRun(run, op.pos));
  if (!alone) {
    applicability = 'review';
    if (!isDir) notes.push('the RUN does more than this command; only the command is removed');
  }
  const what = op.kind === 'chown' ? 'owner' : 'mode';
  fix(c, KIND, run, {
    message: `\`${op.kind}${op.recursive ? ' -R' : ''}\` after the COPY on line ${line(copy)} rewrites every copied file into a new layer (the image stores them twice): set the ${what} in the COPY with --${flag}`,
    applicability,
    edits,
    ...(notes.length ? { note: notes.join('; ') } : {}),
    data: { copyLine: line(copy), path: target, [flag]: value, folder: isDir },
  });
}
