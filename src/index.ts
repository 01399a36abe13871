/**
 * dockerfile-optimizer: rewrite Dockerfiles for faster, smaller builds.
 *
 *   import { optimize, optimizeFile, transforms } from 'dockerfile-optimizer';
 */
export { optimize, optimizeFile, applyResult, UsageError } from './api.js';
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
} from './explain.js';
export { transforms } from './registry.js';
export { InputError } from './engine/loop.js';
export { InternalError } from './engine/edit.js';
export { parseDockerfile } from './parse/dockerfile.js';
export { initShellParser } from './parse/shell.js';
export { DiskContext, MemoryContext, NoContext } from './context.js';
export * from './types.js';
