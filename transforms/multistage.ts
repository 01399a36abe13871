/** Transform `multistage` (being written; see its issue). */
import type { Transform } from '../src/types.js';

export const transform: Transform = {
  meta: {
    id: 'multistage',
    title: 'multistage',
    hadolint: [],
    applicability: 'safe',
    docs: { why: '', fixSafety: '' },
  },
  check() {
    return [];
  },
};
