/**
 * dependency-cache/pip, /poetry, /uv, /pipenv: what a Python install reads.
 *
 * pip requirements files with their nested `-r`/`-c` includes, pyproject.toml + lock files for
 * Poetry and uv (`--no-root`/`--no-install-project` added when the project itself is installed),
 * Pipfile for Pipenv; local paths and local indexes skip. See docs/rules/dependency-cache.md.
 */
import { joinImage } from '../../../src/model/image-path.js';
import { PIP_VALUE_OPTIONS } from '../../../src/toolkit/packages/pip.js';
import type { SimpleCommand, Word } from '../../../src/model/types.js';
import {
  type Need,
  type Install,
  type Env,
  imageDir,
  readContext,
  base,
  subcommand,
  has,
} from '../env.js';
import { commandVars, localPath, envReads, readOpts, venvOutput, projectDir } from '../reads.js';

/** `-r`/`-c` includes of a requirements file (recursively); a reason when it installs local code. */
export function pipRequirements(
  env: Env,
  file: string,
  needs: Need[],
  seen: Set<string>,
): string | null {
  if (seen.has(file)) return null;
  seen.add(file);
  needs.push({ path: file, required: true });
  if (!env.ctx.available) return null;
  const text = readContext(env, file);
  if (text === null) return null;
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  for (const raw of lines) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    const m = /^(-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+|(?<=^-[rc]))(\S+)/.exec(line);
    if (m) {
      const why = pipRequirements(env, joinImage(imageDir(file), m[2]!), needs, seen);
      if (why) return why;
      continue;
    }
    const base = file.replace(/^.*\//, '');
    if (
      /^(-e|--editable)\b/.test(line) &&
      (!/^(-e|--editable)\s*(git\+|hg\+|svn\+|bzr\+|https?:)/.test(line) || /\+file:/.test(line))
    )
      return `${base} installs a local path (\`${line}\`), which needs the source`;
    if (/^(-f|--find-links)\s*[=\s]\s*(?![a-z]+:)/.test(line))
      return `${base} reads packages from a local folder (\`${line}\`)`;
    if (/^(-i|--index-url|--extra-index-url)\s*[=\s]\s*(file:|\.|\/)/.test(line))
      return `${base} reads packages from a local index (\`${line}\`)`;
    if (
      /^(\.|\/|~)|^file:|@\s*file:|(^|[\s@=])[a-z]+\+file:/.test(line) ||
      (/\.(whl|tar\.gz|zip)$/.test(line) && !/:\/\//.test(line))
    )
      return `${base} installs a local path (\`${line}\`), which needs the source`;
  }
  return null;
}

/** pip options whose value is a path pip reads (index and link folders, certificates). */
export const PIP_READ_OPTS = readOpts({
  'reads packages from': ['-f', '--find-links'],
  'reads its package index from': ['-i', '--index-url', '--extra-index-url'],
  'reads a certificate from': ['--cert', '--client-cert'],
});

/** pip options naming a requirements-format file (copied as a manifest, includes followed). */
export const PIP_FILE_OPTS = new Set([
  '-r',
  '--requirement',
  '-c',
  '--constraint',
  '--override',
  '--overrides',
  '-b',
  '--build-constraint',
]);

export function pip(env: Env, cmd: SimpleCommand, args: Word[]): Install {
  const out: Install = { kind: 'pip', cmd, needs: [], reads: [] };
  const seen = new Set<string>();
  const uvPip = base(cmd.name?.value) === 'uv';
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === null) return { ...out, skip: `\`${args[i]!.raw}\` is not a literal` };
    const eq = v.startsWith('--') ? v.indexOf('=') : -1;
    const opt = eq > 0 ? v.slice(0, eq) : v;
    const inline = eq > 0 ? v.slice(eq + 1) : null;
    let m: RegExpExecArray | null;
    if (PIP_FILE_OPTS.has(opt) && (!['-b', '--override', '--overrides'].includes(opt) || uvPip)) {
      const file = inline ?? args[++i]?.value ?? null;
      if (file === null) return { ...out, skip: `the requirements path is not a literal` };
      files.push(file);
    } else if ((m = /^-([rc])(.+)$/.exec(v))) files.push(m[2]!);
    else if (opt === '-e' || opt === '--editable' || /^-e./.test(v)) {
      const target =
        inline ??
        (v.length > 2 && v.startsWith('-e') ? v.slice(2) : null) ??
        args[++i]?.value ??
        '';
      if (!/^(git|hg|svn|bzr)\+|^https?:/.test(target) || /\+file:/.test(target))
        return {
          ...out,
          skip: `\`pip install -e ${target}\` installs the project itself, which needs the source`,
        };
    } else if (opt in PIP_READ_OPTS || /^-f./.test(v)) {
      const short = /^-f./.test(v) ? v.slice(2) : null;
      const target = inline ?? short ?? args[++i]?.value ?? null;
      const shown = inline !== null || short !== null ? v : `${opt} ${args[i]?.raw ?? ''}`;
      if (target === null) {
        out.reads!.push({ path: null, what: `\`${shown}\``, does: PIP_READ_OPTS[opt] ?? 'reads' });
        continue;
      }
      const p = localPath(target, env.cwd, true);
      if (p !== null)
        out.reads!.push({
          path: p,
          what: `\`${shown}\``,
          does: PIP_READ_OPTS[short !== null ? '-f' : opt]!,
        });
    } else if (PIP_VALUE_OPTIONS.has(opt)) {
      const value = inline ?? args[++i]?.value ?? null;
      // `--target lib`: what pip writes there, the full copy would then land on.
      const p = ['-t', '--target', '--prefix', '--root'].includes(opt)
        ? localPath(value ?? '', env.cwd, true)
        : null;
      if (p !== null) out.reads!.push(venvOutput(cmd, p));
    } else if (v.startsWith('-')) continue;
    else if (
      /^(?![a-z+]*file:)[a-z][a-z0-9+.-]*:\/\/|@\s*(?![a-z+]*file:)[a-z][a-z0-9+.-]*:\/\//i.test(v)
    )
      continue; // a URL (`https://.../x.whl`, `pkg @ git+https://...`)
    else if (
      /^(\.|\/|~)|^file:|@\s*file:|^[a-z]+\+file:/.test(v) ||
      /\.(whl|tar\.gz|zip|tar\.bz2|tgz)$/.test(v) ||
      v.includes('/')
    )
      return { ...out, skip: `\`pip install ${v}\` installs a local path, which needs the source` };
  }
  // Requirements and constraints named by the environment (`PIP_CONSTRAINT=constraints.txt`).
  const vars = commandVars(env, cmd);
  for (const name of uvPip
    ? ['UV_CONSTRAINT', 'UV_OVERRIDE', 'UV_BUILD_CONSTRAINT']
    : ['PIP_CONSTRAINT', 'PIP_REQUIREMENT']) {
    const value = vars.get(name);
    if (value) files.push(...value.split(/\s+/).filter(Boolean));
  }
  for (const file of files) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file)) continue;
    const why = pipRequirements(env, joinImage(env.cwd, file), out.needs, seen);
    if (why) return { ...out, skip: why };
  }
  out.reads!.push(
    ...envReads(env, cmd).filter(
      (r) => !/^`(PIP|UV)_(CONSTRAINT|REQUIREMENT|OVERRIDE|BUILD_CONSTRAINT)=/.test(r.what),
    ),
  );
  return out;
}

export function poetry(env: Env, cmd: SimpleCommand): Install | null {
  const sub = subcommand(cmd);
  if (sub?.value !== 'install' && sub?.value !== 'sync') return null;
  const out: Install = { kind: 'poetry', cmd, needs: [], reads: envReads(env, cmd) };
  const dir = projectDir(cmd, env);
  if (dir === null)
    return { ...out, skip: 'the project folder (`-C`/`--directory`) is not a literal' };
  out.needs.push(
    { path: joinImage(dir, 'pyproject.toml'), required: true },
    { path: joinImage(dir, 'poetry.lock'), required: false },
    { path: joinImage(dir, 'poetry.toml'), required: false },
  );
  if (has(cmd, '--only-root')) return { ...out, ignore: true };
  const poetryToml = readContext(env, joinImage(dir, 'poetry.toml')) ?? '';
  const inProject = commandVars(env, cmd).get('POETRY_VIRTUALENVS_IN_PROJECT');
  if (
    (inProject != null && /^(1|true|yes|on)$/i.test(inProject)) ||
    (inProject == null && /^\s*in-project\s*=\s*true/m.test(poetryToml))
  )
    out.reads!.push(venvOutput(cmd, joinImage(dir, '.venv')));
  const pyproject = readContext(env, joinImage(dir, 'pyproject.toml'));
  if (pyproject && /\{\s*path\s*=\s*"[^"]*"/.test(pyproject))
    return { ...out, skip: 'pyproject.toml depends on a local path, which needs the source' };
  if (has(cmd, '--no-root') || (pyproject && /^\s*package-mode\s*=\s*false/m.test(pyproject)))
    return out;
  out.inserts = [{ at: sub.span.end, text: ' --no-root' }];
  const rest = cmd.args.filter((a) => a !== sub).map((a) => a.raw);
  out.after = [[cmd.name!.raw, sub.raw, '--only-root', ...rest].join(' ')];
  return out;
}

export function uv(env: Env, cmd: SimpleCommand): Install | null {
  const sub = subcommand(cmd);
  if (sub?.value === 'pip') {
    const rest = cmd.args.slice(cmd.args.indexOf(sub) + 1);
    if (rest[0]?.value !== 'install' && rest[0]?.value !== 'sync') return null;
    return pip(env, cmd, rest.slice(1));
  }
  if (sub?.value !== 'sync') return null;
  const out: Install = {
    kind: 'uv',
    cmd,
    needs: [],
    reads: envReads(env, cmd).filter(
      (r) => !/^`UV_(PROJECT|WORKING_DIRECTORY|PROJECT_ENVIRONMENT)[=`]/.test(r.what),
    ),
  };
  const dir = projectDir(cmd, env, ['UV_PROJECT', 'UV_WORKING_DIRECTORY']);
  if (dir === null) return { ...out, skip: 'the project folder is not a literal' };
  out.needs.push(
    { path: joinImage(dir, 'pyproject.toml'), required: true },
    { path: joinImage(dir, 'uv.lock'), required: false },
    { path: joinImage(dir, '.python-version'), required: false },
    { path: joinImage(dir, 'uv.toml'), required: false },
  );
  const pyproject = readContext(env, joinImage(dir, 'pyproject.toml'));
  if (pyproject && /^\s*\[tool\.uv\.workspace\]/m.test(pyproject))
    return { ...out, skip: 'pyproject.toml declares a uv workspace; its members need the source' };
  if (pyproject && /\{\s*path\s*=\s*"[^"]*"/.test(pyproject))
    return { ...out, skip: 'pyproject.toml depends on a local path, which needs the source' };
  for (const [file, text] of [
    ['pyproject.toml', pyproject],
    ['uv.toml', readContext(env, joinImage(dir, 'uv.toml'))],
  ] as const) {
    const local = text && uvLocalSource(text);
    if (local) return { ...out, skip: `${file} reads packages from a local path (${local})` };
  }
  if (!has(cmd, '--active')) {
    const venv = commandVars(env, cmd).get('UV_PROJECT_ENVIRONMENT');
    out.reads!.push(venvOutput(cmd, venv ? joinImage(dir, venv) : joinImage(dir, '.venv')));
  }
  if (has(cmd, '--no-install-project', '--no-install-workspace', '--only-dev')) return out;
  out.inserts = [{ at: sub.span.end, text: ' --no-install-project' }];
  out.after = [[cmd.name!.raw, ...cmd.args.map((a) => a.raw)].join(' ')];
  return out;
}

/** A local `find-links` or index URL in uv settings (`find-links = ["./wheels"]`), or null. */
export function uvLocalSource(toml: string): string | null {
  const links = /^\s*find-links\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1] ?? '';
  for (const m of links.matchAll(/["']([^"']+)["']/g))
    if (!/^https?:\/\//.test(m[1]!)) return `\`find-links\` ${m[1]}`;
  for (const m of toml.matchAll(/^\s*url\s*=\s*["']([^"']+)["']/gm))
    if (!/^https?:\/\//.test(m[1]!)) return `index \`url\` ${m[1]}`;
  return null;
}

export function pipenv(env: Env, cmd: SimpleCommand): Install | null {
  const sub = subcommand(cmd);
  if (sub?.value !== 'install' && sub?.value !== 'sync') return null;
  const vars = commandVars(env, cmd);
  const out: Install = {
    kind: 'pipenv',
    cmd,
    needs: [],
    reads: envReads(env, cmd).filter((r) => !/^`PIPENV_PIPFILE[=`]/.test(r.what)),
  };
  const pkgs = cmd.args.filter((a, i) => i > cmd.args.indexOf(sub) && !a.value?.startsWith('-'));
  if (pkgs.length)
    return { ...out, skip: `\`pipenv install ${pkgs[0]!.raw}\` changes the Pipfile` };
  // PIPENV_PIPFILE names the Pipfile (its lock file sits beside it).
  const named = vars.get('PIPENV_PIPFILE');
  if (vars.has('PIPENV_PIPFILE') && named == null)
    return { ...out, skip: '`PIPENV_PIPFILE` has no known value' };
  const pipfilePath = named ? joinImage(env.cwd, named) : joinImage(env.cwd, 'Pipfile');
  out.needs.push(
    { path: pipfilePath, required: true },
    { path: `${pipfilePath}.lock`, required: false },
  );
  const inProject = vars.get('PIPENV_VENV_IN_PROJECT');
  if (inProject != null && /^(1|true|yes|on)$/i.test(inProject))
    out.reads!.push(venvOutput(cmd, joinImage(imageDir(pipfilePath), '.venv')));
  const pipfile = readContext(env, pipfilePath);
  if (pipfile && /\bpath\s*=\s*"/.test(pipfile))
    return { ...out, skip: 'the Pipfile installs a local path, which needs the source' };
  return out;
}

export function isPip(cmd: SimpleCommand): Word[] | null {
  const name = base(cmd.name?.value);
  const a = cmd.args;
  if (/^pip[0-9.]*$/.test(name)) return a[0]?.value === 'install' ? a.slice(1) : null;
  if (
    /^python[0-9.]*$/.test(name) &&
    a[0]?.value === '-m' &&
    /^pip[0-9.]*$/.test(a[1]?.value ?? '')
  )
    return a[2]?.value === 'install' ? a.slice(3) : null;
  return null;
}
