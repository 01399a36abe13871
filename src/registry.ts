/** Every built-in transform, in the order the engine runs them (earlier wins on overlap). */
import type { Transform } from './types.js';

export const transforms: readonly Transform[] = [];
