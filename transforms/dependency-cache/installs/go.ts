/**
 * dependency-cache/go-mod-download: what `go mod download` reads.
 *
 * go.mod and go.sum, and what makes go read more (`-mod=vendor`, `-modfile`, GOFLAGS,
 * GOPROXY=file://, go.work, a local `replace`). Also the build commands recognised after a full
 * copy (`buildsSource`: go build, make, mvn package, gradle build, dotnet publish).
 * Rules and decisions: docs/rules/dependency-cache.md.
 */
import { joinImage } from '../../../src/model/image-path.js';
import type { SimpleCommand } from '../../../src/model/types.js';
import { type Read, type Install, type Env, readContext, base, subcommand } from '../env.js';
import { envReads, goFlagReads } from '../reads.js';

export function goMod(env: Env, cmd: SimpleCommand): Install | null {
  const sub = subcommand(cmd);
  if (sub?.value !== 'mod') return null;
  const what = cmd.args[cmd.args.indexOf(sub) + 1]?.value;
  if (what !== 'download' && what !== 'verify') return null;
  const out: Install = { kind: 'go-mod-download', cmd, needs: [], reads: goReads(env, cmd) };
  const extra = goModProblem(env, env.cwd);
  if (extra) return { ...out, skip: extra };
  out.needs.push(
    { path: joinImage(env.cwd, 'go.mod'), required: true },
    { path: joinImage(env.cwd, 'go.sum'), required: what === 'verify' },
  );
  return out;
}

/** What go reads besides go.mod/go.sum: GOFLAGS/GOPROXY/GOWORK/... and `-mod=vendor`/`-modfile`. */
export function goReads(env: Env, cmd: SimpleCommand): Read[] {
  const out = envReads(env, cmd);
  for (const a of cmd.args)
    if (a.value !== null) out.push(...goFlagReads(env, a.value, `\`${a.raw}\``));
  return out;
}

export function goModProblem(env: Env, dir: string): string | null {
  const gomod = readContext(env, joinImage(dir, 'go.mod'));
  if (gomod && /=>\s*\.{1,2}\//.test(gomod))
    return 'go.mod replaces a module with a local folder, which needs the source';
  if (readContext(env, joinImage(dir, 'go.work')) !== null)
    return 'a go.work workspace needs every module folder';
  return null;
}

/** Build tools whose builds also download dependencies (recognised after a full copy). */
export type Build = 'go' | 'make' | 'maven' | 'gradle' | 'dotnet';

/**
 * A command of a RUN that needs the sources for compiling or building (not an install), by the
 * build tool: `go build`, `make`, `mvn package`, `gradle build`, `dotnet publish`, ...
 */
export function buildsSource(cmd: SimpleCommand): Build | null {
  const name = base(cmd.name?.value);
  // (the subcommand and the words are worked out for the tools that need them only)
  if (name === 'go')
    return ['build', 'install', 'test', 'vet', 'generate'].includes(subcommand(cmd)?.value ?? '')
      ? 'go'
      : null;
  if (name === 'make' || name === 'gmake') return 'make';
  if (name === 'dotnet')
    return ['build', 'publish', 'test', 'pack'].includes(subcommand(cmd)?.value ?? '')
      ? 'dotnet'
      : null;
  if (!/^(mvn|gradle)w?$/.test(name)) return null;
  const words = cmd.args.map((a) => a.value ?? '').filter((a) => !a.startsWith('-'));
  if (
    /^mvnw?$/.test(name) &&
    words.some((w) =>
      /^(compile|test|package|verify|install|deploy|spring-boot:(run|repackage|build-image))$/.test(
        w,
      ),
    )
  )
    return 'maven';
  if (
    /^gradlew?$/.test(name) &&
    words.some((w) =>
      /^(:?[\w-]+:)?(build|assemble|jar|bootJar|bootWar|war|shadowJar|installDist|distTar|distZip|test|check)$/.test(
        w,
      ),
    )
  )
    return 'gradle';
  return null;
}
