/**
 * dependency-cache/maven, /gradle: dependency downloads of JVM builds
 * (`mvn dependency:go-offline`, `gradle dependencies`): pom.xml, .mvn/, wrappers, build and
 * settings scripts, version catalogs; multi-module builds skip. See docs/rules/dependency-cache.md.
 */
import { joinImage } from '../../../src/model/image-path.js';
import type { SimpleCommand } from '../../../src/model/types.js';
import {
  type Read,
  type Install,
  type Env,
  contextPath,
  readContext,
  base,
  hasPrefix,
} from '../env.js';
import { localPath, envReads, readOpts, optionReads } from '../reads.js';

/** Maven options that take the next word as their value. */
export const MAVEN_VALUE_OPTS = new Set([
  '-s',
  '--settings',
  '-gs',
  '--global-settings',
  '-t',
  '--toolchains',
  '-f',
  '--file',
  '-pl',
  '--projects',
  '-P',
  '--activate-profiles',
  '-T',
  '--threads',
  '-l',
  '--log-file',
  '-b',
  '--builder',
  '-rf',
  '--resume-from',
]);

/** maven options naming a file it reads. */
export const MAVEN_READ_OPTS = readOpts({
  'reads its settings from': ['-s', '--settings', '-gs', '--global-settings'],
  'reads its toolchains from': ['-t', '--toolchains'],
});

export function maven(env: Env, cmd: SimpleCommand): Install | null {
  const goals = cmd.args.filter(
    (a, i) =>
      a.value !== null &&
      !a.value.startsWith('-') &&
      !MAVEN_VALUE_OPTS.has(cmd.args[i - 1]?.value ?? ''),
  );
  if (
    !goals.length ||
    !goals.every((g) => /^dependency:(go-offline|resolve|resolve-plugins)$/.test(g.value!))
  )
    return null;
  const out: Install = { kind: 'maven', cmd, needs: [] };
  if (hasPrefix(cmd, '-f', '--file', '-pl', '--projects'))
    return { ...out, skip: 'maven runs on another project file' };
  out.needs.push({ path: joinImage(env.cwd, 'pom.xml'), required: true });
  // Maven reads .mvn/maven.config, jvm.config and extensions.xml of the project; the wrapper
  // also .mvn/wrapper/.
  out.globs = [{ dir: env.cwd, pattern: /^\.mvn\/(maven\.config|jvm\.config|extensions\.xml)$/ }];
  if (/mvnw$/.test(cmd.name?.value ?? '')) {
    out.needs.push({ path: joinImage(env.cwd, base(cmd.name!.value)), required: true });
    out.globs.push({ dir: env.cwd, pattern: /^\.mvn\/wrapper\/[^/]+$/ });
  }
  out.reads = [
    ...optionReads(env, cmd, MAVEN_READ_OPTS),
    ...mavenRepoReads(env, cmd),
    ...envReads(env, cmd),
  ];
  const pom = readContext(env, joinImage(env.cwd, 'pom.xml'));
  if (pom && /<modules>/.test(pom))
    return { ...out, skip: 'the pom.xml has modules, whose poms need the source tree' };
  if (pom && /<relativePath>\s*\.\./.test(pom))
    return { ...out, skip: 'the pom.xml has a parent outside its folder' };
  return out;
}

/** `-Dmaven.repo.local=DIR`: the local repository maven reads and fills. */
export function mavenRepoReads(env: Env, cmd: SimpleCommand): Read[] {
  const out: Read[] = [];
  for (const a of cmd.args) {
    const m = /^-Dmaven\.repo\.local=(.+)$/.exec(a.value ?? '');
    const p = m ? localPath(m[1]!, env.cwd, true) : null;
    if (p !== null)
      out.push({ path: p, what: `\`${a.raw}\``, does: 'reads its local repository from' });
  }
  return out;
}

/** gradle options naming a file or folder it reads. */
export const GRADLE_READ_OPTS = readOpts({
  'runs an init script from': ['-I', '--init-script'],
  'reads its settings from': ['-c', '--settings-file'],
  'reads its build file from': ['-b', '--build-file'],
  'builds the project in': ['-p', '--project-dir'],
  'reads its user home from': ['-g', '--gradle-user-home'],
  'reads its cache from': ['--project-cache-dir'],
});

export function gradle(env: Env, cmd: SimpleCommand): Install | null {
  const tasks = cmd.args.filter((a) => a.value !== null && !a.value.startsWith('-'));
  const fetchOnly =
    tasks.length > 0 &&
    tasks.every((t) => /^(dependencies|androidDependencies|resolveDependencies)$/.test(t.value!));
  if (!fetchOnly) return null;
  const out: Install = { kind: 'gradle', cmd, needs: [] };
  const j = (f: string) => joinImage(env.cwd, f);
  for (const f of [
    'build.gradle',
    'build.gradle.kts',
    'settings.gradle',
    'settings.gradle.kts',
    'gradle.properties',
  ])
    out.needs.push({ path: j(f), required: false, primary: f !== 'gradle.properties' });
  if (/gradlew$/.test(cmd.name?.value ?? ''))
    out.needs.push({ path: j(base(cmd.name!.value)), required: true });
  out.globs = [{ dir: env.cwd, pattern: /^gradle\/(wrapper\/[^/]+|[^/]+\.versions\.toml)$/ }];
  out.reads = [...optionReads(env, cmd, GRADLE_READ_OPTS), ...envReads(env, cmd)];
  if (!env.ctx.available) return out;
  if (!['build.gradle', 'build.gradle.kts'].some((f) => readContext(env, j(f)) !== null))
    return { ...out, skip: 'no build.gradle in the build context' };
  for (const f of ['settings.gradle', 'settings.gradle.kts']) {
    const s = readContext(env, j(f));
    if (s && /^\s*include\b|includeBuild/m.test(s))
      return { ...out, skip: `${f} includes subprojects, whose build files need the source tree` };
  }
  const cp = contextPath(env, j('buildSrc'));
  if (cp !== null && env.ctx.isDirectory(cp))
    return { ...out, skip: 'buildSrc is compiled from the source' };
  return out;
}
