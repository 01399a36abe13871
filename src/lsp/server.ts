/**
 * `dockerfile-optimizer lsp --stdio`: a Language Server Protocol server (vscode-languageserver).
 * Diagnostics: one per fix (code = rule id, severity by applicability: safe = warning, review =
 * hint), recomputed on change after a debounce. Code actions: a quickfix per rule (review rules as
 * refactor.rewrite), "fix all safe" (source.fixAll.dockerfile-optimizer, the same bytes as `fix`),
 * "apply every fix" (as `fix --unsafe`), "ignore this rule here". Hover on a step: what a source
 * edit re-runs (explain's cache model). Config/ignore-file changes re-check open documents; a
 * failing request is logged and answered empty, never fatal. See README "Editors".
 */
import { fileURLToPath } from 'node:url';
import lspNode from 'vscode-languageserver/node';
import type {
  CodeAction,
  CodeActionParams,
  Diagnostic,
  Hover,
  HoverParams,
  TextDocumentEdit,
  CreateFile,
  WorkspaceEdit,
  Connection,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { initShellParser } from '../model/shell.js';
import {
  analyse,
  cacheHover,
  changedRegion,
  docsUrl,
  filePlans,
  fixResult,
  ignoreComment,
  positionAt,
  type Analysis,
  type ServerSettings,
} from './analysis.js';

const { createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind } = lspNode;

export const SOURCE = 'dockerfile-optimizer';
export const FIX_ALL_KIND = 'source.fixAll.dockerfile-optimizer';
const DEBOUNCE_MS = 5;

interface ActionData {
  uri: string;
  version: number;
  kind: 'rule' | 'all-safe' | 'all-unsafe';
  rule?: string;
  unsafe?: boolean;
}

/** Start the server on this process's stdin/stdout (or the given connection). */
export function startServer(connection: Connection = createConnection(ProposedFeatures.all)) {
  const documents = new TextDocuments(TextDocument);
  const analyses = new Map<string, { version: number; analysis: Analysis }>();
  const timers = new Map<string, NodeJS.Timeout>();
  let settings: ServerSettings = {};
  let documentChanges = false;
  let createFiles = false;

  const log = (msg: string) => connection.console.error(msg);
  /** A failing request is logged and answered with `fallback`: the server stays up. */
  const guard =
    <A extends unknown[], R>(name: string, fallback: R, fn: (...a: A) => Promise<R> | R) =>
    async (...a: A): Promise<R> => {
      try {
        return await fn(...a);
      } catch (err) {
        log(`dockerfile-optimizer: ${name} failed: ${(err as Error)?.stack ?? String(err)}`);
        return fallback;
      }
    };

  const isFile = (uri: string) => uri.startsWith('file:');

  async function analysisOf(doc: TextDocument): Promise<Analysis | null> {
    if (!isFile(doc.uri)) return null;
    const cached = analyses.get(doc.uri);
    if (cached && cached.version === doc.version) return cached.analysis;
    const analysis = await analyse(fileURLToPath(doc.uri), doc.getText(), settings);
    analyses.set(doc.uri, { version: doc.version, analysis });
    return analysis;
  }

  function diagnosticsOf(doc: TextDocument, a: Analysis): Diagnostic[] {
    if (a.error)
      return [
        {
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
          severity: 1,
          source: SOURCE,
          message: a.error,
        },
      ];
    return a.result.fixes.map((f) => {
      const line = Math.max(0, f.line - 1);
      const lineText = doc.getText({
        start: { line, character: 0 },
        end: { line: line + 1, character: 0 },
      });
      const href = docsUrl(f);
      return {
        range: {
          start: { line, character: 0 },
          end: { line, character: lineText.replace(/\r?\n$/, '').length },
        },
        severity: f.applicability === 'safe' ? 2 : 4,
        source: SOURCE,
        code: f.ruleId,
        ...(href ? { codeDescription: { href } } : {}),
        message: f.note ? `${f.message}\n${f.note}` : f.message,
        data: { ruleId: f.ruleId, applicability: f.applicability },
      } satisfies Diagnostic;
    });
  }

  async function validate(doc: TextDocument) {
    const a = await analysisOf(doc);
    if (!a) return;
    // a newer version arrived meanwhile: its own validation publishes
    if (documents.get(doc.uri)?.version !== doc.version) return;
    await connection.sendDiagnostics({
      uri: doc.uri,
      version: doc.version,
      diagnostics: diagnosticsOf(doc, a),
    });
  }
  const safeValidate = guard('diagnostics', undefined, validate);

  function schedule(doc: TextDocument, delay = DEBOUNCE_MS) {
    clearTimeout(timers.get(doc.uri));
    timers.set(
      doc.uri,
      setTimeout(() => {
        timers.delete(doc.uri);
        const current = documents.get(doc.uri);
        if (current) void safeValidate(current);
      }, delay),
    );
  }

  function revalidateAll() {
    analyses.clear();
    for (const d of documents.all()) schedule(d, 0);
  }

  async function workspaceEdit(doc: TextDocument, data: ActionData): Promise<WorkspaceEdit> {
    const a = await analysisOf(doc);
    if (!a) return {};
    const text = doc.getText();
    const result = await fixResult(a, text, {
      unsafe: data.kind === 'all-unsafe' || !!data.unsafe,
      rule: data.rule,
    });
    const plans = filePlans(result, a.file, text);
    if (!documentChanges) {
      const changes: Record<string, { range: Diagnostic['range']; newText: string }[]> = {};
      for (const p of plans) {
        // A new file (a .dockerignore): an insert into its URI; clients without documentChanges
        // (Neovim 0.7) open a buffer for it and write it with the others.
        const r = changedRegion(p.before ?? '', p.after)!;
        if (p.before === null) {
          // Up to the line after the end (allowed by the protocol): an editor's empty buffer
          // has one empty line, and this range replaces it instead of leaving it at the end.
          const range = { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } };
          changes[p.uri] = [{ range, newText: p.after }];
          continue;
        }
        changes[p.uri] = [
          {
            range: { start: positionAt(p.before, r.start), end: positionAt(p.before, r.end) },
            newText: r.text,
          },
        ];
      }
      return { changes };
    }
    const out: (TextDocumentEdit | CreateFile)[] = [];
    for (const p of plans) {
      if (p.before === null) {
        if (!createFiles) continue;
        out.push({ kind: 'create', uri: p.uri, options: { ignoreIfExists: true } });
        out.push({
          textDocument: { uri: p.uri, version: null },
          edits: [
            {
              range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
              newText: p.after,
            },
          ],
        });
        continue;
      }
      const r = changedRegion(p.before, p.after)!;
      const open = documents.get(p.uri);
      out.push({
        textDocument: { uri: p.uri, version: open ? open.version : null },
        edits: [
          {
            range: { start: positionAt(p.before, r.start), end: positionAt(p.before, r.end) },
            newText: r.text,
          },
        ],
      });
    }
    return { documentChanges: out };
  }

  async function codeActions(params: CodeActionParams): Promise<CodeAction[]> {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    const a = await analysisOf(doc);
    if (!a || a.error) return [];
    const only = params.context.only;
    const wants = (kind: string) =>
      !only?.length || only.some((k) => kind === k || kind.startsWith(`${k}.`));
    const out: CodeAction[] = [];
    const base = { uri: doc.uri, version: doc.version };
    const fixes = a.result.fixes;
    const { start, end } = params.range;
    const inRange = fixes.filter((f) => f.line - 1 >= start.line && f.line - 1 <= end.line);
    const seen = new Set<string>();
    for (const f of inRange) {
      if (seen.has(f.ruleId)) continue;
      seen.add(f.ruleId);
      const count = fixes.filter((x) => x.ruleId === f.ruleId).length;
      const kind = f.applicability === 'safe' ? 'quickfix' : 'refactor.rewrite';
      const diagnostics = (params.context.diagnostics ?? []).filter((d) => d.code === f.ruleId);
      if (wants(kind))
        out.push({
          title:
            (f.applicability === 'review' ? 'Review: ' : 'Fix: ') +
            `${f.ruleId}${count > 1 ? ` (${count} places)` : ''}` +
            (f.note ? ` (check: ${f.note})` : ''),
          kind,
          diagnostics,
          isPreferred: f.applicability === 'safe',
          data: {
            ...base,
            kind: 'rule',
            rule: f.ruleId,
            unsafe: f.applicability === 'review',
          } satisfies ActionData,
        });
      if (wants('quickfix')) {
        const line = f.line - 1;
        out.push({
          title: `Ignore ${f.ruleId} here`,
          kind: 'quickfix',
          diagnostics,
          edit: {
            documentChanges: [
              {
                textDocument: { uri: doc.uri, version: doc.version },
                edits: [
                  {
                    range: { start: { line, character: 0 }, end: { line, character: 0 } },
                    newText: ignoreComment(doc.getText(), line, f.ruleId),
                  },
                ],
              },
            ],
          },
        });
      }
    }
    // "Fix all" is `fix`: the safe fixes, or with the `unsafe` setting (as `unsafe` in the
    // config file) `fix --unsafe`.
    const all = settings.unsafe ? fixes : fixes.filter((f) => f.applicability === 'safe');
    if (all.length && wants(FIX_ALL_KIND))
      out.push({
        title: settings.unsafe
          ? 'Fix all dockerfile-optimizer problems (unsafe setting: review fixes included)'
          : 'Fix all safe dockerfile-optimizer problems',
        kind: FIX_ALL_KIND,
        data: {
          ...base,
          kind: settings.unsafe ? 'all-unsafe' : 'all-safe',
        } satisfies ActionData,
      });
    if (fixes.some((f) => f.applicability === 'review') && wants('refactor.rewrite'))
      out.push({
        title: 'Apply every dockerfile-optimizer fix, review ones included (fix --unsafe)',
        kind: 'refactor.rewrite',
        data: { ...base, kind: 'all-unsafe' } satisfies ActionData,
      });
    return out;
  }

  async function resolve(action: CodeAction): Promise<CodeAction> {
    const data = action.data as ActionData | undefined;
    if (!data || action.edit) return action;
    const doc = documents.get(data.uri);
    if (!doc) return action;
    return { ...action, edit: await workspaceEdit(doc, data) };
  }

  async function hover(params: HoverParams): Promise<Hover | null> {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return null;
    const a = await analysisOf(doc);
    if (!a || a.error) return null;
    const value = cacheHover(a, doc.getText(), params.position.line + 1);
    return value ? { contents: { kind: 'markdown', value } } : null;
  }

  connection.onInitialize((params) => {
    const ws = params.capabilities.workspace?.workspaceEdit;
    documentChanges = !!ws?.documentChanges;
    createFiles = !!ws?.resourceOperations?.includes('create');
    settings = (params.initializationOptions as ServerSettings | undefined) ?? {};
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        codeActionProvider: {
          codeActionKinds: ['quickfix', 'refactor.rewrite', FIX_ALL_KIND],
          resolveProvider: true,
        },
        hoverProvider: true,
        executeCommandProvider: { commands: ['dockerfile-optimizer.explain'] },
      },
      serverInfo: { name: 'dockerfile-optimizer' },
    };
  });
  connection.onInitialized(() => void initShellParser());
  connection.onDidChangeConfiguration(
    guard('configuration', undefined, (p) => {
      const s = (p.settings as { dockerfileOptimizer?: ServerSettings } | null)
        ?.dockerfileOptimizer;
      if (s) settings = s;
      revalidateAll();
    }),
  );
  // Config files, ignore files and build definitions: re-check every open Dockerfile.
  connection.onDidChangeWatchedFiles(() => revalidateAll());
  connection.onCodeAction(guard('codeAction', [] as CodeAction[], codeActions));
  connection.onCodeActionResolve(
    guard('codeAction/resolve', null as unknown as CodeAction, resolve),
  );
  connection.onHover(guard('hover', null, hover));
  connection.onExecuteCommand(
    guard('executeCommand', null as string | null, async (p) => {
      if (p.command !== 'dockerfile-optimizer.explain') return null;
      const uri = String(p.arguments?.[0] ?? '');
      const { explainText } = await import('./explain-text.js');
      return explainText(fileURLToPath(uri), documents.get(uri)?.getText());
    }),
  );
  documents.onDidOpen((e) => schedule(e.document, 0));
  documents.onDidChangeContent((e) => schedule(e.document));
  documents.onDidClose((e) => {
    clearTimeout(timers.get(e.document.uri));
    timers.delete(e.document.uri);
    analyses.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });
  documents.listen(connection);
  connection.listen();
  return connection;
}
