/**
 * The file system of an image as a comparable table: `docker create` + `docker export` (the
 * flattened root file system as a tar stream), read by a small tar reader (ustar, PAX `x`/`g`
 * records, GNU long names), one entry per path: type, mode, owner, size, SHA-256 of the content,
 * link target. Used by the equivalence suite to compare the original and the fixed image.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { runDocker, type DockerClient } from '../../src/verify/docker.js';

export interface FsEntry {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  sha256: string | null;
  link: string | null;
}

const str = (b: Buffer, off: number, len: number) => {
  const s = b.subarray(off, off + len);
  const nul = s.indexOf(0);
  return (nul < 0 ? s : s.subarray(0, nul)).toString('utf8');
};
const oct = (b: Buffer, off: number, len: number) => {
  // base-256 for large numbers (GNU), else octal text
  if (b[off]! & 0x80) {
    let n = 0;
    for (let i = off + 1; i < off + len; i++) n = n * 256 + b[i]!;
    return n;
  }
  return parseInt(str(b, off, len).trim() || '0', 8);
};

function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = parseInt(data.subarray(i, sp).toString('utf8'), 10);
    if (!len) break;
    const rec = data.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

/** Parse a whole tar archive held in memory. */
export function readTar(buf: Buffer): Map<string, FsEntry> {
  const out = new Map<string, FsEntry>();
  let off = 0;
  let pax: Record<string, string> = {};
  let longName: string | null = null;
  let longLink: string | null = null;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    const size = oct(h, 124, 12);
    const flag = String.fromCharCode(h[156]! || 0x30);
    const data = buf.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (flag === 'x') {
      pax = paxRecords(data);
      continue;
    }
    if (flag === 'g') continue;
    if (flag === 'L') {
      longName = str(data, 0, data.length);
      continue;
    }
    if (flag === 'K') {
      longLink = str(data, 0, data.length);
      continue;
    }
    const prefix = str(h, 345, 155);
    let name = pax.path ?? longName ?? (prefix ? `${prefix}/${str(h, 0, 100)}` : str(h, 0, 100));
    const link = pax.linkpath ?? longLink ?? (str(h, 157, 100) || null);
    name = '/' + name.replace(/^\.?\/+/, '').replace(/\/+$/, '');
    const type =
      { '0': 'file', '1': 'hardlink', '2': 'symlink', '5': 'dir' }[flag] ?? `type-${flag}`;
    out.set(name, {
      type,
      mode: oct(h, 100, 8) & 0o7777,
      uid: pax.uid ? Number(pax.uid) : oct(h, 108, 8),
      gid: pax.gid ? Number(pax.gid) : oct(h, 116, 8),
      size: type === 'file' ? size : 0,
      sha256: type === 'file' ? createHash('sha256').update(data).digest('hex') : null,
      link: type === 'symlink' || type === 'hardlink' ? link : null,
    });
    pax = {};
    longName = longLink = null;
  }
  return out;
}

/** The flattened file system of an image (`docker create` + `docker export`). */
export async function imageFileSystem(
  client: DockerClient,
  ref: string,
): Promise<Map<string, FsEntry>> {
  const created = await runDocker(client, ['create', ref, '/bin/true'], { timeoutMs: 120_000 });
  if (created.code !== 0) throw new Error(`docker create ${ref}: ${created.stderr.trim()}`);
  const id = created.stdout.trim();
  try {
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      const p = spawn(client.bin, ['export', id], {
        env: { ...process.env, ...client.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      p.stdout.on('data', (c: Buffer) => chunks.push(c));
      p.stderr.on('data', (c: Buffer) => (err += c.toString()));
      p.on('error', reject);
      p.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`docker export ${ref}: ${err.trim()}`)),
      );
    });
    return readTar(Buffer.concat(chunks));
  } finally {
    await runDocker(client, ['rm', '--force', id], { timeoutMs: 60_000 });
  }
}

/** Paths that differ between any two builds of one Dockerfile (mount points, logs, timestamps). */
export const VOLATILE: RegExp[] = [
  /^\/(proc|sys|dev)(\/|$)/,
  /^\/etc\/(hostname|hosts|resolv\.conf|mtab)$/,
  /^\/\.dockerenv$/,
  /^\/var\/log(\/|$)/,
  /^\/var\/cache\/debconf\/.*-old$/,
  /^\/var\/cache\/ldconfig\/aux-cache$/,
  /^\/tmp$/,
];

/**
 * What the fixes are meant to remove: package-manager lists and download caches. A path here
 * may be missing from the fixed image (never added or changed).
 */
export const CACHES: RegExp[] = [
  /^\/var\/lib\/apt\/lists\/./,
  /^\/var\/cache\/apt\/./,
  /^\/var\/cache\/apk\/./,
  /^\/var\/cache\/(dnf|yum)\/./,
  /^\/root\/\.cache(\/|$)/,
  /^\/root\/\.npm(\/|$)/,
  /^\/usr\/local\/share\/\.cache(\/|$)/,
];

/** Every difference between two file-system tables, one line each (empty: equivalent). */
export function diffFileSystems(
  before: Map<string, FsEntry>,
  after: Map<string, FsEntry>,
  extraVolatile: RegExp[] = [],
  /** Contents (SHA-256) of the build's own files (Dockerfile, .dockerignore) before and after the
   * fix: an image copy of one of them may change, appear or disappear. */
  own: ReadonlySet<string> = new Set(),
): string[] {
  const isOwn = (e: FsEntry | undefined) => !!e?.sha256 && own.has(e.sha256);
  const skip = (p: string) => [...VOLATILE, ...extraVolatile].some((r) => r.test(p));
  const cache = (p: string) => CACHES.some((r) => r.test(p));
  const out: string[] = [];
  for (const [p, a] of before) {
    if (skip(p)) continue;
    const b = after.get(p);
    if (!b) {
      if (!cache(p) && !isOwn(a)) out.push(`missing in the fixed image: ${p}`);
      continue;
    }
    const fields: (keyof FsEntry)[] = ['type', 'mode', 'uid', 'gid', 'size', 'sha256', 'link'];
    if (isOwn(a) && isOwn(b)) continue;
    const changed = fields.filter((f) => a[f] !== b[f]);
    if (changed.length)
      out.push(
        `changed in the fixed image: ${p} (${changed.map((f) => `${f} ${String(a[f])} -> ${String(b[f])}`).join(', ')})`,
      );
  }
  for (const p of after.keys())
    if (!skip(p) && !before.has(p)) out.push(`new in the fixed image: ${p}`);
  return out;
}
