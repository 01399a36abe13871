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
  inContext,
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
  const config = readContext(env, joinImage(env.cwd, '.mvn/maven.config'));
  if (config) {
    const why = mavenConfigReads(env, config, out.reads);
    if (why) return { ...out, skip: why };
  }
  const raw = readContext(env, joinImage(env.cwd, 'pom.xml'));
  const pom = raw?.replace(/<!--[\s\S]*?-->/g, '');
  if (pom && /<modules>/.test(pom))
    return { ...out, skip: 'the pom.xml has modules, whose poms need the source tree' };
  if (pom && /<relativePath>\s*\.\./.test(pom))
    return { ...out, skip: 'the pom.xml has a parent outside its folder' };
  const why = pom ? pomReads(env, pom) : null;
  if (why) return { ...out, skip: why };
  return out;
}

/**
 * Files of the source a pom.xml makes maven read besides itself: a parent by `<relativePath>` (or
 * the default ../pom.xml when that is a file of the copied tree), `file:` repositories
 * (`file://${project.basedir}/repo`), `<systemPath>` jars. A reason naming the first, or null.
 */
function pomReads(env: Env, pom: string): string | null {
  const rel = /<parent>[\s\S]*?<\/parent>/.exec(pom)?.[0];
  if (rel) {
    const path = /<relativePath>\s*([^<]*?)\s*<\/relativePath>/.exec(rel);
    if (path && path[1])
      return `the pom.xml reads its parent from \`<relativePath>${path[1]}</relativePath>\`, which the fix would not copy`;
    if (!path && !/<relativePath\s*\/>/.test(rel)) {
      const cp = contextPath(env, joinImage(env.cwd, '../pom.xml'));
      if (cp !== null && inContext(env, cp))
        return 'the pom.xml has a parent, which maven looks for at ../pom.xml, a file of the source';
    }
  }
  const url = /<url>\s*(file:[^<]*?)\s*<\/url>/i.exec(pom);
  if (url) return `the pom.xml reads a repository from a local folder (\`${url[1]}\`)`;
  for (const m of pom.matchAll(/<systemPath>\s*([^<]*?)\s*<\/systemPath>/g))
    if (!/^\$\{(java\.home|env\.JAVA_HOME)\}/.test(m[1]!))
      return `the pom.xml reads a jar from \`<systemPath>${m[1]}</systemPath>\`, which the fix would not copy`;
  return null;
}

/** The options of .mvn/maven.config (read like command-line options): files they name are reads. */
function mavenConfigReads(env: Env, config: string, reads: Read[]): string | null {
  const words = config.split(/\s+/).filter(Boolean);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const eq = w.startsWith('--') ? w.indexOf('=') : -1;
    const opt = eq > 0 ? w.slice(0, eq) : w;
    if (['-f', '--file', '-pl', '--projects'].includes(opt) || /^-(f|pl)./.test(w))
      return `.mvn/maven.config runs maven on another project file (\`${w}\`)`;
    const repo = /^-Dmaven\.repo\.local=(.+)$/.exec(w);
    const value = repo
      ? repo[1]!
      : opt in MAVEN_READ_OPTS
        ? eq > 0
          ? w.slice(eq + 1)
          : words[++i]
        : undefined;
    if (value === undefined) continue;
    const what = `\`${repo ? w : `${opt} ${value}`}\` in .mvn/maven.config`;
    const does = repo ? 'reads its local repository from' : MAVEN_READ_OPTS[opt]!;
    if (value.includes('$')) reads.push({ path: null, what, does });
    else {
      const p = localPath(value, env.cwd, true);
      if (p !== null) reads.push({ path: p, what, does });
    }
  }
  return null;
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

/** Gradle script code that reads other files: applied scripts, local jars and folders, file contents. */
const GRADLE_READS =
  /\bapply\s*\(?\s*from\s*[:=]|\b(files|fileTree)\s*\(|\bflatDir\b|\bfile\s*\([^)]*\)\s*\.(text|readText|readLines|readBytes|newReader|withReader|newInputStream|withInputStream|eachLine)\b|\.load\s*\(/;

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
  for (const f of ['build.gradle', 'build.gradle.kts', 'settings.gradle', 'settings.gradle.kts']) {
    const code = (readContext(env, j(f)) ?? '').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    const m = GRADLE_READS.exec(code);
    if (m && !/^apply\s*\(?\s*from\s*[:=]\s*["']https?:/.test(code.slice(m.index)))
      return {
        ...out,
        skip: `${f} reads other files of the source (\`${code.slice(m.index).split('\n')[0]!.trim()}\`), which the fix would not copy`,
      };
  }
  return out;
}
