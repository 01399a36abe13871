/**
 * The shell grammar's WebAssembly stays on V8's baseline code (src/model/wasm.ts): no TurboFan
 * compile of its functions, which costs seconds of CPU and tens of MiB of resident memory. Runs
 * the built package (dist/, built by `npm test`) in a child node with V8's compile trace.
 */
import { expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** TurboFan compiles of WebAssembly functions while parsing 300 RUN bodies. */
function turbofanCompiles(nodeFlags: string[]): number {
  const shell = pathToFileURL(path.join(ROOT, 'dist/src/model/shell.js')).href;
  const script = `
    const { initShellParser, parseShell } = await import(${JSON.stringify(shell)});
    await initShellParser();
    for (let i = 0; i < 300; i++) {
      const text = 'apt-get update && apt-get install -y pkg' + i +
        ' && rm -rf /var/lib/apt/lists/* && echo "$HOME/' + i + '" | sed s/a/b/ > /tmp/x' + i;
      parseShell({ text, segments: [{ from: 0, sourceStart: 0, length: text.length }] });
    }`;
  const r = spawnSync(
    process.execPath,
    [...nodeFlags, '--trace-wasm-compilation-times', '--input-type=module', '-e', script],
    { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
  );
  expect(r.status).toBe(0);
  return r.stdout.split('\n').filter((l) => l.includes('using TurboFan')).length;
}

test('the shell grammar is compiled with Liftoff only: no TurboFan compile', () => {
  expect(turbofanCompiles([])).toBe(0);
});

test('a process started with its own WebAssembly tier flags is left alone (and the trace sees TurboFan)', () => {
  expect(turbofanCompiles(['--wasm-dynamic-tiering'])).toBeGreaterThan(0);
});
