/**
 * Runtime bases and packages shared by the ecosystems of `multistage`: the Debian release of a
 * tag, the slim variant of node/python images, `-dev` packages mapped to their runtime
 * libraries, and the install line for the runtime stage.
 * Docs: docs/rules/multistage.md.
 */
import { TOOLCHAIN } from './shared.js';
import type { Analysis } from './shared.js';

/** Debian `-dev` package -> runtime package ('' = nothing to install). */
const DEBIAN_RUNTIME: Record<string, string> = {
  'libpq-dev': 'libpq5',
  'libffi-dev': 'libffi8',
  'libssl-dev': 'libssl3',
  'zlib1g-dev': '',
  'libjpeg-dev': 'libjpeg62-turbo',
  'libjpeg62-turbo-dev': 'libjpeg62-turbo',
  'libxml2-dev': 'libxml2',
  'libxslt1-dev': 'libxslt1.1',
  'libsqlite3-dev': 'libsqlite3-0',
  'default-libmysqlclient-dev': 'libmariadb3',
  'libmariadb-dev': 'libmariadb3',
  'libmariadb-dev-compat': 'libmariadb3',
  'libcurl4-openssl-dev': 'libcurl4',
  'libyaml-dev': 'libyaml-0-2',
  'libpng-dev': 'libpng16-16',
  'libbz2-dev': 'libbz2-1.0',
  'liblzma-dev': 'liblzma5',
  'libgmp-dev': 'libgmp10',
  'libmagic-dev': 'libmagic1',
  'libsasl2-dev': 'libsasl2-2',
  'python3-dev': '',
  'python-dev': '',
  'libc6-dev': '',
};
const ALPINE_RUNTIME: Record<string, string> = {
  'postgresql-dev': 'libpq',
  'libpq-dev': 'libpq',
  'libffi-dev': 'libffi',
  'openssl-dev': 'libssl3',
  'zlib-dev': 'zlib',
  'jpeg-dev': 'libjpeg-turbo',
  'libjpeg-turbo-dev': 'libjpeg-turbo',
  'libxml2-dev': 'libxml2',
  'libxslt-dev': 'libxslt',
  'yaml-dev': 'yaml',
  'mariadb-dev': 'mariadb-connector-c',
  'sqlite-dev': 'sqlite-libs',
  'curl-dev': 'libcurl',
  'musl-dev': '',
  'linux-headers': '',
  'python3-dev': '',
};

export function debianRelease(tag: string): string | null {
  return /\b(bookworm|bullseye|buster|trixie)\b/.exec(tag)?.[1] ?? null;
}

/** `node:20` -> `node:20-slim`; `python:3.12-bookworm` -> `python:3.12-slim-bookworm`. */
export function slimOf(a: Analysis, kind: 'node' | 'python'): string {
  const { tag } = a.image;
  const written = a.stage.image;
  if (/slim|alpine/.test(tag)) return written;
  const rel = debianRelease(tag);
  let newTag: string;
  if (tag === '' || tag === 'latest') newTag = rel ? rel : 'slim';
  else if (rel) {
    const base = tag.slice(0, tag.indexOf(rel)).replace(/-$/, '');
    newTag =
      kind === 'node'
        ? `${base ? base + '-' : ''}${rel}-slim`
        : `${base ? base + '-' : ''}slim-${rel}`;
  } else newTag = `${tag}-slim`;
  if (tag === '' || tag === 'latest') newTag = 'slim';
  // Keep the author's variables (`node:${NODE_VERSION}` -> `node:${NODE_VERSION}-slim`).
  if (
    written !== a.stage.resolvedImage &&
    !rel &&
    /:[^/]*$/.test(written) &&
    !written.includes('@')
  )
    return `${written}-slim`;
  return `${a.image.repo}:${newTag}`;
}

/** Runtime packages for the stage's installs: `-dev` mapped, toolchain dropped, others kept. */
export function runtimePackages(
  a: Analysis,
  buildOnly: (p: string) => boolean = () => false,
): string[] | { skip: string } {
  const map = a.mgr === 'apk' ? ALPINE_RUNTIME : DEBIAN_RUNTIME;
  const out: string[] = [];
  for (const p of a.packages) {
    if (p in map) {
      if (map[p]) out.push(map[p]!);
      continue;
    }
    if (/-(dev|devel)$/.test(p)) return { skip: `no known runtime package for ${p}` };
    if (TOOLCHAIN.has(p) || p === 'git' || buildOnly(p)) continue;
    out.push(p);
  }
  return [...new Set(out)];
}

export function installLine(a: Analysis, pkgs: string[]): string[] {
  if (pkgs.length === 0) return [];
  if (a.mgr === 'apk') return [`RUN apk add --no-cache ${pkgs.join(' ')}`];
  return [
    `RUN apt-get update && apt-get install -y --no-install-recommends ${pkgs.join(' ')} && rm -rf /var/lib/apt/lists/*`,
  ];
}
