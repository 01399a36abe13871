/** Transform `dockerignore` (being written; see its issue). */
import type { Transform } from '../src/types.js';

export const transform: Transform = {
  meta: {
    id: 'dockerignore',
    title: 'dockerignore',
    hadolint: [],
    applicability: 'safe',
    docs: { why: '', fixSafety: '' },
  },
  check() {
    return [];
  },
};
