/**
 * Dev containers: `.devcontainer/devcontainer.json`, `.devcontainer/<name>/devcontainer.json`,
 * `.devcontainer.json` (JSON with comments, read with jsonc-parser). `build.dockerfile` and
 * `build.context` (default `.`) are relative to the devcontainer.json's folder (also the older
 * top-level `dockerFile` / `context`); `build.args`, `build.target`. A devcontainer that uses a
 * compose file or an image has no build here.
 */
import * as path from 'node:path';
import {
  parseTree,
  findNodeAtLocation,
  getNodeValue,
  printParseErrorCode,
  type ParseError,
} from 'jsonc-parser';
import { keyValues, resolveFrom } from './common.js';
import type { BuildDecl, BuildWarning } from './types.js';
import type { ComposeResult } from './compose.js';
import { isRecord, readText } from './yaml.js';

export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export function parseDevcontainer(
  file: string,
  env: Record<string, string | undefined>,
): ComposeResult {
  const warnings: BuildWarning[] = [];
  const skipped: ComposeResult['skipped'] = [];
  const builds: BuildDecl[] = [];
  const text = readText(file);
  if (text === null) {
    warnings.push({ file, line: null, message: 'cannot be read' });
    return { builds, warnings, skipped };
  }
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length || !root) {
    const e = errors[0];
    warnings.push({
      file,
      line: e ? lineAt(text, e.offset) : 1,
      message: `not valid JSON with comments: ${e ? printParseErrorCode(e.error) : 'empty'}`,
    });
    return { builds, warnings, skipped };
  }
  const value = getNodeValue(root) as unknown;
  if (!isRecord(value)) {
    warnings.push({
      file,
      line: 1,
      message: 'not a devcontainer.json (the top level is not an object)',
    });
    return { builds, warnings, skipped };
  }
  const build = isRecord(value.build) ? value.build : {};
  const dockerfile = build.dockerfile ?? value.dockerFile ?? value.dockerfile;
  if (typeof dockerfile !== 'string') return { builds, warnings, skipped };
  const node =
    findNodeAtLocation(root, ['build', 'dockerfile']) ??
    findNodeAtLocation(root, ['dockerFile']) ??
    findNodeAtLocation(root, ['build']);
  const line = node?.parent ? lineAt(text, node.parent.offset) : 1;
  const dir = path.dirname(file);
  const ctx = build.context ?? value.context ?? '.';
  const name =
    typeof value.name === 'string' ? `devcontainer ${JSON.stringify(value.name)}` : 'devcontainer';
  const workspace =
    path.basename(dir) === '.devcontainer'
      ? path.dirname(dir)
      : path.basename(path.dirname(dir)) === '.devcontainer'
        ? path.dirname(path.dirname(dir))
        : dir;
  // Dev containers substitute ${localEnv:VAR} and ${localWorkspaceFolder}; other variables are unknown.
  const sub = (s: string): string | null => {
    let unknown = false;
    const out = s.replace(/\$\{([^}]+)\}/g, (_m, inner: string) => {
      const m = /^localEnv:([A-Za-z_][A-Za-z0-9_]*)(?::(.*))?$/.exec(inner);
      if (m) return env[m[1]!] ?? m[2] ?? '';
      if (inner === 'localWorkspaceFolder') return workspace;
      unknown = true;
      return '';
    });
    return unknown ? null : out;
  };
  const c = sub(String(ctx));
  const d = sub(dockerfile);
  if (c === null || d === null) {
    skipped.push({
      file,
      line,
      name,
      reason: 'its context or dockerfile uses a variable known only in the editor',
    });
    return { builds, warnings, skipped };
  }
  builds.push({
    dockerfile: resolveFrom(dir, d),
    context: resolveFrom(dir, c),
    target: typeof build.target === 'string' ? build.target : null,
    args: Object.fromEntries(
      Object.entries(keyValues(build.args, (k) => env[k]))
        .map(([k, v]) => [k, sub(v)] as const)
        .filter((e): e is readonly [string, string] => e[1] !== null),
    ),
    contexts: {},
    source: { format: 'devcontainer', file, line, name },
  });
  return { builds, warnings, skipped };
}
