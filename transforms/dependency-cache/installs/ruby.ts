/**
 * dependency-cache/bundler: what `bundle install` reads.
 *
 * The Gemfile (`--gemfile`, BUNDLE_GEMFILE), its lock file, `.bundle/config`, `ruby file:` and a
 * literal `File.read(".ruby-version")`; gemspecs, `path:` gems and Gemfiles that evaluate or read
 * other files (`instance_eval`, `eval_gemfile`, `Dir[...]`) skip.
 * Rules and decisions: docs/rules/dependency-cache.md.
 */
import { joinImage } from '../../../src/model/image-path.js';
import type { SimpleCommand } from '../../../src/model/types.js';
import {
  type Install,
  type Env,
  imageDir,
  readContext,
  subcommand,
  optionValue,
  has,
} from '../env.js';
import { commandVars, envReads, venvOutput } from '../reads.js';

/** `bundle install` options that take a value (skipped to find the subcommand). */
const BUNDLE_VALUE_OPTS = new Set(['--gemfile', '--jobs', '-j', '--retry', '--path']);

export function bundler(env: Env, cmd: SimpleCommand): Install | null {
  const sub = subcommand(cmd, BUNDLE_VALUE_OPTS);
  if (sub !== null && sub.value !== 'install') return null;
  const out: Install = { kind: 'bundler', cmd, needs: [] };
  // The Gemfile: `--gemfile`, else BUNDLE_GEMFILE, else ./Gemfile; its lock file sits beside it.
  const vars = commandVars(env, cmd);
  const flag = optionValue(cmd, '--gemfile');
  const named = flag !== undefined ? flag : vars.get('BUNDLE_GEMFILE');
  const origin = flag !== undefined ? '`--gemfile`' : '`BUNDLE_GEMFILE`';
  if (named === null) return { ...out, skip: `the Gemfile path (${origin}) is not a literal` };
  const gemfilePath = joinImage(env.cwd, named || 'Gemfile');
  const root = imageDir(gemfilePath);
  const lock = /(^|\/)gems\.rb$/.test(gemfilePath)
    ? gemfilePath.replace(/\.rb$/, '.locked')
    : `${gemfilePath}.lock`;
  out.needs.push({ path: gemfilePath, required: true }, { path: lock, required: false });
  // Bundler's local settings (`.bundle/config`: BUNDLE_WITHOUT, BUNDLE_PATH, ...).
  if (!vars.has('BUNDLE_APP_CONFIG'))
    out.needs.push({ path: joinImage(root, '.bundle/config'), required: false });
  out.reads = envReads(env, cmd).filter((r) => !/^`BUNDLE_(GEMFILE|PATH)[=`]/.test(r.what));
  // Gems installed into the project (`--path vendor/bundle`, BUNDLE_PATH=vendor/bundle).
  let path = optionValue(cmd, '--path') ?? vars.get('BUNDLE_PATH') ?? null;
  const deployment = vars.get('BUNDLE_DEPLOYMENT');
  if (path === null && (has(cmd, '--deployment') || /^(1|true|yes)$/i.test(deployment ?? '')))
    path = 'vendor/bundle';
  if (path && !path.startsWith('~')) out.reads.push(venvOutput(cmd, joinImage(root, path)));
  const gemfile = readContext(env, gemfilePath);
  if (gemfile) {
    const code = gemfile.replace(/#.*$/gm, '');
    if (/^\s*gemspec\b/m.test(code))
      return { ...out, skip: 'the Gemfile reads a gemspec from the source' };
    if (/\bpath:\s*['"]|:path\s*=>/.test(code))
      return {
        ...out,
        skip: 'the Gemfile installs a gem from a local path, which needs the source',
      };
    if (/^\s*eval_gemfile\b/m.test(code))
      return { ...out, skip: 'the Gemfile evaluates another Gemfile' };
    for (const m of code.matchAll(/^\s*ruby\s+file:\s*['"]([^'"]+)['"]/gm))
      out.needs.push({ path: joinImage(root, m[1]!), required: true });
    // `File.read('.ruby-version')` (also through `File.expand_path(NAME, __dir__)`): a file
    // copied with the manifests. Any other read of the source blocks the move.
    for (const m of code.matchAll(FILE_READ))
      out.needs.push({ path: joinImage(root, m[2]!), required: true });
    const other = code.split('\n').find((l) => OTHER_READ.test(l.replace(FILE_READ, '')));
    if (other)
      return {
        ...out,
        skip: `the Gemfile reads other files of the source (\`${other.trim()}\`), which the fix would not copy`,
      };
  }
  return out;
}

/** `File.read('NAME')`, `File.read(File.expand_path('NAME', __dir__))`, `IO.read`, `File.readlines`. */
const FILE_READ =
  /\b(?:File|IO)\.(?:read|readlines)\(\s*(?:File\.expand_path\(\s*)?(['"])([^'"#{}$]+)\1(?:\s*,\s*__dir__\s*\))?\s*\)/g;
/** Ruby that reads or runs other files (`instance_eval`, `eval_gemfile`, `load`, `Dir[...]`, ...). */
const OTHER_READ =
  /\b(?:instance_eval|eval|load|require_relative|Dir\s*\[|Dir\.(?:glob|children|entries|each_child)|File\.|IO\.|Pathname)|\brequire\s*\(?\s*['"]\.{1,2}\//;
