/**
 * A real editor drives the language server: Neovim (Debian's package, its built-in LSP client,
 * headless) opens an example Dockerfile, waits for the diagnostics, applies "fix all safe" and
 * writes the buffers; the files on disk must then equal what `fix` writes. .ci/run installs
 * neovim; without it the test is skipped outside CI and fails under CI=true.
 */
import { afterAll, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../support/cli.js';
import { copyDir, hasCommand, readTree, removeTmpdirs, ROOT, tmpdir } from '../helpers.js';

afterAll(removeTmpdirs);
const ci = process.env.CI === 'true' || process.env.CI === '1';
const have = hasCommand('nvim');
const maybe = have || ci ? test : test.skip;

maybe.each(['flask', 'apt-cleanup', 'dockerignore'])(
  'Neovim applies fix all safe on examples/%s: the files equal fix',
  async (name) => {
    const a = tmpdir(`dfo-nvim-${name}-`);
    const b = tmpdir(`dfo-nvim-${name}-cli-`);
    copyDir(path.join(ROOT, 'examples', name), a);
    copyDir(path.join(ROOT, 'examples', name), b);
    const log = path.join(a, '..', `${path.basename(a)}.log`);
    const r = spawnSync(
      'nvim',
      [
        '--headless',
        '--clean',
        '-n',
        '-c',
        `luafile ${path.join(ROOT, 'test/editors/nvim-fixall.lua')}`,
      ],
      {
        encoding: 'utf8',
        timeout: 120_000,
        env: {
          ...process.env,
          DFO_FILE: path.join(a, 'Dockerfile'),
          DFO_NODE: process.execPath,
          DFO_BIN: path.join(ROOT, 'bin/dockerfile-optimizer.js'),
          DFO_OUT: log,
        },
      },
    );
    const report = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
    expect({ status: r.status, report }).toEqual({
      status: 0,
      report: expect.stringContaining('applied: '),
    });
    expect(report).toMatch(/diagnostics: [a-z-]+\/[a-z-]+/);
    const fixed = await runCli(['fix', '-q', 'Dockerfile'], b);
    expect(fixed.code).toBe(0);
    expect(readTree(a)).toEqual(readTree(b));
  },
  180_000,
);
