/**
 * dockerfile-optimizer: rewrite Dockerfiles for faster, smaller builds.
 *
 *   import { optimize, optimizeFile, transforms } from 'dockerfile-optimizer';
 */
export {
  optimize,
  optimizeFile,
  optimizeFiles,
  withOptimizeSession,
  clearCaches,
  applyResult,
  UsageError,
} from './api.js';
export type {
  OptimizeOptions,
  OptimizeResult,
  FileChange,
  FixReport,
  SkipReport,
  SuppressReport,
} from './api.js';
export { explain, explainFile, cacheSummary } from './api.js';
export type {
  ExplainOptions,
  ExplainResult,
  ExplainEdit,
  ExplainStep,
  ExplainRerun,
} from './explain/explain.js';
export { transforms } from '../transforms/index.js';
export {
  findBuilds,
  buildsFor,
  optimizeDeclared,
  optimizeDeclaredFiles,
  contextsOf,
  describeContext,
} from './builds.js';
export type {
  BuildDecl,
  BuildSet,
  BuildSource,
  BuildWarning,
  DeclaredOptions,
  DeclaredFilesOptions,
  DeclaredResult,
} from './builds.js';
export { InputError, InternalError } from './errors.js';
export { WriteError, MAX_INPUT_BYTES } from './io/io.js';
export { parseDockerfile } from './model/dockerfile.js';
export { initShellParser } from './model/shell.js';
export { DiskContext, MemoryContext, NoContext } from './context/context.js';
export * from './model/types.js';
