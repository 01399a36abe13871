/** Git tracked-ness of the build context views (src/context/git.ts). */
import { afterAll, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DiskContext, MemoryContext, NoContext, OverlayContext } from '../src/context/context.js';
import { gitInit, removeTmpdirs, tmpdir, writeTree } from './helpers.js';

afterAll(removeTmpdirs);

describe('DiskContext.gitStatus', () => {
  test('tracked, untracked and ignored files and folders of a repository', () => {
    const dir = tmpdir('dfo-git-');
    writeTree(dir, {
      '.gitignore': '.env\ndist/\n',
      'app/main.py': 'print(1)\n',
      'app/local.txt': 'x\n',
      '.env': 'SECRET=1\n',
      'dist/app.js': 'x\n',
      'certs/ca.pem': 'x\n',
    });
    gitInit(dir, ['.gitignore', 'app/main.py', 'certs/ca.pem']);
    const ctx = new DiskContext(dir);
    expect(ctx.gitStatus('app/main.py')).toBe('tracked');
    expect(ctx.gitStatus('./app/main.py')).toBe('tracked');
    expect(ctx.gitStatus('app')).toBe('tracked');
    expect(ctx.gitStatus('certs/ca.pem')).toBe('tracked');
    expect(ctx.gitStatus('app/local.txt')).toBe('untracked');
    expect(ctx.gitStatus('.env')).toBe('ignored');
    expect(ctx.gitStatus('dist')).toBe('ignored');
    expect(ctx.gitStatus('dist/app.js')).toBe('ignored');
    // A context in a sub-folder of the repository sees paths relative to itself.
    const sub = new DiskContext(path.join(dir, 'app'));
    expect(sub.gitStatus('main.py')).toBe('tracked');
    expect(sub.gitStatus('local.txt')).toBe('untracked');
    // The overlay of pending edits asks its base.
    expect(new OverlayContext(ctx).gitStatus('.env')).toBe('ignored');
  });

  test('null outside a repository', () => {
    const dir = tmpdir('dfo-nogit-');
    fs.writeFileSync(path.join(dir, 'a.txt'), 'a\n');
    expect(new DiskContext(dir).gitStatus('a.txt')).toBeNull();
    expect(new NoContext().gitStatus()).toBeNull();
  });
});

describe('MemoryContext git option', () => {
  test('answers from the given lists, null without them', () => {
    const files = { 'a.pem': 'x', 'b/.env': 'x', 'c.txt': 'x' };
    const ctx = new MemoryContext(files, null, { git: { tracked: ['a.pem'], ignored: ['b'] } });
    expect(ctx.gitStatus('a.pem')).toBe('tracked');
    expect(ctx.gitStatus('b/.env')).toBe('ignored');
    expect(ctx.gitStatus('c.txt')).toBe('untracked');
    expect(new MemoryContext(files).gitStatus('a.pem')).toBeNull();
  });
});
