/** The layer-waste examples (COPY + chown -R, download-extract-delete) built with real Docker (see examples.ts). */
import { examplesSuite } from './examples.js';

await examplesSuite('layer');
