/**
 * The paths of a repository's index, read from `.git/index` directly: what `git ls-files -z`
 * prints, without starting a `git` process (about 20-70 ms each, once per repository of a run).
 * Only the plain case is read here; anything else returns null and the caller asks git:
 * `.git` not a folder (worktrees, submodules), `GIT_DIR`-style variables, a repository owned by
 * another user (git refuses it: safe.directory), a config that moves the work tree, includes
 * other files, is bare or uses SHA-256, an index of another version, a split or sparse index.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const GIT_ENV = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR'];

/** The index paths of the repository whose top folder is `top` (holding `.git`), or null. */
export function readIndexPaths(top: string): string[] | null {
  const index = readIndex(top);
  return index === null || Array.isArray(index) ? index : index.toArray();
}

/**
 * The index of the repository whose top folder is `top` (holding `.git`), or null: its paths
 * where the file holds them (IndexPaths: no string per path) when it is of version 2 or 3 and
 * sorted by bytes, as git writes it; else decoded (parseIndex).
 */
export function readIndex(top: string): IndexPaths | string[] | null {
  try {
    if (GIT_ENV.some((v) => process.env[v] !== undefined)) return null;
    const gitDir = path.join(top, '.git');
    const st = fs.statSync(gitDir);
    const uid = process.getuid?.();
    if (!st.isDirectory() || uid === undefined) return null;
    if (fs.statSync(top).uid !== uid || st.uid !== uid) return null;
    if (!fs.existsSync(path.join(gitDir, 'HEAD'))) return null;
    const config = fs.readFileSync(path.join(gitDir, 'config'), 'utf8');
    if (/^\s*(worktree|objectformat)\s*=|^\s*\[\s*include|^\s*bare\s*=\s*true/im.test(config))
      return null;
    const buf = fs.readFileSync(path.join(gitDir, 'index'));
    return IndexPaths.of(buf) ?? parseIndex(buf);
  } catch {
    return null;
  }
}

/**
 * The paths of an index file of version 2 or 3 left in its bytes: where each starts and ends
 * (two Int32Arrays), no string decoded per path (a run asks about a few paths of indexes of many
 * thousand, and a string per path cost more than reading the file). Looked up by binary search
 * on the bytes: the paths are in byte order (checked when read), as git sorts them. A question
 * holding U+FFFD or a lone surrogate, which bytes and decoded text may tell apart, is answered
 * by the decoded paths (`decoded`, made then).
 */
export class IndexPaths {
  private decoded: string[] | null = null;

  private constructor(
    private readonly bytes: Buffer,
    private readonly starts: Int32Array,
    private readonly ends: Int32Array,
  ) {}

  /** The paths of `buf` in place, or null when it is not an index of version 2 or 3 whose
   * paths are in byte order (parseIndex then decodes it, or tells it is none it reads). */
  static of(buf: Buffer): IndexPaths | null {
    if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'DIRC') return null;
    const version = buf.readUInt32BE(4);
    if (version !== 2 && version !== 3) return null;
    const count = buf.readUInt32BE(8);
    if (count > buf.length / 62) return null;
    const starts = new Int32Array(count);
    const ends = new Int32Array(count);
    const words = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let pos = 12;
    for (let i = 0; i < count; i++) {
      if (pos + 62 > buf.length) return null;
      // The mode at 24 (big-endian: its type bits, 0o170000, are the high four of byte 26; a
      // sparse-index folder entry is left to parseIndex), the flags at 60.
      if ((buf[pos + 26]! & 0xf0) === 0x40) return null;
      const flags = (buf[pos + 60]! << 8) | buf[pos + 61]!;
      let p = pos + 62;
      if (flags & 0x4000) {
        if (version < 3) return null;
        p += 2;
      }
      // (the name's length is in the flags below 0xfff, as git reads it; its NUL checked)
      const len = flags & 0xfff;
      const end = len < 0xfff ? p + len : buf.indexOf(0, p);
      if (end < 0 || end >= buf.length || buf[end] !== 0) return null;
      starts[i] = p;
      ends[i] = end;
      if (i > 0 && !inByteOrder(buf, words, starts[i - 1]!, ends[i - 1]!, p, end)) return null;
      // Entries are padded with 1-8 NULs to a multiple of 8 bytes.
      pos += Math.floor((end - pos + 8) / 8) * 8;
    }
    // Extensions: a split ('link') or sparse ('sdir') index holds entries not listed above.
    while (pos + 8 <= buf.length - 20) {
      const sig = buf.toString('latin1', pos, pos + 4);
      if (sig === 'link' || sig === 'sdir') return null;
      pos += 8 + buf.readUInt32BE(pos + 4);
    }
    return new IndexPaths(buf, starts, ends);
  }

  get length(): number {
    return this.starts.length;
  }

  /** Every path, decoded, in index order (what parseIndex gives). */
  toArray(): string[] {
    const out = new Array<string>(this.starts.length);
    for (let i = 0; i < out.length; i++)
      out[i] = this.bytes.toString('utf8', this.starts[i], this.ends[i]);
    return out;
  }

  /** Whether `p` (`/`-separated, from the repository top) is a path of the index or a folder
   * above one ('' is). */
  isTracked(p: string): boolean {
    if (p === '') return true;
    if (/[\uD800-\uDFFF\uFFFD]/.test(p)) return this.isTrackedDecoded(p);
    // `p/` as bytes: `p` is its first n - 1
    const key = Buffer.from(`${p}/`, 'utf8');
    const n = key.length - 1;
    const at = this.lowerBound(key, n);
    if (at < this.starts.length && this.compare(at, key, n) === 0) return true;
    const below = this.lowerBound(key, n + 1);
    return below < this.starts.length && this.startsWith(below, key, n + 1);
  }

  /** The answer of a string per path (see the class comment). */
  private isTrackedDecoded(p: string): boolean {
    const all = (this.decoded ??= this.toArray());
    if (all.includes(p)) return true;
    const dir = `${p}/`;
    return all.some((q) => q.startsWith(dir));
  }

  /** Path `i` against the first `n` bytes of `key`. */
  private compare(i: number, key: Uint8Array, n: number): number {
    return compareBytes(this.bytes, this.starts[i]!, this.ends[i]!, key, 0, n);
  }

  private startsWith(i: number, key: Uint8Array, n: number): boolean {
    const s = this.starts[i]!;
    if (this.ends[i]! - s < n) return false;
    const b = this.bytes;
    for (let j = 0; j < n; j++) if (b[s + j] !== key[j]) return false;
    return true;
  }

  /** The first path not before the first `n` bytes of `key`. */
  private lowerBound(key: Uint8Array, n: number): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.compare(mid, key, n) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Whether bytes `[aStart, aEnd)` of `buf` do not come after bytes `[bStart, bEnd)` (as
 * compareBytes orders them: memcmp, then the length), compared four bytes at a time (big-endian
 * words order as their bytes do) through `words`, a view of `buf`: adjacent paths of an index
 * share long prefixes, and the order check of every pair was most of the reading of an index. */
function inByteOrder(
  buf: Uint8Array,
  words: DataView,
  aStart: number,
  aEnd: number,
  bStart: number,
  bEnd: number,
): boolean {
  const m = aEnd - aStart;
  const n = bEnd - bStart;
  const k = m < n ? m : n;
  let j = 0;
  for (; j + 4 <= k; j += 4) {
    const x = words.getUint32(aStart + j);
    const y = words.getUint32(bStart + j);
    if (x !== y) return x < y;
  }
  for (; j < k; j++) {
    const d = buf[aStart + j]! - buf[bStart + j]!;
    if (d !== 0) return d < 0;
  }
  return m <= n;
}

/** Bytes `a[aStart, aEnd)` against the `n` bytes of `b` from `bStart`, as memcmp and then the
 * length order them. */
function compareBytes(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  n: number,
): number {
  const m = aEnd - aStart;
  const k = m < n ? m : n;
  for (let j = 0; j < k; j++) {
    const d = a[aStart + j]! - b[bStart + j]!;
    if (d !== 0) return d;
  }
  return m - n;
}

/** The paths of an index file (versions 2 to 4, SHA-1), in index order; null when it is not
 * one this reader knows (the caller then asks git). */
export function parseIndex(buf: Buffer): string[] | null {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'DIRC') return null;
  const version = buf.readUInt32BE(4);
  if (version < 2 || version > 4) return null;
  const count = buf.readUInt32BE(8);
  const out: string[] = [];
  let pos = 12;
  let prev: Buffer = Buffer.alloc(0);
  for (let i = 0; i < count; i++) {
    // ctime, mtime, dev, ino (24 bytes), mode at 24, then uid, gid, size, SHA-1, flags.
    if (pos + 62 > buf.length) return null;
    const mode = buf.readUInt32BE(pos + 24);
    if ((mode & 0o170000) === 0o040000) return null; // a sparse-index folder entry
    const flags = buf.readUInt16BE(pos + 60);
    let p = pos + 62;
    if (flags & 0x4000) {
      if (version < 3) return null;
      p += 2;
    }
    if (version !== 4) {
      const end = buf.indexOf(0, p);
      if (end < 0) return null;
      // (decoded in place: no Buffer view made per entry)
      out.push(buf.toString('utf8', p, end));
      // Entries are padded with 1-8 NULs to a multiple of 8 bytes.
      pos += Math.floor((end - pos + 8) / 8) * 8;
      continue;
    }
    // Version 4: the path is the previous one minus N trailing bytes (a varint), plus a
    // NUL-ended suffix.
    let strip = 0;
    let byte: number;
    let first = true;
    do {
      if (p >= buf.length) return null;
      byte = buf[p++]!;
      strip = first ? byte & 0x7f : ((strip + 1) << 7) | (byte & 0x7f);
      first = false;
    } while (byte & 0x80);
    const end = buf.indexOf(0, p);
    if (end < 0 || strip > prev.length) return null;
    const name = Buffer.concat([prev.subarray(0, prev.length - strip), buf.subarray(p, end)]);
    pos = end + 1;
    prev = name;
    out.push(name.toString('utf8'));
  }
  // Extensions (4-byte signature, 4-byte size) up to the 20-byte checksum: a split ('link') or
  // sparse ('sdir') index holds entries that are not in the list above.
  while (pos + 8 <= buf.length - 20) {
    const sig = buf.toString('latin1', pos, pos + 4);
    if (sig === 'link' || sig === 'sdir') return null;
    pos += 8 + buf.readUInt32BE(pos + 4);
  }
  return out;
}
