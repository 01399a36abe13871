/** Transform `dependency-cache` (being written; see its issue). */
import type { Transform } from '../src/types.js';

export const transform: Transform = {
  meta: {
    id: 'dependency-cache',
    title: 'dependency-cache',
    hadolint: [],
    applicability: 'safe',
    docs: { why: '', fixSafety: '' },
  },
  check() {
    return [];
  },
};
