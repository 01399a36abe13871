/**
 * Image references as Docker reads them (`[domain/]path[:tag][@digest]`): one parser for the
 * whole tool. `normalizeImage` gives Docker's full name (`python:3.12` ->
 * `docker.io/library/python:3.12`), `hubRepo` the short name Docker Hub shows (`python`,
 * `bitnami/redis`).
 */

export interface ImageRef {
  /** Registry as written (`ghcr.io`, `localhost:5000`), or null for Docker Hub by default. */
  domain: string | null;
  /** Repository path without the domain (`library/python`, `python`, `org/app`). */
  path: string;
  /** Tag without the colon, or null. */
  tag: string | null;
  /** Digest without the `@` (`sha256:...`), or null. */
  digest: string | null;
}

/** Split a reference; no validation (variables and odd characters pass through). */
export function parseImageRef(ref: string): ImageRef {
  let rest = ref;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split('/');
  const first = parts[0]!;
  const hasDomain =
    parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  return hasDomain
    ? { domain: first, path: parts.slice(1).join('/'), tag, digest }
    : { domain: null, path: rest, tag, digest };
}

const HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Docker's normalised reference (`python:3.12` -> `docker.io/library/python:3.12`; no tag and
 * no digest -> `:latest`). */
export function normalizeImage(ref: string): string {
  const r = parseImageRef(ref);
  const name = r.domain
    ? `${r.domain}/${r.path}`
    : r.path.includes('/')
      ? `docker.io/${r.path}`
      : `docker.io/library/${r.path}`;
  const tag = r.tag !== null ? `:${r.tag}` : r.digest === null ? ':latest' : '';
  return name + tag + (r.digest !== null ? `@${r.digest}` : '');
}

/** The repository as Docker Hub names it: Hub registry names and `library/` dropped
 * (`docker.io/library/python:3` -> `python`); other registries keep their domain. */
export function hubRepo(ref: string): string {
  const r = parseImageRef(ref);
  if (r.domain !== null && !HUB.has(r.domain)) return `${r.domain}/${r.path}`;
  return r.path.replace(/^library\//, '');
}
