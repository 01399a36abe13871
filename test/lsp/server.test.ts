/**
 * The language server over stdio with a real LSP client (test/support/lsp-client.ts): initialize,
 * didOpen, diagnostics, codeAction, resolve, apply. On every fixture with a fix, "fix all safe"
 * gives the bytes `fix` writes and "apply every fix" the bytes of `fix --unsafe` (Dockerfile and
 * .dockerignore). Also: rule ids as codes, severities, the ignore action, hover, a broken config
 * as one diagnostic, config changes picked up, a failing request leaves the server up.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../support/cli.js';
import { applyWorkspaceEdit, startClient, uriOf, type LspClient } from '../support/lsp-client.js';
import {
  copyDir,
  loadCases,
  readTree,
  removeTmpdirs,
  tmpdir,
  writeTree,
  type FixtureCase,
} from '../helpers.js';

const FIX_ALL = 'source.fixAll.dockerfile-optimizer';
const EVERY = 'Apply every dockerfile-optimizer fix, review ones included (fix --unsafe)';
let client: LspClient;
beforeAll(async () => {
  client = await startClient();
}, 60_000);
afterAll(async () => {
  await client?.stop();
  removeTmpdirs();
});

/** A fixture laid out as a project: the Dockerfile in its context, the case's options as config. */
function project(c: FixtureCase): string {
  const dir = tmpdir(`dfo-lsp-${c.transform}-`);
  if (c.hasContext) copyDir(path.join(c.dir, 'context'), dir);
  writeTree(dir, c.extra);
  const opts = { ...(c.spec.options ?? {}) } as Record<string, unknown>;
  const config: Record<string, unknown> = {};
  if (!c.spec.all) {
    config.rules = Object.fromEntries(
      ['package-hygiene', 'dependency-cache', 'dockerignore', 'multistage']
        .filter((t) => t !== c.transform)
        .map((t) => [t, false]),
    );
  }
  if (opts.cacheMounts) config.cacheMounts = true;
  if (opts.dockerignore) config.dockerignore = opts.dockerignore;
  fs.writeFileSync(path.join(dir, '.dockerfile-optimizer.json'), JSON.stringify(config));
  fs.writeFileSync(path.join(dir, 'Dockerfile'), c.input);
  return dir;
}

// Every fixture with a fix (an expected output, or review fixes that --unsafe applies).
const usable = loadCases().filter(
  (c) =>
    c.transform !== 'engine' &&
    (c.expected !== null || c.expectedDockerignore !== null || !!c.spec.pending?.length) &&
    !c.spec.dockerfile &&
    !c.spec.ignoreFile &&
    Object.keys(c.spec.options ?? {}).every((k) =>
      ['cacheMounts', 'dockerignore', 'unsafe'].includes(k),
    ),
);

async function viaServer(dir: string, unsafe: boolean): Promise<Record<string, string>> {
  const file = path.join(dir, 'Dockerfile');
  const diags = await client.open(file);
  const actions = new Map<string, unknown>();
  for (const line of [...new Set(diags.map((d) => d.range.start.line))]) {
    for (const a of await client.codeActions(file, line, ['refactor.rewrite', FIX_ALL]))
      actions.set(a.title, a);
  }
  // Without review fixes there is no "every fix" action: fix --unsafe then equals fix.
  const action = ((unsafe && actions.get(EVERY)) ||
    actions.get('Fix all safe dockerfile-optimizer problems')) as
    Parameters<LspClient['resolve']>[0] | undefined;
  if (action) {
    const resolved = await client.resolve(action);
    applyWorkspaceEdit(resolved.edit!);
  }
  await client.close(file);
  return readTree(dir);
}

async function viaFix(dir: string, unsafe: boolean): Promise<Record<string, string>> {
  const r = await runCli(['fix', '-q', ...(unsafe ? ['--unsafe'] : []), 'Dockerfile'], dir);
  expect(r.code).toBe(0);
  return readTree(dir);
}

describe('fix all over LSP equals fix, on every fixture', () => {
  test('there are fixtures to check', () => expect(usable.length).toBeGreaterThan(100));
  test.each(usable.map((c) => [`${c.transform}/${c.name}`, c] as const))(
    '%s',
    async (_n, c) => {
      for (const unsafe of [false, true]) {
        const a = project(c);
        const b = project(c);
        const [server, fix] = [await viaServer(a, unsafe), await viaFix(b, unsafe)];
        expect({ unsafe, files: server }).toEqual({ unsafe, files: fix });
      }
    },
    60_000,
  );
});

describe('diagnostics and actions', () => {
  const flask = () => {
    const dir = tmpdir('dfo-lsp-flask-');
    copyDir(path.resolve('examples/flask'), dir);
    return dir;
  };

  test('one diagnostic per fix: rule id as code, docs link, severity by applicability', async () => {
    const dir = flask();
    const file = path.join(dir, 'Dockerfile');
    const diags = await client.open(file);
    const codes = diags.map((d) => d.code);
    expect(codes).toEqual(
      expect.arrayContaining([
        'package-hygiene/apt-merge-update',
        'package-hygiene/apt-list-cleanup',
        'dependency-cache/pip',
        'dockerignore/secrets',
        'multistage/python',
      ]),
    );
    for (const d of diags) {
      expect(d.source).toBe('dockerfile-optimizer');
      expect(d.codeDescription?.href).toMatch(/^file:.*docs\/rules\/[a-z-]+\.md$/);
    }
    expect(diags.find((d) => d.code === 'dependency-cache/pip')!.severity).toBe(2);
    expect(diags.find((d) => d.code === 'multistage/python')!.severity).toBe(4);
    await client.close(file);
  });

  test('unsaved text is what counts; a suppressed fix does not show; the ignore action inserts the comment', async () => {
    const dir = flask();
    const file = path.join(dir, 'Dockerfile');
    const text = fs.readFileSync(file, 'utf8');
    const first = await client.open(file, text);
    const pip = first.find((d) => d.code === 'dependency-cache/pip')!;
    const actions = await client.codeActions(file, pip.range.start.line, ['quickfix']);
    const ignore = actions.find((a) => a.title === 'Ignore dependency-cache/pip here')!;
    expect(ignore.edit).toBeDefined();
    const open = new Map([[file, text]]);
    applyWorkspaceEdit(ignore.edit!, open);
    const edited = open.get(file)!;
    expect(edited).toContain('# dockerfile-optimizer ignore=dependency-cache/pip\nRUN pip install');
    const after = await client.change(file, edited);
    expect(after.map((d) => d.code)).not.toContain('dependency-cache/pip');
    expect(after.length).toBe(first.length - 1);
    await client.close(file);
  });

  test('a quickfix for one rule applies that rule only, as a resolved WorkspaceEdit', async () => {
    const dir = flask();
    const file = path.join(dir, 'Dockerfile');
    const diags = await client.open(file);
    const line = diags.find((d) => d.code === 'package-hygiene/apt-merge-update')!.range.start.line;
    const actions = await client.codeActions(file, line, ['quickfix']);
    const fix = actions.find((a) => a.title.startsWith('Fix: package-hygiene/apt-merge-update'))!;
    expect(fix.edit).toBeUndefined();
    applyWorkspaceEdit((await client.resolve(fix)).edit!);
    const b = tmpdir('dfo-lsp-flask-cli-');
    copyDir(path.resolve('examples/flask'), b);
    await runCli(['fix', '-q', '--only', 'package-hygiene/apt-merge-update', 'Dockerfile'], b);
    expect(fs.readFileSync(file, 'utf8')).toBe(fs.readFileSync(path.join(b, 'Dockerfile'), 'utf8'));
    await client.close(file);
  });

  test('hover on a step: what a source edit re-runs, before and after the fixes', async () => {
    const dir = flask();
    const file = path.join(dir, 'Dockerfile');
    const text = fs.readFileSync(file, 'utf8');
    await client.open(file);
    const line = text.split('\n').findIndex((l) => l.startsWith('COPY . .'));
    const hover = (await client.connection.sendRequest('textDocument/hover', {
      textDocument: { uri: uriOf(file) },
      position: { line, character: 2 },
    })) as { contents: { value: string } };
    expect(hover.contents.value).toContain('re-runs this step');
    expect(hover.contents.value).toContain('pip install');
    expect(hover.contents.value).toMatch(
      /After the safe fixes, the same edit re-runs 1 of \d+ steps \(now 2\)/,
    );
    await client.close(file);
  });

  test('a broken config is one diagnostic naming the file; fixing it is picked up without a restart', async () => {
    const dir = flask();
    const file = path.join(dir, 'Dockerfile');
    const cfg = path.join(dir, '.dockerfile-optimizer.json');
    fs.writeFileSync(cfg, '{ "rules": { "no-such-rule": false } }');
    const diags = await client.open(file);
    expect(diags).toHaveLength(1);
    expect(diags[0]!.message).toContain('.dockerfile-optimizer.json');
    expect(diags[0]!.severity).toBe(1);
    fs.writeFileSync(cfg, '{ "rules": { "multistage": false } }');
    const next = new Promise<void>((resolve) => {
      const t = setInterval(() => {
        const d = client.diagnostics(file);
        if (d && d.length > 1) {
          clearInterval(t);
          resolve();
        }
      }, 50);
    });
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', {
      changes: [{ uri: uriOf(cfg), type: 2 }],
    });
    await next;
    const codes = client.diagnostics(file)!.map((d) => d.code);
    expect(codes).toContain('dependency-cache/pip');
    expect(codes).not.toContain('multistage/python');
    await client.close(file);
  });

  test('a failing request is answered and the server stays up', async () => {
    await expect(
      client.connection.sendRequest('codeAction/resolve', { title: 'x', data: { uri: 42 } }),
    ).resolves.toBeDefined();
    const dir = flask();
    const diags = await client.open(path.join(dir, 'Dockerfile'));
    expect(diags.length).toBeGreaterThan(0);
    expect(client.child.exitCode).toBeNull();
  });

  test('a .dockerignore is created through CreateFile in documentChanges', async () => {
    const dir = flask();
    const file = path.join(dir, 'Dockerfile');
    expect(fs.existsSync(path.join(dir, '.dockerignore'))).toBe(false);
    const diags = await client.open(file);
    const line = diags.find((d) => d.code === 'dockerignore/secrets')!.range.start.line;
    const action = (await client.codeActions(file, line, ['quickfix'])).find((a) =>
      a.title.startsWith('Fix: dockerignore/secrets'),
    )!;
    const edit = (await client.resolve(action)).edit!;
    expect(edit.documentChanges![0]).toMatchObject({
      kind: 'create',
      uri: uriOf(path.join(dir, '.dockerignore')),
    });
    applyWorkspaceEdit(edit);
    expect(fs.readFileSync(path.join(dir, '.dockerignore'), 'utf8')).toContain('.env\n');
    await client.close(file);
  });

  test('the unsafe setting makes fix all apply review fixes too (as fix --unsafe)', async () => {
    const unsafe = await startClient({ initializationOptions: { unsafe: true } });
    try {
      const dir = flask();
      const file = path.join(dir, 'Dockerfile');
      await unsafe.open(file);
      const [action] = await unsafe.codeActions(file, 0, [FIX_ALL]);
      expect(action!.title).toContain('review fixes included');
      applyWorkspaceEdit((await unsafe.resolve(action!)).edit!);
      const b = tmpdir('dfo-lsp-flask-unsafe-');
      copyDir(path.resolve('examples/flask'), b);
      await runCli(['fix', '-q', '--unsafe', 'Dockerfile'], b);
      expect(readTree(dir)).toEqual(readTree(b));
    } finally {
      await unsafe.stop();
    }
  }, 60_000);
});
