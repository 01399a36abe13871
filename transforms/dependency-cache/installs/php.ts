/**
 * dependency-cache/composer: what `composer install` reads.
 *
 * composer.json (or the file COMPOSER names), its lock and auth.json. Without `--no-scripts
 * --no-autoloader` the fix adds them and runs `dump-autoload` (and post-install scripts) after the
 * full copy: a review fix. Path repositories skip.
 * Rules and decisions: docs/rules/dependency-cache.md.
 */
import { joinImage } from '../../../src/model/image-path.js';
import type { SimpleCommand } from '../../../src/model/types.js';
import {
  type Install,
  type Env,
  readContext,
  subcommand,
  has,
  hasPrefix,
  parseJson,
} from '../env.js';
import { commandVars, envReads, venvOutput } from '../reads.js';

/** composer options that take a folder (skipped to find the subcommand). */
const COMPOSER_DIR_OPTS = new Set(['-d', '--working-dir']);

export function composer(env: Env, cmd: SimpleCommand): Install | null {
  const sub = subcommand(cmd, COMPOSER_DIR_OPTS);
  if (sub?.value !== 'install' && sub?.value !== 'i') return null;
  const out: Install = { kind: 'composer', cmd, needs: [] };
  // The project folder: `--working-dir`/`-d` (kept on the commands run after the copy), else
  // the WORKDIR.
  let dir = env.cwd;
  const wdWords: string[] = [];
  for (let i = 0; i < cmd.args.length; i++) {
    const w = cmd.args[i]!;
    const m = /^(?:--working-dir=|-d(?=.))(.*)$/.exec(w.value ?? w.raw);
    const value = m
      ? w.value === null
        ? null
        : m[1]!
      : w.value === '-d' || w.value === '--working-dir'
        ? (cmd.args[i + 1]?.value ?? null)
        : undefined;
    if (value === undefined) continue;
    if (value === null || value === '')
      return { ...out, skip: `the composer folder (\`${w.raw}\`) is not a literal` };
    wdWords.push(m ? w.raw : `${w.raw} ${cmd.args[++i]!.raw}`);
    dir = joinImage(env.cwd, value);
  }
  // COMPOSER names the manifest (its lock file: the same name with `.lock`).
  const vars = commandVars(env, cmd);
  const manifestName = vars.has('COMPOSER') ? vars.get('COMPOSER') : 'composer.json';
  if (manifestName == null || manifestName === '')
    return { ...out, skip: '`COMPOSER` has no known value' };
  const manifest = joinImage(dir, manifestName);
  out.needs.push(
    { path: manifest, required: true },
    { path: manifest.replace(/(\.json)?$/, '.lock'), required: false },
    { path: joinImage(dir, 'auth.json'), required: false },
  );
  const json = parseJson<{
    repositories?: unknown;
    scripts?: Record<string, unknown>;
    config?: { 'vendor-dir'?: string };
  }>(readContext(env, manifest));
  out.reads = [
    ...envReads(env, cmd).filter((r) => !/^`COMPOSER(_VENDOR_DIR)?[=`]/.test(r.what)),
    venvOutput(
      cmd,
      joinImage(dir, vars.get('COMPOSER_VENDOR_DIR') || json?.config?.['vendor-dir'] || 'vendor'),
    ),
  ];
  if (json && /"type"\s*:\s*"path"/.test(JSON.stringify(json.repositories ?? [])))
    return { ...out, skip: 'composer.json has a path repository, which needs the source' };
  const noScripts = has(cmd, '--no-scripts');
  const noAutoloader = has(cmd, '--no-autoloader');
  if (noScripts && noAutoloader) return out;
  if (env.ctx.available && json === null)
    return { ...out, skip: 'composer.json is missing or not valid JSON' };
  const add = [noScripts ? '' : ' --no-scripts', noAutoloader ? '' : ' --no-autoloader'].join('');
  out.inserts = [{ at: sub.span.end, text: add }];
  // The commands after the copy run like the install: same prefixes, same folder.
  const prefix = cmd.assignments.map((a) => a.raw + ' ').join('');
  const composerCmd = (...words: string[]) =>
    prefix + [cmd.name!.raw, ...words, ...wdWords].join(' ');
  const dump = ['dump-autoload'];
  if (hasPrefix(cmd, '--optimize-autoloader', '-o') || has(cmd, '-o')) dump.push('--optimize');
  if (has(cmd, '--classmap-authoritative', '-a')) dump.push('--classmap-authoritative');
  if (has(cmd, '--apcu-autoloader')) dump.push('--apcu');
  if (has(cmd, '--no-dev')) dump.push('--no-dev');
  if (noScripts) dump.push('--no-scripts');
  if (noAutoloader) {
    // The original never built the autoloader: only the scripts move after the copy.
    out.after = json?.scripts?.['post-install-cmd']
      ? [composerCmd('run-script', 'post-install-cmd')]
      : [];
    return out;
  }
  out.after = [composerCmd(...dump)];
  if (!noScripts && json?.scripts?.['post-install-cmd'])
    out.after.push(composerCmd('run-script', 'post-install-cmd'));
  return out;
}
