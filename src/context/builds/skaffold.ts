/**
 * skaffold.yaml: `build.artifacts[]` (and each profile's): `context` (default `.`, relative to
 * the skaffold file), `docker.dockerfile` (default `Dockerfile`, relative to the context),
 * `docker.buildArgs`, `docker.target`. Several YAML documents (`---`) are read in turn.
 */
import * as path from 'node:path';
import { isRemote, keyValues, resolveFrom } from './common.js';
import type { BuildDecl, BuildWarning } from './types.js';
import type { ComposeResult } from './compose.js';
import { isRecord, loadYaml } from './yaml.js';

export function parseSkaffold(
  file: string,
  env: Record<string, string | undefined>,
): ComposeResult {
  const warnings: BuildWarning[] = [];
  const skipped: ComposeResult['skipped'] = [];
  const builds: BuildDecl[] = [];
  const y = loadYaml(file, warnings);
  if (!y) return { builds, warnings, skipped };
  const dir = path.dirname(file);
  for (const doc of y.docs) {
    if (!isRecord(doc.value)) continue;
    const sections: { keys: (string | number)[]; build: unknown; profile: string | null }[] = [
      { keys: ['build'], build: doc.value.build, profile: null },
    ];
    const profiles = doc.value.profiles;
    if (Array.isArray(profiles))
      profiles.forEach((p, i) => {
        if (isRecord(p))
          sections.push({
            keys: ['profiles', i, 'build'],
            build: p.build,
            profile: String(p.name ?? i),
          });
      });
    for (const s of sections) {
      if (!isRecord(s.build) || !Array.isArray(s.build.artifacts)) continue;
      s.build.artifacts.forEach((a, i) => {
        const line = y.lineOf(y.nodeAt(doc.root, [...s.keys, 'artifacts', i]));
        if (!isRecord(a)) return;
        const image = String(a.image ?? `#${i + 1}`);
        const name = `${s.profile === null ? '' : `profile ${s.profile} `}artifact ${image}`;
        const docker = a.docker;
        if (docker !== undefined && docker !== null && !isRecord(docker)) {
          warnings.push({ file, line, message: `${name}: \`docker\` is not a map` });
          return;
        }
        // Artifacts built by other builders (jib, buildpacks, ko, bazel, custom) have no Dockerfile.
        if (
          docker === undefined &&
          Object.keys(a).some((k) => ['jib', 'buildpacks', 'ko', 'bazel', 'custom'].includes(k))
        )
          return;
        if (a.context !== undefined && typeof a.context !== 'string') {
          warnings.push({ file, line, message: `${name}: \`context\` is not a string` });
          return;
        }
        const ctx = String(a.context ?? '.');
        if (isRemote(ctx)) {
          skipped.push({ file, line, name, reason: `remote context ${ctx}` });
          return;
        }
        const context = resolveFrom(dir, ctx);
        const d = (docker ?? {}) as Record<string, unknown>;
        builds.push({
          dockerfile: resolveFrom(context, String(d.dockerfile ?? 'Dockerfile')),
          context,
          target: typeof d.target === 'string' ? d.target : null,
          args: keyValues(d.buildArgs, (k) => env[k]),
          contexts: {},
          source: { format: 'skaffold', file, line, name },
        });
      });
    }
  }
  return { builds, warnings, skipped };
}
