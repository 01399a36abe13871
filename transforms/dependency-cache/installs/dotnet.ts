/**
 * dependency-cache/dotnet: what `dotnet restore` reads (every project, solution, props/targets,
 * NuGet config, global.json and lock file of the copied tree). See docs/rules/dependency-cache.md.
 */
import { joinImage } from '../../../src/model/image-path.js';
import type { SimpleCommand } from '../../../src/model/types.js';
import { type Install, type Env, subcommand } from '../env.js';
import { envReads, readOpts, optionReads } from '../reads.js';

export function dotnet(env: Env, cmd: SimpleCommand): Install | null {
  const sub = subcommand(cmd);
  if (sub?.value !== 'restore') return null;
  const out: Install = { kind: 'dotnet', cmd, needs: [] };
  const target = cmd.args.slice(cmd.args.indexOf(sub) + 1).find((a) => !a.value?.startsWith('-'));
  if (target && target.value === null) return { ...out, skip: 'the project path is not a literal' };
  if (target) out.needs.push({ path: joinImage(env.cwd, target.value!), required: true });
  out.globs = [
    {
      dir: env.destDir,
      pattern:
        /(^|\/)([^/]+\.(csproj|fsproj|vbproj|sln|slnx|props|targets)|nuget\.config|NuGet\.Config|global\.json|packages\.lock\.json|dotnet-tools\.json)$/,
      primary: true,
    },
  ];
  out.reads = [
    ...optionReads(
      env,
      cmd,
      readOpts({
        'reads its NuGet settings from': ['--configfile'],
        'reads packages from': ['-s', '--source'],
        'reads its lock file from': ['--lock-file-path'],
      }),
    ),
    ...envReads(env, cmd),
  ];
  if (!env.ctx.available)
    return { ...out, skip: 'no build context: the project files cannot be listed' };
  return out;
}
