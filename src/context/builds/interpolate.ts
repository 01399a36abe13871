/**
 * Compose's variable interpolation (compose-spec "Interpolation"): `$VAR`, `${VAR}`,
 * `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`, `${VAR?err}`, `${VAR:+alt}`, `${VAR+alt}`,
 * `$$` for a literal `$`; defaults may nest (`${A:-${B}}`). Also the `.env` file format.
 */

export type Lookup = (name: string) => string | undefined;

export class InterpolationError extends Error {}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Interpolate one string value. Throws an InterpolationError for `${VAR:?err}` on an unset
 * variable and for an unterminated `${`. */
export function interpolate(value: string, lookup: Lookup): string {
  let out = '';
  let i = 0;
  while (i < value.length) {
    const c = value[i]!;
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = value[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      const end = closingBrace(value, i + 2);
      if (end < 0) throw new InterpolationError(`unterminated \${ in "${value}"`);
      out += braced(value.slice(i + 2, end), lookup);
      i = end + 1;
      continue;
    }
    const m = NAME.exec(value.slice(i + 1));
    if (m) {
      out += lookup(m[0]) ?? '';
      i += 1 + m[0].length;
      continue;
    }
    out += '$';
    i++;
  }
  return out;
}

function closingBrace(s: string, from: number): number {
  let depth = 1;
  for (let i = from; i < s.length; i++) {
    if (s[i] === '$' && s[i + 1] === '{') {
      depth++;
      i++;
    } else if (s[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function braced(body: string, lookup: Lookup): string {
  const m = NAME.exec(body);
  if (!m) throw new InterpolationError(`invalid interpolation \${${body}}`);
  const name = m[0];
  const rest = body.slice(name.length);
  const v = lookup(name);
  if (rest === '') return v ?? '';
  const op = /^(:-|-|:\?|\?|:\+|\+)/.exec(rest)?.[0];
  if (!op) throw new InterpolationError(`invalid interpolation \${${body}}`);
  const arg = () => interpolate(rest.slice(op.length), lookup);
  switch (op) {
    case ':-':
      return v === undefined || v === '' ? arg() : v;
    case '-':
      return v === undefined ? arg() : v;
    case ':?':
      if (v === undefined || v === '')
        throw new InterpolationError(`${name}: ${arg() || 'required variable is missing a value'}`);
      return v;
    case '?':
      if (v === undefined)
        throw new InterpolationError(`${name}: ${arg() || 'required variable is missing a value'}`);
      return v;
    case ':+':
      return v === undefined || v === '' ? '' : arg();
    default:
      return v === undefined ? '' : arg();
  }
}

/** Read a `.env` file (compose's format: `KEY=VALUE`, `export KEY=VALUE`, `#` comments, single
 * quotes literal, double quotes with `\n` escapes, inline ` #` comments on unquoted values). */
export function parseDotEnv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!;
    if (v.startsWith("'")) {
      const end = v.indexOf("'", 1);
      v = end > 0 ? v.slice(1, end) : v.slice(1);
    } else if (v.startsWith('"')) {
      const end = v.indexOf('"', 1);
      v = (end > 0 ? v.slice(1, end) : v.slice(1)).replace(/\\n/g, '\n').replace(/\\"/g, '"');
    } else v = v.replace(/\s+#.*$/, '').trim();
    out.set(m[1]!, v);
  }
  return out;
}
