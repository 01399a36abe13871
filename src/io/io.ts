/** File-system side of the tool: reading inputs safely, finding Dockerfiles, atomic writes. */
export {
  decodeDockerfile,
  decodeText,
  describeFsError,
  MAX_INPUT_BYTES,
  readDockerfile,
  readIgnoreFile,
  readContextIgnoreFiles,
  type FileSnapshot,
  type ReadFile,
} from './read.js';
export {
  discover,
  isDockerfileName,
  NOT_DOCKERFILE_EXTENSIONS,
  type Discovered,
} from './discover.js';
export { writeUnit, writeUnits, groupUnits, WriteError, type WriteChange } from './write.js';
export { showPath, oneLine, isInside, repositoryRoot, realDir } from './paths.js';
import * as fs from 'node:fs';
import { writeUnit } from './write.js';

/**
 * Write one file atomically (see write.ts: mode, owner and group kept, a link written through,
 * a read-only file refused). The file is not checked against an earlier read.
 */
export function writeFileAtomic(file: string, content: string): void {
  let before: string | null = null;
  try {
    before = fs.readFileSync(file, 'utf8');
  } catch {
    before = null;
  }
  writeUnit([{ path: file, absolutePath: file, before, after: content }], { cwd: process.cwd() });
}
