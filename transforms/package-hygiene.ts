/** Transform `package-hygiene` (being written; see its issue). */
import type { Transform } from '../src/types.js';

export const transform: Transform = {
  meta: {
    id: 'package-hygiene',
    title: 'package-hygiene',
    hadolint: [],
    applicability: 'safe',
    docs: { why: '', fixSafety: '' },
  },
  check() {
    return [];
  },
};
