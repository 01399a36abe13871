/** Every built-in transform, in the order the engine runs them (earlier wins on overlap). */
import { transform as packageHygiene } from '../transforms/package-hygiene.js';
import { transform as dependencyCache } from '../transforms/dependency-cache.js';
import { transform as dockerignore } from '../transforms/dockerignore.js';
import { transform as multistage } from '../transforms/multistage.js';
import type { Transform } from './types.js';

export const transforms: readonly Transform[] = [
  packageHygiene,
  dependencyCache,
  dockerignore,
  multistage,
];
