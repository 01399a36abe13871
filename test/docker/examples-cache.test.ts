/** The cache, .dockerignore and control examples built with real Docker (see examples.ts). */
import { examplesSuite } from './examples.js';

await examplesSuite('cache');
