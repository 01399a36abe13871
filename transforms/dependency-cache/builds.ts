/**
 * dependency-cache: builds after the full copy that also download the dependencies (`make` of a
 * Go module, `mvn package`, `gradle build`, `dotnet publish`) with no install step to move. The
 * tool does not add one (it cannot see what a Makefile or a build runs), but says so in a skip, so
 * nothing it recognises ends silently (`go build` alone gets a review fix: go-download.ts). See
 * docs/rules/dependency-cache.md.
 */
import type { DockerfileModel, Finding, Instruction } from '../../src/model/types.js';
import { ID, type Env, type Kind, contextEntries, contextPath, inContext } from './env.js';
import { installShape } from './installs/index.js';
import { buildsSource, type Build } from './installs/go.js';
import type { FullCopy } from './copy.js';
import { firstLine } from './text.js';

/** An install of `kind` runs in the stage before the full copy (the kind alone: no context read). */
export function earlierInstall(
  model: DockerfileModel,
  env: Env,
  copy: FullCopy,
  kind: Kind,
): boolean {
  const stage = model.stages[copy.instr.stage]!;
  for (let i = stage.first; i < copy.instr.index; i++) {
    const instr = model.instructions[i]!;
    for (const c of instr.shell?.commands ?? [])
      if (installShape(env, c)?.kind === kind) return true;
  }
  return false;
}

/** Per build tool: the rule, the manifest that makes the folder its project, the install step. */
const BUILDS: Record<Exclude<Build, 'go'>, { kind: Kind; manifest: RegExp; install: string }> = {
  make: { kind: 'go-mod-download', manifest: /^go\.mod$/, install: '`go mod download`' },
  maven: { kind: 'maven', manifest: /^pom\.xml$/, install: '`mvn dependency:go-offline`' },
  gradle: {
    kind: 'gradle',
    manifest: /^(build|settings)\.gradle(\.kts)?$/,
    install: '`gradle dependencies`',
  },
  dotnet: {
    kind: 'dotnet',
    manifest: /\.(csproj|fsproj|vbproj|sln|slnx)$/,
    install: '`dotnet restore`',
  },
};

/** The first .NET project or solution of the context at or below folder `dir`, relative to it
 * (one pass over the walk, no list of every path). */
function dotnetProject(env: Env, dir: string, manifest: RegExp): string | undefined {
  const below = dir + '/';
  for (const e of contextEntries(env)) {
    const p = e.path;
    if (
      (dir === '' || p.startsWith(below)) &&
      manifest.test(p.slice(p.lastIndexOf('/') + 1)) &&
      inContext(env, p)
    )
      return p.slice(dir === '' ? 0 : dir.length + 1);
  }
  return undefined;
}

/**
 * A skip for the first build of a RUN after the full copy that downloads the dependencies of a
 * project in the copied tree, when no install of its ecosystem runs before the copy; else null.
 */
export function buildSkip(
  model: DockerfileModel,
  env: Env,
  copy: FullCopy,
  run: Instruction,
  cwd: string | null,
): Finding | null {
  if (cwd === null || !env.ctx.available) return null;
  for (const cmd of run.shell?.commands ?? []) {
    const tool = buildsSource(cmd);
    if (tool === null || tool === 'go') continue;
    const b = BUILDS[tool];
    // (an earlier install says nothing whatever the project: asked first, it reads nothing,
    // while the project is looked for in the context; most builds install first)
    if (earlierInstall(model, env, copy, b.kind)) continue;
    if (tool === 'make' && earlierInstall(model, env, copy, 'go-mod-download')) continue;
    const dir = contextPath(env, cwd);
    if (dir === null) continue;
    const inDir = (f: string) => (dir === '' ? f : `${dir}/${f}`);
    let project = env.ctx.list(dir).find((f) => b.manifest.test(f) && inContext(env, inDir(f)));
    // .NET projects usually sit in sub-folders (`dotnet publish src/Api/Api.csproj`).
    if (!project && tool === 'dotnet') project = dotnetProject(env, dir, b.manifest);
    if (!project) continue;
    const goal = cmd.args.find((w) => w.value !== null && !w.value.startsWith('-'));
    const label = [cmd.name?.raw ?? '', goal?.raw ?? ''].join(' ').trim();
    const copyText = firstLine(model, copy.instr);
    const files =
      tool === 'make' && inContext(env, inDir('go.sum')) ? `${project} and go.sum` : project;
    const how =
      tool === 'make'
        ? `builds the Go module (${project}) through a Makefile the tool does not read, so a source edit may download its modules again`
        : `downloads the dependencies of ${project} and builds in one step, so every source edit downloads them again`;
    return {
      ruleId: `${ID}/${b.kind}`,
      reason: `\`${label}\` after \`${copyText}\` ${how}: not rewritten (copy ${files} and run ${b.install} before the full copy to keep them cached)`,
      at: run.span.start,
    };
  }
  return null;
}
