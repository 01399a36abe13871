/** Unit tests of the `dockerignore` transform: bounded scan, symlinks, the context report. */
import { afterAll, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyResult, optimize } from '../../src/api.js';
import { DiskContext } from '../../src/context/context.js';
import { loadIgnore } from '../../src/context/ignore.js';
import type { BuildContext, ContextEntry, WalkOptions } from '../../src/model/types.js';
import { isTemplateName } from '../../transforms/dockerignore/index.js';
import { loadCases, materialise, readTree, removeTmpdirs, tmpdir, writeTree } from '../helpers.js';

afterAll(removeTmpdirs);

const NODE_APP = [
  'FROM node:20-alpine',
  'WORKDIR /app',
  'COPY package.json ./',
  'RUN npm ci',
  'COPY . .',
  'CMD ["node", "index.js"]',
  '',
].join('\n');

/** A private key block: a secret by content wherever it sits. */
const KEY_PEM = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n';

/** Runs only the dockerignore transform on `df` over an in-memory context. */
function runIgnore(df: string, context: Record<string, string>) {
  return optimize(df, { only: ['dockerignore'], context });
}

/** A generated context: `files` maps path -> size; records which folders each walk entered. */
class SyntheticContext implements BuildContext {
  readonly root = null;
  readonly available = true;
  readonly dockerfilePath = null;
  readonly children = new Map<string, string[]>();
  readonly sizes = new Map<string, number>();
  readonly entered: { limit: number | undefined; dirs: string[] }[] = [];

  constructor(files: Iterable<[string, number]>) {
    this.children.set('', []);
    for (const [p, size] of files) {
      this.sizes.set(p, size);
      const parts = p.split('/');
      for (let i = 1; i <= parts.length; i++) {
        const child = parts.slice(0, i).join('/');
        const parent = parts.slice(0, i - 1).join('/');
        if (i < parts.length && !this.children.has(child)) {
          this.children.set(child, []);
          this.children.get(parent)!.push(child);
        } else if (i === parts.length) this.children.get(parent)!.push(child);
      }
    }
    for (const list of this.children.values()) list.sort();
  }
  exists(p: string): boolean {
    return this.children.has(p) || this.sizes.has(p);
  }
  isDirectory(p: string): boolean {
    return this.children.has(p);
  }
  readFile(p: string): string | null {
    return this.sizes.has(p) ? '' : null;
  }
  list(dir: string): string[] {
    return (this.children.get(dir) ?? []).map((c) => c.slice(dir ? dir.length + 1 : 0));
  }
  walk(options: WalkOptions = {}): ContextEntry[] {
    const limit = options.limit ?? 200_000;
    const record = { limit: options.limit, dirs: [] as string[] };
    this.entered.push(record);
    const out: ContextEntry[] = [];
    const visit = (dir: string): boolean => {
      for (const p of this.children.get(dir) ?? []) {
        if (out.length >= limit) return false;
        if (this.children.has(p)) {
          const e = { path: p, size: 0, isDirectory: true };
          out.push(e);
          if (!options.descend || options.descend(e)) {
            record.dirs.push(p);
            if (!visit(p)) return false;
          }
        } else out.push({ path: p, size: this.sizes.get(p)!, isDirectory: false });
      }
      return true;
    };
    visit('');
    return out;
  }
}

describe('dockerignore transform', () => {
  test('a 100k-file context: the analysis never enters node_modules or .git, the report counts them', async () => {
    const files: [string, number][] = [
      ['package.json', 100],
      ['index.js', 50],
      ['.git/HEAD', 21],
    ];
    for (let p = 0; p < 10_000; p++)
      for (let f = 0; f < 10; f++) files.push([`node_modules/pkg${p}/f${f}.js`, 1000]);
    const ctx = new SyntheticContext(files);
    const result = await optimize(NODE_APP, { only: ['dockerignore'], context: ctx });
    const fix = result.fixes.find((f) => f.ruleId === 'dockerignore/create')!;
    expect(fix.applied).toBe(true);
    expect(result.files[0]!.after).toContain('\nnode_modules\n');
    expect(result.files[0]!.after).toContain('\n.git\n');
    expect(fix.note).toBe('context: 100,003 files, 100 MB -> 2 files, 150 B');
    expect(fix.data).toMatchObject({
      context: { before: { files: 100_003, bytes: 100_000_171 }, after: { files: 2, bytes: 150 } },
    });
    // The analysis walks (no explicit limit) never descend below node_modules or .git; only the
    // capped measuring walk does.
    const analysis = ctx.entered.filter((w) => w.limit === undefined);
    expect(analysis.length).toBeGreaterThan(0);
    for (const w of analysis)
      expect(w.dirs.filter((d) => d.startsWith('node_modules') || d.startsWith('.git'))).toEqual(
        [],
      );
  });

  test('a symlink to a folder outside the context is not followed', async () => {
    const dir = tmpdir('dfo-di-');
    const outside = path.join(dir, 'outside');
    const context = path.join(dir, 'context');
    writeTree(outside, {
      '.env': 'TOKEN=x\n',
      'server.pem': 'key\n',
      'big.bin': { size: 3_000_000 },
    });
    writeTree(context, { 'package.json': '{}\n', 'index.js': '\n', '.git/HEAD': 'ref\n' });
    fs.symlinkSync(outside, path.join(context, 'shared'));
    const result = await optimize(NODE_APP, { only: ['dockerignore'], context, cwd: dir });
    const after = result.files[0]!.after;
    expect(after).toContain('\n.git\n');
    expect(after).not.toMatch(/\.env|pem/);
    const fix = result.fixes[0]!;
    expect((fix.data!.context as { before: { bytes: number } }).before.bytes).toBeLessThan(1000);
  });

  test('no context (stdin, API): nothing to do', async () => {
    const result = await optimize(NODE_APP, { only: ['dockerignore'] });
    expect(result.fixes).toEqual([]);
    expect(result.diff).toBe('');
  });

  test('a secret copied by name stays and is reported; templates are re-included', async () => {
    const df = NODE_APP.replace('COPY package.json ./', 'COPY package.json .env.sample certs/ ./');
    const result = await runIgnore(df, {
      'package.json': '{}\n',
      '.env.sample': 'A=\n',
      '.env.local': 'API_TOKEN=1\n',
      'certs/ca.pem': KEY_PEM,
      'ops/deploy.pem': KEY_PEM,
    });
    const after = result.files[0]!.after;
    expect(after).toContain('\n**/*.pem\n!certs/ca.pem\n');
    expect(after).toContain('\n.env.*\n!.env.sample\n');
    expect(result.skipped.map((s) => s.reason).join('\n')).toContain(
      'certs/ca.pem looks like a secret but line 3',
    );
  });

  test('options: keep drops a pattern, add appends one', async () => {
    const result = await optimize(NODE_APP, {
      only: ['dockerignore'],
      context: { 'package.json': '{}\n', '.git/HEAD': 'ref\n', 'docs/a.md': '#\n' },
      dockerignore: { keep: ['.git'], add: ['docs'] },
    });
    const after = result.files[0]!.after;
    expect(after).not.toContain('\n.git\n');
    expect(after).toContain('# Project entries (from the configuration)\ndocs\n');
  });

  test('template names: a template part at any position after the name', () => {
    for (const n of [
      '.env.example',
      '.env.dusk.example',
      '.env.testing.example',
      '.env.ci.example',
      '.env.sample',
      '.env.production.template',
      '.env.dist',
      '.env.local.dist',
      '.env.defaults',
      '.env.tpl',
      '.env.EXAMPLE',
    ])
      expect([n, isTemplateName(n)]).toEqual([n, true]);
    for (const n of ['.env', '.env.local', '.env.production', '.env.examples', '.env.distant'])
      expect([n, isTemplateName(n)]).toEqual([n, false]);
  });

  test('the message names the secret files, never a template', async () => {
    const result = await runIgnore(NODE_APP, {
      'package.json': '{}\n',
      '.env': 'API_TOKEN=1\n',
      '.env.staging': 'API_TOKEN=2\n',
      '.env.example': 'A=\n',
      '.env.staging.sample': 'A=\n',
    });
    const fix = result.fixes.find((f) => f.ruleId === 'dockerignore/secrets')!;
    expect(fix.message).toContain('Secrets in the build context (.env and .env.staging) ');
    expect(fix.message).not.toMatch(/example|sample|\.env\.\*/);
    expect(result.files[0]!.after).toContain(
      '\n.env\n.env.*\n!.env.example\n!.env.staging.sample\n',
    );
  });

  test('without a whole-context copy, templates get no re-include (they are not sent)', async () => {
    const df = NODE_APP.replace('COPY . .', 'COPY index.js ./');
    const result = await runIgnore(df, {
      'package.json': '{}\n',
      'index.js': '\n',
      '.env.local': 'API_TOKEN=1\n',
      '.env.example': 'A=\n',
    });
    expect(result.files[0]!.after).toContain('\n.env.*\n');
    expect(result.files[0]!.after).not.toContain('!.env.example');
  });

  test('test/CI env files count as versioned only when a .gitignore in the context does not ignore them', async () => {
    const ctx = (gitignore: string | null) => ({
      'package.json': '{}\n',
      '.env.local': 'API_TOKEN=1\n',
      '.env.ci': 'DB_PASSWORD=ci\n',
      'web/.env.testing': 'DB_PASSWORD=t\n',
      ...(gitignore === null ? {} : { '.gitignore': gitignore }),
    });
    const run = async (gitignore: string | null) =>
      (await runIgnore(NODE_APP, ctx(gitignore))).files[0]!.after;
    // No .gitignore: nothing is known to be versioned, every env file is a secret.
    expect(await run(null)).toContain('\n**/.env.*\n\n');
    // .env.local ignored, the others versioned: the pattern follows the secret (root only)
    // and the versioned file it matches is re-included.
    expect(await run('.env.local\n')).toContain('\n.env.*\n!.env.ci\n\n');
    // A slash-less .gitignore pattern matches at any depth, as in git.
    expect(await run('.env.local\n.env.testing\n')).toContain('\n**/.env.*\n!.env.ci\n\n');
    // An anchored one only at the root: web/.env.testing stays versioned and unmatched.
    expect(await run('/.env*\n')).toContain('\n.env.*\n\n');
    // A nested .gitignore counts for its folder.
    const nested = await runIgnore(NODE_APP, {
      ...ctx('.env.local\n'),
      'web/.env.local': 'API_TOKEN=1\n',
      'web/.gitignore': '*.local\n',
    });
    expect(nested.files[0]!.after).toContain('\n**/.env.*\n!.env.ci\n!web/.env.testing\n\n');
  });

  test('fixtures: every template or versioned env file a whole-context copy takes stays in the context', async () => {
    const cases = loadCases().filter(
      (c) => c.transform === 'dockerignore' && /env-templates|env-versioned/.test(c.name),
    );
    expect(cases.length).toBeGreaterThanOrEqual(3);
    for (const c of cases) {
      const mat = materialise(c);
      const result = await optimize(c.input, {
        only: ['dockerignore'],
        path: mat.dockerfile,
        context: mat.context,
        cwd: mat.dir,
      });
      applyResult(result);
      const ignore = loadIgnore(new DiskContext(mat.context!, mat.dockerfile));
      const files = Object.keys({ ...c.extra, ...readTree(mat.context!) });
      const kept = files.filter(
        (f) =>
          f.split('/').pop()!.startsWith('.env.') &&
          (isTemplateName(f.split('/').pop()!) || /^\.env\.(ci|testing)$/.test(f)),
      );
      expect(kept.length).toBeGreaterThan(0);
      for (const f of kept) expect([c.name, f, ignore.ignores(f)]).toEqual([c.name, f, false]);
      // ...and every real secret is excluded.
      for (const f of ['.env', '.env.local', '.env.production', '.env.dusk.local'])
        if (files.includes(f)) expect([c.name, f, ignore.ignores(f)]).toEqual([c.name, f, true]);
    }
  });
});
