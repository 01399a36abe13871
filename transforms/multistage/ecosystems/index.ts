/**
 * The ecosystems of `multistage`, in detection order: the first whose build the last stage runs
 * is proposed.
 * Docs: docs/rules/multistage.md.
 */
import type { Ecosystem } from '../shared.js';
import { go } from './go.js';
import { rust } from './rust.js';
import { dotnet } from './dotnet.js';
import { java } from './java.js';
import { node } from './node.js';
import { python } from './python.js';
import { c } from './c.js';

/** Detection order: the first ecosystem whose build the stage runs wins. */
export const ECOSYSTEMS: readonly Ecosystem[] = [go, rust, dotnet, java, node, python, c];
