/** verify's wasted bytes: tar headers, whiteouts, overwrites, the saved-image archive, the report. */
import { describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { formatReport } from '../src/verify/report.js';
import type { VerifyReport } from '../src/verify/verify.js';
import { tarEntries, wasteOfArchive, wasteOfLayers, type TarEntry } from '../src/verify/waste.js';

interface In {
  name: string;
  type?: string;
  data?: Buffer | number;
}

function header(name: string, type: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

function pad(b: Buffer): Buffer {
  const rest = b.length % 512;
  return rest ? Buffer.concat([b, Buffer.alloc(512 - rest)]) : b;
}

/** A tar archive (PAX header for names over 100 characters). */
function tar(entries: In[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data =
      typeof e.data === 'number' ? Buffer.alloc(e.data, 120) : (e.data ?? Buffer.alloc(0));
    if (e.name.length > 100) {
      const rec = (k: string, v: string) => {
        let len = k.length + v.length + 3;
        len += String(len).length;
        if (String(len).length !== String(len - String(len).length).length) len++;
        return `${len} ${k}=${v}\n`;
      };
      const body = Buffer.from(rec('path', e.name));
      parts.push(header('PaxHeader', 'x', body.length), pad(body));
    }
    parts.push(header(e.name, e.type ?? '0', data.length), pad(data));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

const entries = (b: Buffer): TarEntry[] => tarEntries((o, l) => b.subarray(o, o + l), b.length);

describe('tar headers', () => {
  test('names, types, sizes, data offsets; PAX long names', () => {
    const long = 'usr/share/' + 'x'.repeat(120) + '/file.txt';
    const b = tar([
      { name: './app/', type: '5' },
      { name: './app/a.bin', data: 1000 },
      { name: long, data: Buffer.from('hello') },
      { name: 'app/link', type: '2' },
    ]);
    const e = entries(b);
    expect(e.map((x) => [x.path, x.type, x.size])).toEqual([
      ['app', '5', 0],
      ['app/a.bin', '0', 1000],
      [long, '0', 5],
      ['app/link', '2', 0],
    ]);
    expect(b.subarray(e[2]!.offset, e[2]!.offset + 5).toString()).toBe('hello');
  });
});

describe('wasted bytes of layers', () => {
  const L = (...xs: In[]) => entries(tar(xs));

  test('re-owned (rewritten) files count once per hidden copy; deleted files count; kept ones do not', () => {
    const w = wasteOfLayers([
      L({ name: 'etc/', type: '5' }, { name: 'etc/os-release', data: 100 }),
      L(
        { name: 'app/', type: '5' },
        { name: 'app/a.bin', data: 4000 },
        { name: 'app/b.txt', data: 10 },
      ),
      // chown -R: every file written again
      L(
        { name: 'app/', type: '5' },
        { name: 'app/a.bin', data: 4000 },
        { name: 'app/b.txt', data: 10 },
      ),
      // rm of a download
      L({ name: 'tmp/', type: '5' }, { name: 'tmp/x.tar.gz', data: 3000 }),
      L({ name: 'tmp/', type: '5' }, { name: 'tmp/.wh.x.tar.gz' }),
    ]);
    expect(w.bytes).toBe(7010);
    expect(w.files).toBe(3);
    expect(w.top[0]).toEqual({
      path: '/app/a.bin',
      size: 4000,
      layer: 2,
      hiddenBy: 3,
      how: 'overwritten',
    });
    expect(w.top[1]).toMatchObject({
      path: '/tmp/x.tar.gz',
      layer: 4,
      hiddenBy: 5,
      how: 'deleted',
    });
  });

  test('a deleted folder, an opaque folder, a folder replaced by a file', () => {
    const w = wasteOfLayers([
      L({ name: 'src/a', data: 10 }, { name: 'src/sub/b', data: 20 }, { name: 'srcx/c', data: 5 }),
      L({ name: '.wh.src' }),
      L({ name: 'opt/o/1', data: 7 }, { name: 'opt/keep', data: 3 }),
      L({ name: 'opt/o/.wh..wh..opq' }, { name: 'opt/o/2', data: 9 }),
      L({ name: 'var/d/f', data: 11 }),
      L({ name: 'var/d', type: '2' }),
    ]);
    // src/a + src/sub/b (not srcx/c), opt/o/1 (not the new opt/o/2), var/d/f
    expect(w.bytes).toBe(10 + 20 + 7 + 11);
    expect(w.files).toBe(4);
  });

  test('a clean image wastes nothing', () => {
    const w = wasteOfLayers([L({ name: 'a', data: 10 }), L({ name: 'b', data: 10 })]);
    expect(w).toEqual({ bytes: 0, files: 0, top: [] });
  });
});

describe('a saved image archive', () => {
  test('manifest.json order, plain and gzip layers', () => {
    const l1 = tar([{ name: 'app/data.bin', data: 5000 }]);
    const l2 = gzipSync(tar([{ name: 'app/data.bin', data: 5000 }]));
    const manifest = Buffer.from(
      JSON.stringify([
        { Config: 'c.json', RepoTags: [], Layers: ['l1/layer.tar', 'l2/layer.tar'] },
      ]),
    );
    const archive = tar([
      { name: 'l2/layer.tar', data: l2 },
      { name: 'l1/layer.tar', data: l1 },
      { name: 'manifest.json', data: manifest },
    ]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfo-waste-'));
    const file = path.join(dir, 'image.tar');
    fs.writeFileSync(file, archive);
    try {
      const w = wasteOfArchive(file);
      expect(w.bytes).toBe(5000);
      expect(w.top[0]).toMatchObject({ path: '/app/data.bin', layer: 1, hiddenBy: 2 });
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});

test('the text report shows wasted bytes before and after, and the largest wasted files', () => {
  const side = (size: number, bytes: number): VerifyReport['original'] => ({
    build: { ok: true, seconds: 1, builder: 'buildkit' },
    image: { id: 'sha256:x', size, layers: 4 },
    history: [],
    waste: {
      bytes,
      files: bytes ? 1 : 0,
      top: bytes
        ? [{ path: '/app/data.bin', size: bytes, layer: 3, hiddenBy: 4, how: 'overwritten' }]
        : [],
    },
  });
  const r: VerifyReport = {
    dockerfile: 'Dockerfile',
    context: '.',
    unsafe: false,
    target: null,
    buildArgs: [],
    fixes: ['layer-waste/copy-chown'],
    changed: true,
    files: ['Dockerfile'],
    verdict: 'ok',
    original: side(130_000_000, 12_000_000),
    optimized: side(118_000_000, 0),
    size: { before: 130_000_000, after: 118_000_000, change: -12_000_000, percent: -9.2 },
    layers: { before: 4, after: 4 },
    wasted: { before: 12_000_000, after: 0, change: -12_000_000 },
    changedLayers: { original: [], optimized: [] },
    cacheTest: { file: null, skipped: 'not requested' },
    sameOutput: null,
    warnings: [],
    regressions: [],
  };
  const text = formatReport(r);
  expect(text).toContain('  wasted bytes      12.0 MB           0 B               -12.0 MB\n');
  expect(text).toContain(
    '  wasted in original: 12.0 MB in 1 file hidden by a later layer; largest:\n' +
      '      12.0 MB  /app/data.bin (layer 3, overwritten by layer 4)\n',
  );
  expect(text).not.toContain('wasted in optimized');
});
