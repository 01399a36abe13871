/**
 * Rule `dockerignore/secrets`: secret-looking files (`.env`, `.env.*`, keys, `.npmrc`/`.pypirc`
 * with a token, `.aws/`, `.ssh/`, `*.tfstate`) are always proposed, whether or not the whole
 * context is copied; env templates and versioned test/CI env files are spared. See
 * docs/rules/dockerignore.md.
 */
import { matcher, parsePatterns } from '../../src/context/ignore.js';
import type { BuildContext, Finding, Fix, Skipped } from '../../src/model/types.js';
import { buildEdit, listNames } from './ignore-file.js';
import {
  type Analysis,
  anchored,
  basename,
  push,
  type Candidate,
  type Entries,
  type Source,
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

/**
 * The context's `.gitignore` files (the root one and those of the folders above `path`) say
 * whether `path` is ignored by git, read with gitignore's rules (a pattern without a slash
 * matches at any depth). Null when the context holds no `.gitignore` on that path: then nothing
 * is known about what is versioned.
 */
function gitIgnored(bc: BuildContext, path: string): boolean | null {
  const dirs = [''];
  const parts = path.split('/');
  for (let k = 1; k < parts.length; k++) dirs.push(parts.slice(0, k).join('/'));
  const patterns: string[] = [];
  let found = false;
  for (const dir of dirs) {
    const text = bc.readFile(dir ? `${dir}/.gitignore` : '.gitignore');
    if (text === null) continue;
    found = true;
    // Lines as Docker reads them (comments and blanks dropped, trimmed): close enough to git's.
    for (let line of parsePatterns(text)) {
      const neg = line.startsWith('!');
      if (neg) line = line.slice(1);
      line = line.replace(/\/+$/, '');
      if (line === '') continue;
      const anchoredLine = line.replace(/^\//, '').includes('/') || line.startsWith('/');
      line = line.replace(/^\//, '');
      const body = anchoredLine ? line : `**/${line}`;
      patterns.push(`${neg ? '!' : ''}${dir ? `${dir}/` : ''}${body}`);
    }
  }
  if (!found) return null;
  return matcher(patterns)(path);
}

/** Candidates of the secrets group, in the order they appear in the ignore file. */
export function secretCandidates(entries: Entries, bc: BuildContext): Candidate[] {
  const out: Candidate[] = [];
  const { files } = entries;
  const env = entries.named('.env', false);
  push(out, 'secrets', anchored('.env', env), env);
  // `.env.*` is for local env files. Templates (`.env.example`, `.env.dusk.example`) and test/CI
  // env files that git versions (a `.gitignore` in the context does not ignore them) are not
  // secrets: they never trigger it, and stay in the context when the whole of it is copied.
  const envStar: string[] = [];
  const envSpare: string[] = [];
  for (const e of files) {
    const n = basename(e.path);
    if (!n.startsWith('.env.')) continue;
    const parts = n.split('.').slice(2);
    const committedTestEnv =
      parts.some((p) => TEST_ENV_PART.test(p)) && gitIgnored(bc, e.path) === false;
    (isTemplateName(n) || committedTestEnv ? envSpare : envStar).push(e.path);
  }
  if (envStar.length)
    out.push({
      group: 'secrets',
      pattern: anchored('.env.*', envStar),
      triggers: envStar,
      spare: envSpare,
    });
  for (const ext of ['pem', 'key']) {
    const hits = files.filter((e) => basename(e.path).endsWith(`.${ext}`)).map((e) => e.path);
    push(out, 'secrets', anchored(`*.${ext}`, hits), hits);
  }
  for (const k of KEY_NAMES) {
    const hits = files.filter((e) => basename(e.path).startsWith(k)).map((e) => e.path);
    push(out, 'secrets', anchored(`${k}*`, hits), hits);
  }
  for (const rc of ['.npmrc', '.pypirc']) {
    const hits = entries.named(rc, false).filter((p) => {
      const t = bc.readFile(p) ?? '';
      return /(_authToken|_auth|_password|^\s*password)\s*[=:]\s*(?!\$\{|\$[A-Z_])\S/im.test(t);
    });
    push(out, 'secrets', anchored(rc, hits), hits);
  }
  for (const d of ['.aws', '.ssh']) {
    const hits = entries.named(d, true);
    push(out, 'secrets', anchored(d, hits), hits);
  }
  const tf = files.filter((e) => /\.tfstate(\..+)?$/.test(e.path)).map((e) => e.path);
  push(out, 'secrets', anchored('*.tfstate*', tf), tf);
  return out;
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
  const copyCost = a.usage.whole
    ? `line ${a.usage.whole.line}'s \`${a.usage.whole.text.trim()}\` bakes them into an image layer anyone who pulls the image can read`
    : 'the classic builder and remote builders upload the whole context';
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
