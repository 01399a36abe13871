/**
 * Values derived from texts (e.g. what a Dockerfile copies), computed once per text and kept
 * across sessions, bounded; dropped by clearContextCaches (onClear).
 */
import { diskCounters, onClear } from './cache.js';

const derived = new Map<string, Map<string, unknown>>();
const derivedText = new Map<string, number>();
/** Bounds on each derived-value kind, in entries and in the length of the texts they key (a
 * value is about as large as its text: a long-running process, such as the language server
 * getting a new text on every keystroke, stays bounded). */
const DERIVED_LIMIT = 4096;
const DERIVED_TEXT_LIMIT = 4 * 1024 * 1024;

/** A value computed from a text (e.g. what a Dockerfile copies), computed once per text. */
export function derivedFromText<T>(kind: string, text: string, compute: () => T): T {
  let m = derived.get(kind);
  if (!m) derived.set(kind, (m = new Map()));
  if (m.has(text)) return m.get(text) as T;
  diskCounters.derived++;
  const value = compute();
  let size = (derivedText.get(kind) ?? 0) + text.length;
  while (m.size > 0 && (m.size >= DERIVED_LIMIT || size > DERIVED_TEXT_LIMIT)) {
    const oldest = m.keys().next().value!;
    m.delete(oldest);
    size -= oldest.length;
  }
  m.set(text, value);
  derivedText.set(kind, size);
  return value;
}

onClear(() => {
  derived.clear();
  derivedText.clear();
});
