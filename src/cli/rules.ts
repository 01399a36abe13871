/** `dockerfile-optimizer rules`: every transform and, where it declares a catalogue, each of its
 * rule ids (id, applicability, hadolint ids, title). The built-in list usually runs through
 * fast.ts (the generated catalogue, no transform code); this path serves custom transforms. */
import type { Transform } from '../model/types.js';
import { transforms as registry } from '../../transforms/index.js';
import type { CliIO } from './io.js';
import { printRules } from './rules-print.js';

export function runRules(
  io: CliIO,
  format: 'text' | 'json',
  custom?: readonly Transform[],
): number {
  return printRules(
    io,
    format,
    (custom ?? registry).map((t) => t.meta),
  );
}
