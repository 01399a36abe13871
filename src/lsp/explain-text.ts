/**
 * The language server's "Show cache impact" command: the text `dockerfile-optimizer explain`
 * prints for a Dockerfile (the editor's unsaved text when given), before and after the safe fixes.
 */
import * as path from 'node:path';
import { contextAfter, diskContext, explain } from '../explain/explain.js';
import { formatExplain } from '../explain/format.js';
import { readDockerfile } from '../io/io.js';
import { analyse } from './analysis.js';

export async function explainText(file: string, text?: string): Promise<string> {
  const source = text ?? readDockerfile(file).text;
  const a = await analyse(file, source);
  if (a.error) return `${a.error}\n`;
  const context = diskContext(a.contextDir, file);
  const before = explain({ text: source, context });
  const after = a.result.changed
    ? explain({
        text: a.result.output,
        context: contextAfter(context, a.result),
        edits: before.edits.map((e) => e.path),
      })
    : null;
  after?.edits.forEach((e, i) => (e.kind = before.edits[i]!.kind));
  return formatExplain(path.basename(file), before, after);
}
