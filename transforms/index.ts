/** Every built-in transform, in the order the engine runs them (earlier wins on overlap). */
import { transform as packageHygiene } from './package-hygiene/index.js';
import { transform as dependencyCache } from './dependency-cache/index.js';
import { transform as dockerignore } from './dockerignore/index.js';
import { transform as multistage } from './multistage/index.js';
import { transform as layerWaste } from './layer-waste/index.js';
import type { Transform } from '../src/model/types.js';

export const transforms: readonly Transform[] = [
  packageHygiene,
  dependencyCache,
  dockerignore,
  multistage,
  layerWaste,
];
