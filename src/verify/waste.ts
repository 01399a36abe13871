/**
 * Wasted bytes of an image, like an image analyser's efficiency score: the bytes of files a layer
 * stores that the final file system does not show, because a later layer deleted them (a
 * whiteout, an opaque folder, a file put where their folder was) or wrote the same path again
 * (overwritten, or re-owned / re-moded: overlayfs copies the whole file up). Read from the layer
 * tarballs of `docker save` (headers only: file contents are skipped, gzip layers are inflated).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { lastLine, runDocker, type DockerClient } from './docker.js';

export interface TarEntry {
  /** Path without a leading `./` or `/` and without a trailing `/`. */
  path: string;
  /** Tar type flag: '0' file, '1' hard link, '2' symlink, '5' folder, ... */
  type: string;
  size: number;
  /** Byte offset of the entry's data in the archive. */
  offset: number;
}

export interface WastedFile {
  path: string;
  size: number;
  /** 1-based layer that stored it, and the later layer that hid it. */
  layer: number;
  hiddenBy: number;
  how: 'deleted' | 'overwritten';
}

export interface Waste {
  /** Bytes stored in a layer and hidden by a later one. */
  bytes: number;
  files: number;
  /** The largest wasted files (at most 10), largest first. */
  top: WastedFile[];
}

function cstr(b: Buffer, start: number, len: number): string {
  const end = b.indexOf(0, start);
  return b.toString('utf8', start, end < 0 || end > start + len ? start + len : end);
}

function octal(b: Buffer, start: number, len: number): number {
  if (b[start]! & 0x80) {
    // GNU base-256.
    let n = 0;
    for (let i = start + 1; i < start + len; i++) n = n * 256 + b[i]!;
    return n;
  }
  const s = cstr(b, start, len).trim();
  return s ? parseInt(s, 8) : 0;
}

function clean(p: string): string {
  return p.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
}

/** Headers of a tar archive read through `read(offset, length)` (size: archive length). */
export function tarEntries(
  read: (offset: number, length: number) => Buffer,
  size: number,
): TarEntry[] {
  const out: TarEntry[] = [];
  let off = 0;
  let longName: string | null = null;
  let pax: Record<string, string> = {};
  while (off + 512 <= size) {
    const h = read(off, 512);
    if (h.length < 512 || h.every((x) => x === 0)) break;
    const type = String.fromCharCode(h[156]!) === '\0' ? '0' : String.fromCharCode(h[156]!);
    let entrySize = octal(h, 124, 12);
    const dataAt = off + 512;
    const next = dataAt + Math.ceil(entrySize / 512) * 512;
    if (type === 'L') {
      longName = read(dataAt, entrySize).toString('utf8').replace(/\0+$/, '');
    } else if (type === 'x') {
      pax = {};
      const text = read(dataAt, entrySize).toString('utf8');
      let i = 0;
      while (i < text.length) {
        const sp = text.indexOf(' ', i);
        const len = parseInt(text.slice(i, sp), 10);
        if (!(len > 0)) break;
        const rec = text.slice(sp + 1, i + len - 1);
        const eq = rec.indexOf('=');
        pax[rec.slice(0, eq)] = rec.slice(eq + 1);
        i += len;
      }
    } else if (type !== 'g' && type !== 'K') {
      let name = cstr(h, 0, 100);
      const magic = cstr(h, 257, 6);
      const prefix = magic.startsWith('ustar') ? cstr(h, 345, 155) : '';
      if (prefix) name = `${prefix}/${name}`;
      if (longName !== null) name = longName;
      if (pax.path !== undefined) name = pax.path;
      if (pax.size !== undefined) entrySize = Number(pax.size);
      out.push({ path: clean(name), type, size: entrySize, offset: dataAt });
      longName = null;
      pax = {};
      off = dataAt + Math.ceil(entrySize / 512) * 512;
      continue;
    }
    off = next;
  }
  return out;
}

/** Wasted bytes of layers given bottom first, each as its tar entries. */
export function wasteOfLayers(layers: TarEntry[][]): Waste {
  const visible = new Map<string, { size: number; layer: number }>();
  const wasted: WastedFile[] = [];
  let bytes = 0;
  const hide = (p: string, layer: number, how: WastedFile['how']) => {
    const v = visible.get(p);
    if (!v) return;
    visible.delete(p);
    if (v.size > 0) {
      bytes += v.size;
      wasted.push({ path: '/' + p, size: v.size, layer: v.layer, hiddenBy: layer, how });
    }
  };
  const hideBelow = (dir: string, layer: number) => {
    const prefix = dir === '' ? '' : dir + '/';
    for (const p of [...visible.keys()]) if (p.startsWith(prefix)) hide(p, layer, 'deleted');
  };
  layers.forEach((entries, i) => {
    const layer = i + 1;
    // Whiteouts hide what the layers below have; this layer's own files come after.
    for (const e of entries) {
      const slash = e.path.lastIndexOf('/');
      const dir = slash < 0 ? '' : e.path.slice(0, slash);
      const base = e.path.slice(slash + 1);
      if (base === '.wh..wh..opq') hideBelow(dir, layer);
      else if (base.startsWith('.wh.')) {
        const gone = (dir ? dir + '/' : '') + base.slice(4);
        hide(gone, layer, 'deleted');
        hideBelow(gone, layer);
      }
    }
    for (const e of entries) {
      const base = e.path.slice(e.path.lastIndexOf('/') + 1);
      if (base.startsWith('.wh.') || e.path === '') continue;
      hide(e.path, layer, 'overwritten');
      if (e.type !== '5') hideBelow(e.path, layer);
      if (e.type === '0' || e.type === '7') visible.set(e.path, { size: e.size, layer });
    }
  });
  wasted.sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1));
  return { bytes, files: wasted.length, top: wasted.slice(0, 10) };
}

/** Read the saved image archive at `file` and compute its waste. */
export function wasteOfArchive(file: string): Waste {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const read = (offset: number, length: number) => {
      const b = Buffer.alloc(length);
      const n = fs.readSync(fd, b, 0, length, offset);
      return n === length ? b : b.subarray(0, n);
    };
    const outer = tarEntries(read, size);
    const byPath = new Map(outer.map((e) => [e.path, e]));
    const manifest = byPath.get('manifest.json');
    if (!manifest) throw new Error('the saved image has no manifest.json');
    const doc = JSON.parse(read(manifest.offset, manifest.size).toString('utf8')) as {
      Layers: string[];
    }[];
    const layers = (doc[0]?.Layers ?? []).map((p) => {
      const e = byPath.get(clean(p));
      if (!e) throw new Error(`the saved image lacks its layer ${p}`);
      const head = read(e.offset, 2);
      if (head[0] === 0x1f && head[1] === 0x8b) {
        const inner = gunzipSync(read(e.offset, e.size));
        return tarEntries((o, l) => inner.subarray(o, o + l), inner.length);
      }
      return tarEntries((o, l) => read(e.offset + o, Math.min(l, e.size - o)), e.size);
    });
    return wasteOfLayers(layers);
  } finally {
    fs.closeSync(fd);
  }
}

/** `docker save` the image into `dir` and compute its waste (the archive is removed again). */
export async function imageWaste(client: DockerClient, ref: string, dir: string): Promise<Waste> {
  const file = path.join(dir, `save-${process.pid}-${Date.now()}.tar`);
  try {
    const r = await runDocker(client, ['save', '-o', file, ref], { timeoutMs: 10 * 60_000 });
    if (r.code !== 0)
      throw new Error(`docker save ${ref}: ${lastLine(r.stderr) || `exit ${r.code}`}`);
    return wasteOfArchive(file);
  } finally {
    fs.rmSync(file, { force: true });
  }
}
