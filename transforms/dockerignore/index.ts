/**
 * Transform `dockerignore`: generate or complete the build context's ignore file from what the
 * context really holds (secrets, VCS, installed dependencies, build outputs the image rebuilds,
 * logs, editor files, local Docker files), never hiding a file a COPY/ADD/bind mount needs.
 * This file holds the metadata, the rule catalogue and the dispatch; the rules live in
 * secrets.ts and clutter.ts, the shared analysis in analysis.ts, the edit in ignore-file.ts.
 * Design decisions: docs/rules/dockerignore.md ("Decisions").
 */
import type {
  CheckContext,
  DockerfileModel,
  Finding,
  RuleMeta,
  Transform,
  TransformMeta,
} from '../../src/model/types.js';
import { analyse } from './analysis.js';
import { reportClutter, reportClutterReview } from './clutter.js';
import { reportSecretReview, reportSecrets } from './secrets.js';

export { MEASURE_LIMIT } from './ignore-file.js';
export { isTemplateName } from './secrets.js';

/** Every rule id the transform reports. */
export const rules: readonly RuleMeta[] = [
  {
    id: 'dockerignore/secrets',
    title: 'Exclude secret-looking files from the build context',
    applicability: 'safe',
    hadolint: [],
  },
  {
    id: 'dockerignore/create',
    title: 'Create the ignore file for clutter a whole-context copy takes',
    applicability: 'safe',
    hadolint: [],
  },
  {
    id: 'dockerignore/complete',
    title: 'Complete the ignore file with clutter a whole-context copy takes',
    applicability: 'safe',
    hadolint: [],
  },
  {
    id: 'dockerignore/committed-secret',
    title: 'Review a secret that git tracks (it stays in the context)',
    applicability: 'review',
    hadolint: [],
  },
];

export const meta: TransformMeta = {
  id: 'dockerignore',
  title: 'Generate or complete .dockerignore from the real build context',
  hadolint: [],
  applicability: 'safe',
  docs: {
    why:
      'Everything in the build context is uploaded to the builder, and a whole-context `COPY . .` ' +
      'bakes it into the image: `.git`, host `node_modules` and virtualenvs, build outputs, logs, ' +
      'and worst of all secrets such as `.env` files and keys, readable by anyone who pulls the ' +
      'image. Any change to those files also busts the layer cache of the copy and every later ' +
      'step. The transform scans the real context (without following symlinks, without entering ' +
      'folders it ignores) and writes or completes the ignore file in force (`<Dockerfile>.dockerignore` ' +
      'when it exists, else `.dockerignore`) with entries only for what is there; the fix note ' +
      'reports the context before and after (files and bytes). Secrets are always proposed ' +
      '(`dockerignore/secrets`, naming the files excluded). Env templates (an `example`, ' +
      '`sample`, `template`, `dist` part at any position: `.env.dusk.example`) and test/CI env ' +
      'files that a `.gitignore` in the context does not ignore (`.env.testing`, `.env.ci`) are ' +
      'not secrets: they never trigger `.env.*` and are re-included after it when the whole ' +
      'context is copied. The other groups only when the Dockerfile copies the whole ' +
      'context, because BuildKit otherwise sends only the paths the Dockerfile names. Build ' +
      'outputs (`dist`, `build`, `target`, .NET `bin`/`obj`) are proposed only when a RUN builds ' +
      'them, `node_modules` only when a RUN installs Node packages, and Go `vendor/` never.',
    fixSafety:
      'Safe: every file a COPY/ADD or a bind mount takes from the context by name (a file, the ' +
      'matches of a glob, anything under a named folder), in any stage and in every other ' +
      "Dockerfile found in the context, is evaluated with Docker's own matching rules; a pattern " +
      'that would hide one is followed by a `!path` re-include or dropped. Existing lines and ' +
      'comments are kept byte for byte; new lines are appended at the end. Not covered: files a ' +
      'RUN step reads after `COPY . .` without naming them (e.g. a script reading `tmp/seed.sql`); ' +
      '`.git` is kept when a RUN calls git or the project versions itself from git ' +
      '(setuptools-scm, hatch-vcs, versioneer). A COPY source with an unresolvable variable ' +
      'turns the transform off for that Dockerfile (reported as skipped), and so does a named ' +
      'source missing from the context (the build uses another context). Editor and local ' +
      'Docker files alone never create or change a file. A `.env` that a frontend build reads ' +
      '(Vite, Next.js) after `COPY . .` is still excluded as a secret: pass such values as ' +
      'build args, or copy the file by name and it stays.',
  },
  rules,
};

function check(model: DockerfileModel, ctx: CheckContext): Finding[] {
  if (!ctx.buildContext.available) return [];
  const { findings, analysis } = analyse(model, ctx);
  if (!analysis) return findings;
  return [
    ...findings,
    ...reportSecrets(analysis),
    ...reportClutter(analysis),
    ...reportSecretReview(analysis),
    ...reportClutterReview(analysis),
  ];
}

export const transform: Transform = { meta, check };
