/** dockerignore decides with what the repository says (git), else with the content (issue 12). */
import { describe, expect, test } from '@jest/globals';
import { optimize } from '../src/api.js';
import { MemoryContext, type MemoryGit } from '../src/context/context.js';
import { fileContent } from '../transforms/dockerignore/content.js';

const APP = [
  'FROM python:3.12-slim',
  'WORKDIR /app',
  'COPY . .',
  'CMD ["python", "app.py"]',
  '',
].join('\n');
const KEY = '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nMIIBsz\n-----END CERTIFICATE-----\n';

async function run(files: Record<string, string>, git: MemoryGit | null, df = APP) {
  const context = new MemoryContext({ 'app.py': 'print(1)\n', ...files }, null, { git });
  const r = await optimize(df, { only: ['dockerignore'], context, unsafe: false });
  return {
    after: r.files[0]?.after ?? '',
    fixes: r.fixes.map((f) => `${f.applied ? '+' : '?'}${f.ruleId}`),
    messages: r.fixes.map((f) => f.message),
  };
}

describe('content', () => {
  test.each([
    ['a.key', KEY, 'secret'],
    ['ca.pem', CERT, 'public'],
    ['id_rsa.pub', 'ssh-rsa AAAAB3Nza deploy@ci\n', 'public'],
    ['.env', 'VITE_API_URL=https://api\nNEXT_PUBLIC_X=1\n', 'public'],
    ['.env', 'VITE_API_URL=https://api\nSECRET_KEY=abc\n', 'secret'],
    ['.env', 'DEBUG=1\nPORT=8000\n', 'unknown'],
    ['.env', 'SECRET_KEY=\nPASSWORD=change-me\n', 'public'],
    ['config', '[default]\nregion = eu-west-1\n', 'public'],
    ['credentials', '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n', 'secret'],
    ['token.txt', 'ghp_0123456789abcdefghijABCDEFGHIJ012345\n', 'secret'],
    ['master.key', '6f1d0c8e2b7a4f3e\n', 'secret'],
    ['blob.key', null, 'unknown'],
  ])('%s %#', (name, text, kind) => {
    expect(fileContent(name, text).kind).toBe(kind);
  });
});

describe('decisions', () => {
  test('ignored or untracked: out (safe); tracked: kept; a tracked real secret: review', async () => {
    const files = { '.env': 'DEBUG=1\n', 'deploy.key': KEY, 'certs/ca.pem': CERT, 'tls.key': KEY };
    const r = await run(files, {
      tracked: ['app.py', 'certs/ca.pem', 'tls.key'],
      ignored: ['.env'],
    });
    expect(r.after).toContain('\n.env\n*.key\n!tls.key\n');
    expect(r.after).not.toContain('pem');
    expect(r.fixes).toEqual(['+dockerignore/secrets', '?dockerignore/committed-secret']);
    expect(r.messages[1]).toContain('tls.key is committed to git and holds a private key');
  });

  test('no git: content decides, unsure is a review', async () => {
    const files = { '.env': 'DEBUG=1\n', '.env.local': 'API_TOKEN=x1\n', 'ca.pem': CERT };
    const r = await run(files, null);
    expect(r.after).toContain('\n.env.*\n');
    expect(r.after).not.toMatch(/^\.env$|pem/m);
    expect(r.fixes).toEqual(['+dockerignore/secrets', '?dockerignore/secrets']);
  });

  test('a tracked build output or dependency folder is a review, a tracked editor folder is left alone', async () => {
    const df = APP.replace('COPY . .', 'COPY . .\nRUN npm ci && npm run build');
    const files = {
      'package.json': '{}\n',
      'dist/x.js': '1\n',
      'node_modules/a/index.js': '1\n',
      '.vscode/settings.json': '{}\n',
    };
    const r = await run(
      files,
      { tracked: ['app.py', 'package.json', 'dist/x.js', '.vscode/settings.json'] },
      df,
    );
    expect(r.after).toContain('\nnode_modules\n');
    expect(r.after).not.toContain('.vscode');
    expect(r.after).not.toMatch(/^dist$/m);
    expect(r.fixes).toEqual(['+dockerignore/create', '?dockerignore/complete']);
  });

  test('the pulled image is claimed to hold the secrets only when the copy is in its stage chain', async () => {
    const files = { '.env': 'API_TOKEN=x1\n' };
    const builder =
      'FROM node:20 AS build\nCOPY . .\nRUN make\nFROM nginx\nCOPY --from=build /out /usr/share/nginx/html\n';
    const b = await run(files, null, builder);
    expect(b.messages[0]).toContain(
      'copies them into build stage build, which the final image is not built from',
    );
    const chained = 'FROM node:20 AS base\nCOPY . .\nFROM base\nCMD ["node"]\n';
    const c = await run(files, null, chained);
    expect(c.messages[0]).toContain('anyone who pulls the image can read');
  });
});
