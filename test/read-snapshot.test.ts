/** Issue 18: reading a Dockerfile or ignore file (src/io/read.ts) opens it, fstat's it and reads
 * it into a reused buffer (one read when it fits), and the snapshot's SHA-256 is computed only
 * when the write path asks for it, from the decoded text. The snapshot must still be the one of
 * the bytes read: size and mtime as stat gives them, the hash of the bytes as the eager hash
 * (`snapshotOf`) gave it, also after the file changed. */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { applyResult, clearCaches, optimizeFile } from '../src/api.js';
import { WriteError } from '../src/io/write.js';
import {
  MAX_INPUT_BYTES,
  decodeDockerfile,
  readDockerfile,
  readIgnoreFile,
  snapshotOf,
  type ReadFile,
} from '../src/io/read.js';
import { removeTmpdirs, tmpdir } from './helpers.js';

afterAll(removeTmpdirs);

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Texts around the shared buffer's size (64 KiB) and with what decoding could change (a BOM,
 * multi-byte characters, CRLF). */
function dockerfiles(): Record<string, Buffer> {
  const big = (n: number) => {
    const head = 'FROM alpine\n';
    return Buffer.concat([
      Buffer.from(head),
      Buffer.alloc(n - head.length - 1, 0x23),
      Buffer.from('\n'),
    ]);
  };
  return {
    plain: Buffer.from('FROM alpine\nRUN echo hi\n'),
    bom: Buffer.from('\uFEFFFROM alpine\r\nRUN echo "é 😀 ü"\r\n', 'utf8'),
    'just-under': big(64 * 1024 - 1),
    exact: big(64 * 1024),
    over: big(64 * 1024 + 1),
    large: big(300_000),
  };
}

function check(file: string, r: ReadFile, bytes: Buffer): void {
  const st = fs.statSync(file);
  expect(r.text).toBe(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes));
  expect(r.snapshot.size).toBe(bytes.length);
  expect(r.snapshot.size).toBe(st.size);
  expect(r.snapshot.mtimeMs).toBe(st.mtimeMs);
  expect(r.mode).toBe(st.mode & 0o7777);
  // The lazy hash is the eager one: that of the bytes on disk.
  expect(r.snapshot.hash).toBe(snapshotOf(bytes, st).hash);
  expect(r.snapshot.hash).toBe(sha256(bytes));
}

test('a Dockerfile read: text, size, mtime, mode and hash as of the bytes, at every size around the buffer', () => {
  const dir = tmpdir('dfo-read-');
  for (const [name, bytes] of Object.entries(dockerfiles())) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes, { mode: 0o640 });
    check(file, readDockerfile(file), bytes);
    // The reused buffer keeps nothing from one read to the next.
    check(file, readDockerfile(file), bytes);
  }
});

test('an ignore file read: the same snapshot, an empty one too', () => {
  const dir = tmpdir('dfo-read-ignore-');
  for (const [name, bytes] of Object.entries({
    ...dockerfiles(),
    empty: Buffer.alloc(0),
  })) {
    const file = path.join(dir, `${name}.dockerignore`);
    fs.writeFileSync(file, bytes);
    check(file, readIgnoreFile(file, name)!, bytes);
  }
});

test('the hash is of the bytes read, not of the file when asked: a file changed after its read keeps its read hash', () => {
  const dir = tmpdir('dfo-read-later-');
  const file = path.join(dir, 'Dockerfile');
  const before = Buffer.from('FROM alpine\nRUN echo one\n');
  fs.writeFileSync(file, before);
  const r = readDockerfile(file);
  fs.writeFileSync(file, 'FROM alpine\nRUN echo two\n');
  expect(r.snapshot.hash).toBe(sha256(before));
  // Asked again: the same answer (kept once computed).
  expect(r.snapshot.hash).toBe(sha256(before));
});

test('the write path still refuses a file changed since it was read, with the same size and mtime', async () => {
  clearCaches();
  const dir = tmpdir('dfo-read-write-');
  const file = path.join(dir, 'Dockerfile');
  fs.writeFileSync(file, 'FROM alpine\nRUN apt-get update\nRUN apt-get install -y curl\n');
  // (whole seconds: set and read back exactly)
  fs.utimesSync(file, 1_700_000_000, 1_700_000_000);
  const st = fs.statSync(file);
  const result = await optimizeFile(file, { context: null });
  expect(result.changed).toBe(true);
  // Same length, same mtime: only the hash tells.
  fs.writeFileSync(file, 'FROM alpine\nRUN apt-get update\nRUN apt-get install -y wget\n');
  fs.utimesSync(file, 1_700_000_000, 1_700_000_000);
  expect(fs.statSync(file).size).toBe(st.size);
  expect(fs.statSync(file).mtimeMs).toBe(st.mtimeMs);
  expect(() => applyResult(result)).toThrow(WriteError);
});

test('errors are named as before: missing, a folder, not a regular file, too large; absent ignore files are null', () => {
  const dir = tmpdir('dfo-read-errors-');
  const missing = path.join(dir, 'nope');
  expect(() => readDockerfile(missing)).toThrow('no such file or directory');
  expect(() => readDockerfile(dir)).toThrow('is a directory');
  const huge = path.join(dir, 'huge');
  fs.writeFileSync(huge, Buffer.alloc(MAX_INPUT_BYTES + 1, 0x61));
  expect(() => readDockerfile(huge)).toThrow('file too large');
  const binary = path.join(dir, 'binary');
  fs.writeFileSync(binary, Buffer.from('FROM a\n\0'));
  expect(() => readDockerfile(binary)).toThrow('binary file, not a Dockerfile');
  const latin1 = path.join(dir, 'latin1');
  fs.writeFileSync(latin1, Buffer.from([0x46, 0x52, 0x4f, 0x4d, 0x20, 0xe9, 0x0a]));
  expect(() => readDockerfile(latin1)).toThrow('not valid UTF-8 text');
  expect(readIgnoreFile(missing, 'x')).toBeNull();
  expect(readIgnoreFile(path.join(dir, 'nope', 'deeper'), 'x')).toBeNull();
  fs.symlinkSync(path.join(dir, 'gone'), path.join(dir, 'dangling'));
  expect(readIgnoreFile(path.join(dir, 'dangling'), 'x')).toBeNull();
  expect(() => readIgnoreFile(dir, '.dockerignore')).toThrow('.dockerignore: is a directory');
  expect(() => readIgnoreFile(huge, 'big')).toThrow('big: file too large');
  if (process.platform !== 'win32') {
    // A FIFO is refused without waiting for a writer.
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => readDockerfile(fifo)).toThrow('not a regular file');
    expect(() => readIgnoreFile(fifo, 'f')).toThrow('f: not a regular file');
  }
});

test('a Dockerfile of whitespace only is empty: the test without a trimmed copy agrees with trim() on every character', () => {
  const enc = new TextEncoder();
  const old = (t: string) => t.replace(/^\uFEFF/, '').trim() === '';
  const empty = (t: string) => {
    try {
      decodeDockerfile(enc.encode(t));
      return false;
    } catch (err) {
      if ((err as Error).message !== 'empty file (no instructions)') throw err;
      return true;
    }
  };
  const texts = [
    '\n',
    ' \t\r\n',
    '\uFEFF',
    '\uFEFF \n',
    '\u00a0\u2028\u3000',
    'FROM x',
    '\uFEFFFROM x',
    ' \u200b ',
    '\n\n#\n',
  ];
  for (let c = 1; c < 0x10000; c++)
    if (c < 0xd800 || c > 0xdfff) texts.push(` ${String.fromCharCode(c)}\n`);
  expect(texts.filter((t) => empty(t) !== old(t))).toEqual([]);
  expect(texts.filter(empty).length).toBeGreaterThan(20);
});
