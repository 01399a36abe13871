/** `dockerfile-optimizer rules`: every transform and, where it declares a catalogue, each of its
 * rule ids (id, applicability, hadolint ids, title). */
import type { Transform } from '../model/types.js';
import { transforms as registry } from '../../transforms/index.js';
import { EXIT_OK, type CliIO } from './io.js';

/** The first sentence of a paragraph (for one-line summaries). */
function firstSentence(text: string, max = 160): string {
  const m = /^(.*?[.])\s+(?=[A-Z`(])/s.exec(text);
  const s = (m ? m[1]! : text).replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1).trimEnd()}…` : s;
}

export function runRules(
  io: CliIO,
  format: 'text' | 'json',
  custom?: readonly Transform[],
): number {
  const all = custom ?? registry;
  if (format === 'json') {
    io.stdout(
      JSON.stringify(
        all.map((t) => t.meta),
        null,
        2,
      ) + '\n',
    );
    return EXIT_OK;
  }
  const rules = all.flatMap((t) => t.meta.rules ?? []);
  const idWidth = Math.max(
    4,
    ...all.map((t) => t.meta.id.length),
    ...rules.map((r) => r.id.length + 2),
  );
  const apWidth = Math.max(13, ...all.map((t) => t.meta.applicability.length));
  io.stdout(`${'rule'.padEnd(idWidth)}  ${'applicability'.padEnd(apWidth)}  what it fixes\n`);
  for (const t of all) {
    const m = t.meta;
    io.stdout(`${m.id.padEnd(idWidth)}  ${m.applicability.padEnd(apWidth)}  ${m.title}\n`);
    const pad = ' '.repeat(idWidth + 2);
    if (m.hadolint.length) io.stdout(`${pad}hadolint: ${m.hadolint.join(' ')}\n`);
    if (m.docs.why) io.stdout(`${pad}why: ${firstSentence(m.docs.why)}\n`);
    io.stdout(`${pad}docs: docs/rules/${m.id}.md\n`);
    for (const r of m.rules ?? []) {
      io.stdout(`  ${r.id.padEnd(idWidth - 2)}  ${r.applicability.padEnd(apWidth)}  ${r.title}\n`);
      if (r.hadolint.length) io.stdout(`${pad}  hadolint: ${r.hadolint.join(' ')}\n`);
    }
  }
  return EXIT_OK;
}
