/**
 * Java (Maven, Gradle): the jar the start command runs into `eclipse-temurin:<N>-jre`.
 * Docs: docs/rules/multistage.md.
 */
import type { SimpleCommand } from '../../../src/model/types.js';
import { cmdName, argValues, absolute, startWords, lastBuild } from '../shared.js';
import type { Analysis, Outcome, Ecosystem } from '../shared.js';

const isMaven = (c: SimpleCommand) =>
  ['mvn', 'mvnw'].includes(cmdName(c) ?? '') &&
  argValues(c).some((v) => v === 'package' || v === 'install' || v === 'verify');
const isGradle = (c: SimpleCommand) =>
  ['gradle', 'gradlew'].includes(cmdName(c) ?? '') &&
  argValues(c).some((v) =>
    ['build', 'bootJar', 'assemble', 'jar', 'installDist'].includes(v ?? ''),
  );

function javaRuntime(a: Analysis): string | null {
  const { repo, tag } = a.image;
  let v: string | null = null;
  if (repo === 'eclipse-temurin' || repo === 'openjdk' || repo === 'amazoncorretto')
    v = /^(\d+)/.exec(tag)?.[1] ?? null;
  else v = /(?:temurin|openjdk|jdk|corretto|java|sapmachine|graalvm)-?(\d+)/.exec(tag)?.[1] ?? null;
  if (!v) return null;
  return `eclipse-temurin:${v}-jre${/alpine/.test(tag) ? '-alpine' : ''}`;
}

function planJava(a: Analysis): Outcome {
  const { model } = a;
  const at = model.instructions[a.buildAt]!.span.start;
  const rt = javaRuntime(a);
  if (!rt) return { skip: `cannot tell the Java version of ${a.stage.image}`, at };
  const start = startWords(a)!;
  if (start.words.some((w) => /^(mvn|\.\/mvnw|gradle|\.\/gradlew)$/.test(w)))
    return { skip: 'the container runs the build tool itself', at };
  // The jar the start command runs (`-jar x.jar`, else any *.jar word; a glob such as
  // build/libs/*.jar is copied as a glob). Without one, what runs is not known (a script, a
  // classpath of classes, ...).
  const k = start.words.indexOf('-jar');
  const jar =
    (k >= 0 && start.words[k + 1]?.endsWith('.jar') ? start.words[k + 1] : undefined) ??
    start.words.find((w) => w.endsWith('.jar'));
  if (!jar)
    return {
      skip: `the start command (${start.words.join(' ')}) names no jar: cannot tell which artifact runs`,
      at,
    };
  const abs = absolute(model, jar, start.at);
  if (!abs) return { skip: 'the jar path is relative and the WORKDIR is not known', at };
  return {
    eco: 'java',
    runtimeImage: rt,
    setup: [],
    env: [],
    copies: [{ from: abs, dir: false }],
    builderEdits: [],
    message: `the image ships a JDK and the build tool (${a.stage.image}) to run ${jar}; build in a \`builder\` stage and run the jar on the ${rt} JRE.`,
    // maven and gradle images are built on Eclipse Temurin unless their tag names a vendor.
    noteExtra: /openjdk|corretto|sapmachine|graal|ibm|semeru|zulu|liberica|microsoft/.test(
      a.stage.image,
    )
      ? 'The JRE is Eclipse Temurin: verify the vendor change is fine.'
      : undefined,
    data: { runtimeImage: rt, artifact: abs },
  };
}

const isJavaBuild = (c: SimpleCommand) => isMaven(c) || isGradle(c);

export const java: Ecosystem = {
  id: 'java',
  isBuild: isJavaBuild,
  detect: (a) => lastBuild(a, isJavaBuild),
  acceptsBase: () => true,
  build: 'a Java build',
  plan: planJava,
  note: 'Check: files the app reads at run time besides the jar, the JRE modules it needs, the user, and the ENTRYPOINT/CMD.',
  builderEnv: (name) => /^(MAVEN_|GRADLE_)/.test(name),
};
