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
    return parseIndex(fs.readFileSync(path.join(gitDir, 'index')));
  } catch {
    return null;
  }
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
