/**
 * A real LSP client for the tests and the benchmark: spawns `dockerfile-optimizer lsp --stdio`
 * (the built binary) and talks JSON-RPC through vscode-languageserver-protocol, the library VS
 * Code's client is built on. Applies WorkspaceEdits (text edits, CreateFile) to files on disk the
 * way an editor would.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import lspProtocol from 'vscode-languageserver-protocol/node';
import type {
  CodeAction,
  Diagnostic,
  ProtocolConnection,
  PublishDiagnosticsParams,
  TextEdit,
  WorkspaceEdit,
} from 'vscode-languageserver-protocol';
import { ROOT } from '../helpers.js';

const { createProtocolConnection, StreamMessageReader, StreamMessageWriter } = lspProtocol;

export interface LspClient {
  connection: ProtocolConnection;
  child: ChildProcessWithoutNullStreams;
  stderr: () => string;
  open(file: string, text?: string): Promise<Diagnostic[]>;
  change(file: string, text: string): Promise<Diagnostic[]>;
  close(file: string): Promise<void>;
  diagnostics(file: string): Diagnostic[] | undefined;
  codeActions(file: string, line: number, only?: string[]): Promise<CodeAction[]>;
  resolve(action: CodeAction): Promise<CodeAction>;
  stop(): Promise<void>;
}

export const uriOf = (file: string) => pathToFileURL(file).href;

/** Start the server (dist must be built: npm test runs tsc first). */
export async function startClient(
  options: { initializationOptions?: unknown; documentChanges?: boolean } = {},
): Promise<LspClient> {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'bin/dockerfile-optimizer.js'), 'lsp', '--stdio'],
    { stdio: 'pipe' },
  );
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const connection = createProtocolConnection(
    new StreamMessageReader(child.stdout),
    new StreamMessageWriter(child.stdin),
  );
  const published = new Map<string, PublishDiagnosticsParams>();
  const waiters = new Map<string, { version: number; resolve: (d: Diagnostic[]) => void }[]>();
  connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    published.set(p.uri, p);
    const list = waiters.get(p.uri) ?? [];
    waiters.set(
      p.uri,
      list.filter((w) => {
        if (p.version !== undefined && p.version < w.version) return true;
        w.resolve(p.diagnostics);
        return false;
      }),
    );
  });
  connection.onNotification('window/logMessage', (p: { message: string }) => {
    err += `${p.message}\n`;
  });
  connection.listen();
  const dc = options.documentChanges ?? true;
  await connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: null,
    capabilities: {
      workspace: {
        workspaceEdit: dc ? { documentChanges: true, resourceOperations: ['create'] } : {},
      },
      textDocument: { codeAction: { dataSupport: true, resolveSupport: { properties: ['edit'] } } },
    },
    initializationOptions: options.initializationOptions,
  });
  await connection.sendNotification('initialized', {});
  const versions = new Map<string, number>();
  const wait = (uri: string, version: number) =>
    new Promise<Diagnostic[]>((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`no diagnostics for ${uri} v${version}; stderr: ${err}`)),
        30_000,
      );
      const list = waiters.get(uri) ?? [];
      list.push({
        version,
        resolve: (d) => {
          clearTimeout(t);
          resolve(d);
        },
      });
      waiters.set(uri, list);
    });
  return {
    connection,
    child,
    stderr: () => err,
    async open(file, text = fs.readFileSync(file, 'utf8')) {
      const uri = uriOf(file);
      versions.set(uri, 1);
      const p = wait(uri, 1);
      await connection.sendNotification('textDocument/didOpen', {
        textDocument: { uri, languageId: 'dockerfile', version: 1, text },
      });
      return p;
    },
    async change(file, text) {
      const uri = uriOf(file);
      const version = (versions.get(uri) ?? 1) + 1;
      versions.set(uri, version);
      const p = wait(uri, version);
      await connection.sendNotification('textDocument/didChange', {
        textDocument: { uri, version },
        contentChanges: [{ text }],
      });
      return p;
    },
    async close(file) {
      await connection.sendNotification('textDocument/didClose', {
        textDocument: { uri: uriOf(file) },
      });
    },
    diagnostics: (file) => published.get(uriOf(file))?.diagnostics,
    async codeActions(file, line, only) {
      const uri = uriOf(file);
      return (await connection.sendRequest('textDocument/codeAction', {
        textDocument: { uri },
        range: { start: { line, character: 0 }, end: { line, character: 0 } },
        context: {
          diagnostics: (published.get(uri)?.diagnostics ?? []).filter(
            (d) => d.range.start.line === line,
          ),
          ...(only ? { only } : {}),
        },
      })) as CodeAction[];
    },
    async resolve(action) {
      return (await connection.sendRequest('codeAction/resolve', action)) as CodeAction;
    },
    async stop() {
      try {
        await connection.sendRequest('shutdown');
        await connection.sendNotification('exit');
      } catch {
        /* already gone */
      }
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const t = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 5000);
        child.on('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
      connection.dispose();
    },
  };
}

/** Line/character (UTF-16) -> offset. */
function offsetAt(text: string, pos: { line: number; character: number }): number {
  let line = 0;
  let i = 0;
  while (line < pos.line && i < text.length) {
    if (text.charCodeAt(i) === 10) line++;
    i++;
  }
  return i + pos.character;
}

export function applyTextEdits(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort(
    (a, b) => offsetAt(text, b.range.start) - offsetAt(text, a.range.start),
  );
  for (const e of sorted)
    text =
      text.slice(0, offsetAt(text, e.range.start)) +
      e.newText +
      text.slice(offsetAt(text, e.range.end));
  return text;
}

/** Apply a WorkspaceEdit to the files on disk (`open`: texts of open documents, updated too). */
export function applyWorkspaceEdit(edit: WorkspaceEdit, open: Map<string, string> = new Map()) {
  const read = (uri: string) => {
    const file = fileURLToPath(uri);
    return open.get(file) ?? (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
  };
  const write = (uri: string, text: string) => {
    const file = fileURLToPath(uri);
    if (open.has(file)) open.set(file, text);
    fs.writeFileSync(file, text);
  };
  for (const change of edit.documentChanges ?? []) {
    if ('kind' in change) {
      if (change.kind === 'create') {
        const file = fileURLToPath(change.uri);
        if (!fs.existsSync(file)) fs.writeFileSync(file, '');
      }
      continue;
    }
    write(
      change.textDocument.uri,
      applyTextEdits(read(change.textDocument.uri), change.edits as TextEdit[]),
    );
  }
  for (const [uri, edits] of Object.entries(edit.changes ?? {}))
    write(uri, applyTextEdits(read(uri), edits));
}
