/**
 * VS Code extension: starts `dockerfile-optimizer lsp --stdio` (shipped in server/) for
 * dockerfile documents, passes the settings, and adds "Show cache impact" (the explain report).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

/** The server entry point inside the package. */
export const SERVER_MAIN = path.join('server', 'bin', 'dockerfile-optimizer.js');

function settings() {
  const c = vscode.workspace.getConfiguration('dockerfileOptimizer');
  return { unsafe: c.get<boolean>('unsafe'), only: c.get<string[]>('only'), skip: c.get<string[]>('skip') };
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const module = context.asAbsolutePath(SERVER_MAIN);
  const run = { module, transport: TransportKind.stdio, args: ['lsp', '--stdio'] };
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: 'dockerfile', scheme: 'file' }],
    initializationOptions: settings(),
    synchronize: {
      configurationSection: 'dockerfileOptimizer',
      fileEvents: vscode.workspace.createFileSystemWatcher(
        '**/{.dockerfile-optimizer.json,package.json,.dockerignore,*.dockerignore,*compose*.y*ml,docker-bake.*,skaffold.y*ml}',
      ),
    },
  };
  client = new LanguageClient('dockerfileOptimizer', 'Dockerfile Optimizer', serverOptions, clientOptions);
  context.subscriptions.push(
    vscode.commands.registerCommand('dockerfileOptimizer.showCacheImpact', async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor || !client) return;
      const text = await client.sendRequest<string | null>('workspace/executeCommand', {
        command: 'dockerfile-optimizer.explain',
        arguments: [editor.document.uri.toString()],
      });
      const doc = await vscode.workspace.openTextDocument({ content: text ?? 'no report', language: 'plaintext' });
      await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
    }),
  );
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
