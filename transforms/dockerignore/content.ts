/**
 * What a secret-looking file holds, read from its content: a real secret (a private key block, a
 * known token format, a credential assignment with a value), something public (certificates,
 * public keys, public build-time settings such as `VITE_*`), or unknown. The secrets rules
 * decide with it when git cannot (docs/rules/dockerignore.md, "Decisions").
 */
import type { BuildContext } from '../../src/model/types.js';
import { basename } from './model.js';

export type SecretContent =
  /** `strong`: a private key block or a known token format, a secret wherever it sits; else a
   * credential assignment (`DB_PASSWORD=...`), a secret only in a local file. */
  | { kind: 'secret'; what: string; strong: boolean }
  | { kind: 'public'; what: string }
  | { kind: 'unknown' };

const PRIVATE_KEY = /-----BEGIN ((RSA|DSA|EC|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----/;
const TOKENS: { re: RegExp; what: string }[] = [
  { re: /\bAKIA[0-9A-Z]{16}\b/, what: 'an AWS access key' },
  { re: /\baws_secret_access_key\s*[=:]\s*['"]?[A-Za-z0-9/+=]{40}\b/i, what: 'an AWS secret key' },
  { re: /\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{22,}/, what: 'a GitHub token' },
  { re: /\bglpat-[A-Za-z0-9_-]{20,}/, what: 'a GitLab token' },
  { re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/, what: 'a Slack token' },
  { re: /\bnpm_[A-Za-z0-9]{36}\b/, what: 'an npm token' },
  { re: /\b[sr]k_live_[A-Za-z0-9]{16,}/, what: 'a Stripe live key' },
  { re: /\bAIza[0-9A-Za-z_-]{35}\b/, what: 'a Google API key' },
  { re: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b/, what: 'a SendGrid key' },
];
const PUBLIC_BLOCK =
  /-----BEGIN (TRUSTED )?(CERTIFICATE|PUBLIC KEY|RSA PUBLIC KEY|X509 CRL|CERTIFICATE REQUEST|NEW CERTIFICATE REQUEST|DH PARAMETERS|EC PARAMETERS)-----/;
const SSH_PUBLIC = /^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-\S+|sk-\S+@openssh\.com) AAAA/m;
/** Build-time settings a frontend build inlines into public bundles: public by design. */
const PUBLIC_VAR = /^(VITE_|NEXT_PUBLIC_|EXPO_PUBLIC_|REACT_APP_|NUXT_PUBLIC_|GATSBY_|PUBLIC_)/;
const SECRET_VAR =
  /(SECRET|PASSWORD|PASSWD|PASS$|TOKEN|PRIVATE|API_?KEY|ACCESS_?KEY|CREDENTIAL|AUTH|DSN|DATABASE_URL|_KEY$|^KEY$)/i;
const PLACEHOLDER =
  /^(|changeme|change-me|xxx+|\*+|<.*>|your[-_].*|\$\{.*\}|\$[A-Z_]+|null|none|todo)$/i;

function tokenIn(text: string): string | null {
  if (PRIVATE_KEY.test(text)) return 'a private key';
  for (const t of TOKENS) if (t.re.test(text)) return t.what;
  // A connection URL with a password in it (`postgres://app:s3cret@db/app`), not a placeholder.
  for (const m of text.matchAll(/\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]+:([^\s@/'"]+)@[^\s'"]+/gi))
    if (!PLACEHOLDER.test(m[1]!) && !/^(password|pass|secret|\$.*|\{.*\})$/i.test(m[1]!))
      return 'a password in a connection URL';
  return null;
}

/** `KEY=value` lines of an env file (quotes dropped, `export` allowed). */
function assignments(text: string): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (!m || line.trim().startsWith('#')) continue;
    let value = m[2]!.replace(/\s+#.*$/, '');
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    out.push({ key: m[1]!, value });
  }
  return out;
}

/** What one file holds. */
export function fileContent(path: string, text: string | null): SecretContent {
  if (text === null) return { kind: 'unknown' };
  const token = tokenIn(text);
  if (token) return { kind: 'secret', what: token, strong: true };
  const name = basename(path);
  if (PUBLIC_BLOCK.test(text) || (name.endsWith('.pub') && SSH_PUBLIC.test(text)))
    return { kind: 'public', what: 'a certificate or public key' };
  if (/\.tfstate(\..+)?$/.test(name))
    return { kind: 'secret', what: 'Terraform state', strong: false };
  if (name === 'master.key' || /(^|\/)credentials\/[^/]+\.key$/.test(path))
    return { kind: 'secret', what: 'the Rails master key', strong: true };
  if (name === '.npmrc' || name === '.pypirc')
    return { kind: 'secret', what: 'a registry token', strong: false };
  if (name === 'known_hosts' || name === 'authorized_keys' || name === 'config')
    return { kind: 'public', what: 'settings without credentials' };
  if (name === '.env' || name.startsWith('.env.') || name === 'credentials') {
    let pub = 0;
    let other = false;
    for (const { key, value } of assignments(text)) {
      if (PLACEHOLDER.test(value.trim())) continue;
      if (PUBLIC_VAR.test(key)) pub++;
      else if (SECRET_VAR.test(key))
        return { kind: 'secret', what: `a value for ${key}`, strong: false };
      else other = true;
    }
    if (other) return { kind: 'unknown' };
    return { kind: 'public', what: pub ? 'only public build settings' : 'no values' };
  }
  return { kind: 'unknown' };
}

/** What a file or a folder (all its files: `filesBelow` lists them) holds. */
export function pathContent(
  bc: BuildContext,
  path: string,
  filesBelow: (dir: string) => readonly string[],
): SecretContent {
  if (!bc.isDirectory(path)) return fileContent(path, bc.readFile(path));
  const inside = filesBelow(path);
  let pub: SecretContent | null = null;
  for (const f of inside) {
    const c = fileContent(f, bc.readFile(f));
    if (c.kind === 'secret') return c;
    if (c.kind === 'unknown') return c;
    pub = c;
  }
  return pub ?? { kind: 'unknown' };
}
