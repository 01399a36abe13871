/** The apt-centred examples built with real Docker (see examples.ts). */
import { examplesSuite, GROUPS } from './examples.js';

await examplesSuite(GROUPS.apt);
