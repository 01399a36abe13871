/**
 * Transform `dependency-cache`: install dependencies before the full copy of the sources.
 *
 * A `COPY . .` (or a copy of a folder holding the manifests) before a dependency install makes
 * every source edit re-run the install. The fix copies only the files the install reads, found in
 * the real build context, and moves the install above the full copy. This file holds the meta,
 * the rule catalogue and `check` (one plan per full copy: plan.ts); ecosystems are in installs/,
 * the edits in move.ts. Rules, fix safety and design decisions: docs/rules/dependency-cache.md.
 */
import { loadIgnore, type IgnoreFile } from '../../src/context/ignore.js';
import type {
  CheckContext,
  DockerfileModel,
  Finding,
  RuleMeta,
  Transform,
} from '../../src/model/types.js';
import { ID } from './env.js';
import { fullCopy } from './copy.js';
import { alreadyOrdered, planForCopy } from './plan.js';

/** The rule catalogue: one rule per ecosystem (`dependency-cache/<kind>`). */
const rules: readonly RuleMeta[] = [
  ['pip', 'Install pip requirements before copying the sources', 'safe'],
  ['poetry', 'Install Poetry dependencies (`--no-root`) before copying the sources', 'review'],
  ['uv', 'Sync uv dependencies (`--no-install-project`) before copying the sources', 'review'],
  ['pipenv', 'Install the Pipfile before copying the sources', 'safe'],
  ['npm', 'Install npm packages before copying the sources', 'safe'],
  ['yarn', 'Install Yarn packages before copying the sources', 'safe'],
  ['pnpm', 'Install pnpm packages before copying the sources', 'safe'],
  ['bun', 'Install Bun packages before copying the sources', 'safe'],
  ['go-mod-download', 'Download Go modules before copying the sources', 'safe'],
  ['bundler', 'Install the Gemfile before copying the sources', 'safe'],
  [
    'composer',
    'Install Composer packages (`--no-scripts --no-autoloader`) before copying the sources',
    'review',
  ],
  ['maven', 'Download Maven dependencies before copying the sources', 'safe'],
  ['gradle', 'Download Gradle dependencies before copying the sources', 'safe'],
  ['dotnet', 'Restore NuGet packages before copying the sources', 'safe'],
  ['cargo', 'Cargo build after the full copy (explained skip, no fix)', 'review'],
].map(([kind, title, applicability]) => ({
  id: `${ID}/${kind}`,
  title: title!,
  applicability: applicability as RuleMeta['applicability'],
  hadolint: [],
}));

function check(model: DockerfileModel, cctx: CheckContext): Finding[] {
  const ctx = cctx.buildContext;
  // (loaded anew by each check, the per-check memos such as env.ts contextEntries key on it;
  // and only once a full copy is found: most Dockerfiles have none)
  let ignore: IgnoreFile | undefined;
  const out: Finding[] = [];
  for (const stage of model.stages) {
    let done = false;
    let noted: Set<number> | undefined;
    for (let k = stage.first; k <= stage.last && !done; k++) {
      const copy = fullCopy(model, ctx, model.instructions[k]!);
      if (!copy) continue;
      // (the instructions of the stage after the copy)
      const later = model.instructions.slice(k + 1, stage.last + 1);
      ignore ??= loadIgnore(ctx);
      const r = planForCopy(model, ctx, ignore, copy, later);
      if (r) {
        out.push(r);
        if ('edits' in r) done = true;
        if ('reason' in r) break;
      } else out.push(...alreadyOrdered(model, ctx, ignore, copy, (noted ??= new Set())));
    }
  }
  return out;
}

export const transform: Transform = {
  meta: {
    id: ID,
    title: 'Install dependencies before copying the sources',
    hadolint: [],
    applicability: 'safe',
    rules,
    docs: {
      why: 'A `COPY . .` before the dependency install makes every source edit invalidate the install step, so each build downloads and installs every package again. Copying only the manifests (requirements.txt, package.json and its lock file, go.mod, ...) first and installing before the full copy keeps that layer cached until a manifest changes.',
      fixSafety:
        'The install RUN moves unchanged (text, flags, comments) above the full copy, after a COPY of exactly the files it reads, found in the real build context after .dockerignore (nested pip includes, workspace package.json files, wrapper files, the files named by PIP_CONSTRAINT, BUNDLE_GEMFILE, COMPOSER or yarnPath). It is skipped when anything else could need the source: lifecycle scripts, local path dependencies, installing the project itself, any other path it reads in the copied tree (--find-links, local index URLs, config files named by options or variables such as PIP_CONFIG_FILE, NPM_CONFIG_USERCONFIG, YARN_RC_FILENAME, GOFLAGS=-mod=vendor, GOPROXY=file://), what it writes (node_modules, vendor, .venv) also being in the context, or a RUN/COPY between the copy and the install that may read the source (global tool installs, corepack, venvs and mkdir outside the copied tree, and COPY --from of a tool, stay before the install and do not block). Only a copy of the whole context or of a folder holding the manifests counts as the full copy: an install never moves above a copy of tool or config folders such as .yarn. An install and a build in one RUN (`npm ci && npm run build`) are split: the install part moves as its own RUN, the build stays after the copy; splits that repeat a `cd`/`export` or leave a cleanup after the build are `review`. Fixes that change commands (poetry --no-root, uv --no-install-project, composer --no-scripts --no-autoloader), add a step (go mod download) or infer manifests without a context are `review`.',
    },
  },
  check,
  // (the manifests are inferred without a context: move.ts and go-download.ts make review fixes
  // then)
  reviewWithoutContext: true,
};
