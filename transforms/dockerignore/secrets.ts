/**
 * Rule `dockerignore/secrets`: secret-looking files (`.env`, `.env.*`, keys, `.npmrc`/`.pypirc`
 * with a token, `.aws/`, `.ssh/`, `*.tfstate`) are always proposed, whether or not the whole
 * context is copied; env templates and versioned test/CI env files are spared. See
 * docs/rules/dockerignore.md.
 */
import { matcher } from '../../src/context/ignore.js';
import { pathContent } from './content.js';
import { gitIgnored, gitTracked, repoTracked } from './repo.js';
import type { BuildContext, Finding, Fix, Skipped } from '../../src/model/types.js';
import { buildEdit, listNames } from './ignore-file.js';
import { memoCounters, WalkMemo } from './memo.js';
import {
  type Analysis,
  anchored,
  basename,
  push,
  type Candidate,
  type Entries,
  type Source,
  type RunSteps,
} from './model.js';

/** A part of a file name that marks a template (`.env.example`, `.env.dusk.example`,
 * `.env.production.template`, `.env.dist`): placeholders meant to be committed, not secrets. */
const TEMPLATE_PART = /^(example|sample|template|dist|defaults?|tpl)$/i;
/** A part that marks an env file for tests or CI (`.env.testing`, `.env.ci`, `.env.dusk.local`). */
const TEST_ENV_PART = /^(ci|test|testing|dusk|e2e)$/i;
const KEY_NAMES = ['id_rsa', 'id_ed25519', 'id_ecdsa', 'id_dsa'];

/** `.env.example`, `.env.dusk.example`, `.env.sample`, `.env.ci.dist`: a template part after the
 * leading name, at any position. */
export function isTemplateName(name: string): boolean {
  return name
    .split('.')
    .slice(2)
    .some((p) => TEMPLATE_PART.test(p));
}

/** What to do with one secret-looking path. */
type Decision =
  | { act: 'exclude' }
  | { act: 'keep' }
  | { act: 'review'; kind: 'committed-secret' | 'secret'; why: string };

const REGISTRY_RC: Record<string, RegExp> = {
  '.npmrc': /\b(npm|pnpm|yarn)\s+(ci|install|i|add)\b|\byarn\s*($|&&|;)/m,
  '.pypirc': /\b(pip3?|twine|poetry|uv)\b/,
};

/**
 * Decides with what the repository says: a file git ignores or does not track is local-only and
 * goes out; a tracked one is part of the source and stays (a review finding when it holds a real
 * secret); without git the content decides, and when it does not tell, review.
 */
function decide(
  bc: BuildContext,
  path: string,
  filesBelow: (dir: string) => readonly string[],
  steps: RunSteps,
): Decision {
  const name = basename(path);
  const install = REGISTRY_RC[name];
  const runLine = install ? steps.runs.find((r) => install.test(r.text)) : undefined;
  if (runLine)
    return {
      act: 'review',
      kind: 'secret',
      why: `${path} holds registry credentials that the install at line ${runLine.line} reads, so excluding it breaks that install until the Dockerfile passes it with RUN --mount=type=secret,id=${name.slice(1)},target=/root/${name}`,
    };
  // Ignored and untracked are the same answer here: the project does not ship it.
  const tracked = repoTracked(bc, path);
  if (tracked === false) return { act: 'exclude' };
  const content = pathContent(bc, path, filesBelow);
  if (tracked === true)
    return content.kind === 'secret' && content.strong
      ? {
          act: 'review',
          kind: 'committed-secret',
          why: `${path} is committed to git and holds ${content.what}`,
        }
      : { act: 'keep' };
  if (content.kind === 'secret') return { act: 'exclude' };
  if (content.kind === 'public') return { act: 'keep' };
  return {
    act: 'review',
    kind: 'secret',
    why: `${path} looks like a secret by its name, but no git repository says whether the project ships it and its content does not tell`,
  };
}

/** A pattern that matches exactly `path` (Docker patterns: `\\` escapes a special character). */
function literal(path: string): string {
  return path.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** The secret-looking paths of a walk, by the name rules of `secretCandidates`, found in one
 * pass over its files (each list in walk order). A pure function of the entries: computed once
 * per walk (the Entries of a walk are shared by the Dockerfiles of its context). */
interface SecretScan {
  entries: Entries;
  env: string[];
  /** Files named `.env.*`, with their names. */
  envDot: { path: string; name: string }[];
  pem: string[];
  key: string[];
  /** By KEY_NAMES, same order. */
  keyNames: string[][];
  npmrc: string[];
  pypirc: string[];
  aws: string[];
  ssh: string[];
  tfstate: string[];
  /** True when every list is empty: nothing to decide. */
  none: boolean;
}

/** A scan of `entries` with every list empty. */
function emptyScan(entries: Entries | null, none: boolean): SecretScan {
  return {
    entries: entries as Entries,
    env: [],
    envDot: [],
    pem: [],
    key: [],
    keyNames: KEY_NAMES.map(() => []),
    npmrc: [],
    pypirc: [],
    aws: [],
    ssh: [],
    tfstate: [],
    none,
  };
}

/** The scan of a walk where nothing looks like a secret (most walks): one object for all, no
 * lists made (a scan lives as long as its walk). Its `entries` is null: a scan with `none` is
 * never read further (secretCandidates returns first). */
const NO_SECRETS: SecretScan = Object.freeze(emptyScan(null, true));

function scanOf(entries: Entries): SecretScan {
  let s = entries.secretScan as SecretScan | null;
  if (s) return s;
  memoCounters.scans++;
  s = scanNow(entries);
  entries.secretScan = s;
  return s;
}

/** The scan of `entries` (see SecretScan): NO_SECRETS when nothing matched. */
function scanNow(entries: Entries): SecretScan {
  // (the lists are made on the first match: most walks have none)
  let s: SecretScan | null = null;
  const scan = (): SecretScan => (s ??= emptyScan(entries, false));
  const aws = entries.named('.aws', true);
  if (aws.length) scan().aws = aws;
  const ssh = entries.named('.ssh', true);
  if (ssh.length) scan().ssh = ssh;
  // (the ignore file is asked about the paths found only: `entries.visible`; the tests read
  // the names, and a path only for a name that matches: most paths are never read)
  const { all, names } = entries;
  // (`*.tfstate*` is tested on the whole path, which may hold `.tfstate` in a folder's name)
  const tfInFolders = entries.foldersMayContain('.tfstate');
  for (let i = 0; i < all.length; i++) {
    const n = names[i] as string | null;
    if (n === null) continue;
    const e = all[i]!;
    // (suffixes hold no `/`: the path's is the name's; the last character is tested first)
    const last = n.charCodeAt(n.length - 1);
    if (last === 109 /* m */ && n.endsWith('.pem') && entries.visible(e)) scan().pem.push(e.path);
    if (last === 121 /* y */ && n.endsWith('.key') && entries.visible(e)) scan().key.push(e.path);
    if (
      (tfInFolders ? e.path : n).includes('.tfstate') &&
      /\.tfstate(\..+)?$/.test(e.path) &&
      entries.visible(e)
    )
      scan().tfstate.push(e.path);
    // Names: `.env`, `.env.*`, `.npmrc`, `.pypirc`, `id_*`.
    const c = n.charCodeAt(0);
    if (c === 46 /* . */) {
      if (n === '.env') {
        if (entries.visible(e)) scan().env.push(e.path);
      } else if (n.startsWith('.env.')) {
        if (entries.visible(e)) scan().envDot.push({ path: e.path, name: n });
      } else if (n === '.npmrc') {
        if (entries.visible(e)) scan().npmrc.push(e.path);
      } else if (n === '.pypirc') {
        if (entries.visible(e)) scan().pypirc.push(e.path);
      }
    } else if (c === 105 /* i */ && n.startsWith('id_') && !n.endsWith('.pub')) {
      for (let k = 0; k < KEY_NAMES.length; k++)
        if (n.startsWith(KEY_NAMES[k]!) && entries.visible(e)) scan().keyNames[k]!.push(e.path);
    }
  }
  // (a list is made only for a match: a scan made is never empty)
  return s ?? NO_SECRETS;
}

const shared = new WalkMemo<Candidate[]>();

/** Candidates of the secrets group, in the order they appear in the ignore file: the safe
 * patterns, then one review entry per path that needs one. They depend on the walk (its
 * entries, and what the context says of them: git, `.gitignore` files, contents) and, for
 * `.npmrc`/`.pypirc`, on the RUN that installs with them: computed once per walk and such RUN
 * lines (memo.ts), shared by the Dockerfiles of the context and the passes of the engine.
 * Read-only. The RUN steps (`steps`) are asked only when the walk holds something that looks
 * like a secret. */
export function secretCandidates(
  entries: Entries,
  bc: BuildContext,
  steps: () => RunSteps,
): Candidate[] {
  const scan = scanOf(entries);
  if (scan.none) return [];
  const runs = steps();
  return shared.get(scan, registryKey(runs), bc, (view) =>
    computeSecretCandidates(scan, view, runs),
  );
}

/** What of the Dockerfile a decision reads: the line of the first RUN installing with each
 * registry file (see `decide`), once per RUN steps (usage.ts: once per Dockerfile text). */
const registryKeys = new WeakMap<RunSteps, string>();

function registryKey(steps: RunSteps): string {
  let key = registryKeys.get(steps);
  if (key === undefined) {
    key = Object.values(REGISTRY_RC)
      .map((re) => steps.runs.find((r) => re.test(r.text))?.line ?? 0)
      .join(',');
    registryKeys.set(steps, key);
  }
  return key;
}

function computeSecretCandidates(scan: SecretScan, bc: BuildContext, steps: RunSteps): Candidate[] {
  const out: Candidate[] = [];
  const reviews: Candidate[] = [];
  const filesBelow = (dir: string) => scan.entries.filesBelow(dir);
  /** `name` over the paths that go out; the others stay (re-included after it). */
  const add = (name: string, hits: string[], spare?: string[]) => {
    const exclude: string[] = [];
    const kept: string[] = [];
    for (const p of hits) {
      const d = decide(bc, p, filesBelow, steps);
      if (d.act === 'exclude') exclude.push(p);
      else {
        kept.push(p);
        if (d.act === 'review')
          reviews.push({
            group: 'secrets',
            pattern: literal(p),
            triggers: [p],
            review: { kind: d.kind, why: d.why },
          });
      }
    }
    if (!exclude.length) return;
    const pattern = anchored(name, exclude);
    const m = matcher([pattern]);
    const keep = kept.filter((p) => m(p));
    out.push({
      group: 'secrets',
      pattern,
      triggers: exclude,
      ...(keep.length ? { keep } : {}),
      ...(spare ? { spare } : {}),
    });
  };
  add('.env', scan.env);
  // `.env.*` is for local env files. Templates (`.env.example`, `.env.dusk.example`) and test/CI
  // env files that git versions (a `.gitignore` in the context does not ignore them) are not
  // secrets: they never trigger it, and stay in the context when the whole of it is copied.
  const envStar: string[] = [];
  const envSpare: string[] = [];
  for (const { path: p, name: n } of scan.envDot) {
    const parts = n.split('.').slice(2);
    const committedTestEnv =
      parts.some((x) => TEST_ENV_PART.test(x)) &&
      gitTracked(bc, p) === null &&
      gitIgnored(bc, p) === false;
    (isTemplateName(n) || committedTestEnv ? envSpare : envStar).push(p);
  }
  add('.env.*', envStar, envSpare);
  add('*.pem', scan.pem);
  add('*.key', scan.key);
  // Public keys (`id_rsa.pub`) are not secrets.
  KEY_NAMES.forEach((k, i) => add(`${k}*`, scan.keyNames[i]!));
  for (const [rc, hits] of [
    ['.npmrc', scan.npmrc],
    ['.pypirc', scan.pypirc],
  ] as const) {
    const withToken = hits.filter((p) => {
      const t = bc.readFile(p) ?? '';
      return /(_authToken|_auth|_password|^\s*password)\s*[=:]\s*(?!\$\{|\$[A-Z_])\S/im.test(t);
    });
    add(rc, withToken);
  }
  add('.aws', scan.aws);
  add('.ssh', scan.ssh);
  add('*.tfstate*', scan.tfstate);
  return [...out, ...reviews];
}

/** A secret-looking file the Dockerfile copies by name stays, and the skip says so. */
export function copiedSecret(c: Candidate, p: string, src: Source): Skipped | null {
  if (c.group !== 'secrets' || !c.triggers.includes(p) || src.line === null) return null;
  return {
    ruleId: 'dockerignore/secrets',
    reason: `${p} looks like a secret but line ${src.line} (${src.instr}) copies it, so it stays in the context; pass it with RUN --mount=type=secret instead`,
    at: src.at,
  };
}

/** The `dockerignore/secrets` fix: every chosen entry (secrets and the rest) in one edit. */
export function reportSecrets(a: Analysis): Finding[] {
  const secrets = a.chosen.filter((p) => p.group === 'secrets');
  if (!secrets.length) return [];
  const others = a.chosen.filter((p) => p.group !== 'secrets');
  const all = buildEdit(a, a.chosen);
  const extraWord = others.length
    ? ` (plus ${others.length} more entr${others.length === 1 ? 'y' : 'ies'} to shrink the context)`
    : '';
  const fileWord =
    a.existing === null ? `no ${a.ignorePath}` : `${a.ignorePath} not excluding them`;
  const copyCost = copyClaim(a);
  return [
    {
      ruleId: 'dockerignore/secrets',
      message: `Secrets in the build context (${listNames([...new Set(secrets.flatMap((p) => p.effective))])}) are sent to the builder with ${fileWord} and ${copyCost}${extraWord}.`,
      applicability: 'safe',
      at: a.usage.whole?.at ?? 0,
      edits: [all.edit],
      note: all.note,
      data: all.data,
    } satisfies Fix,
  ];
}

/** What the whole-context copy does with the secrets, claiming only what is true: the pulled
 * image holds them only when the copy is in the final stage or a stage it is built FROM. */
function copyClaim(a: Analysis): string {
  const whole = a.usage.whole;
  if (!whole) return 'the classic builder and remote builders upload the whole context';
  const copy = `line ${whole.line}'s \`${whole.text.trim()}\``;
  const stages = a.model.stages;
  const stageIndex = a.model.instructions.find((i) => i.span.start === whole.at)?.stage ?? -1;
  const chain = new Set<number>();
  for (let s: number | null = stages.length - 1; s !== null && s >= 0 && !chain.has(s);)
    (chain.add(s), (s = stages[s]!.fromStage));
  if (stageIndex < 0 || chain.has(stageIndex))
    return `${copy} bakes them into an image layer anyone who pulls the image can read`;
  const st = stages[stageIndex]!;
  const label = st.name ? `build stage ${st.name}` : `build stage ${stageIndex}`;
  return `${copy} copies them into ${label}, which the final image is not built from (a COPY --from may still carry files out of it, and its layers stay in the build cache)`;
}

const REVIEW_HEADER = {
  'committed-secret': '# Committed secrets (reviewed: the repository ships them)',
  secret: '# Possible secrets (reviewed: nothing told whether the build reads them)',
};

/** Review fixes for secret-looking files that cannot simply go out: `dockerignore/committed-secret`
 * (git tracks a file that holds a real secret) and `dockerignore/secrets` (nothing tells). */
export function reportSecretReview(a: Analysis): Finding[] {
  const out: Finding[] = [];
  for (const kind of ['committed-secret', 'secret'] as const) {
    const list = a.review.filter((p) => p.group === 'secrets' && p.review?.kind === kind);
    if (!list.length) continue;
    const { edit, note, data } = buildEdit(a, list, REVIEW_HEADER[kind]);
    const whys = list.map((p) => p.review!.why).join('; ');
    const message =
      kind === 'committed-secret'
        ? `Committed secret: ${whys}, so everyone who can read the repository has it; the project ships it, so it stays in the build context unless you apply this fix, which breaks a build or test that reads it (remove it from git, rotate it, and pass it with RUN --mount=type=secret).`
        : `${whys}: review before excluding ${list.length === 1 ? 'it' : 'them'} from the build context.`;
    out.push({
      ruleId:
        kind === 'committed-secret' ? 'dockerignore/committed-secret' : 'dockerignore/secrets',
      message,
      applicability: 'review',
      at: a.usage.whole?.at ?? 0,
      edits: [edit],
      note,
      data,
    } satisfies Fix);
  }
  return out;
}
