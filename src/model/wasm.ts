/**
 * Loading the tree-sitter grammars (WebAssembly) with V8's baseline compiler only.
 *
 * V8 first compiles WebAssembly with Liftoff (fast, no optimization) and recompiles the functions
 * that run often with TurboFan in a background thread. tree-sitter-bash has one function of
 * 160 KB of code (its lexer): TurboFan takes about 3 s of CPU and 60 MB of allocations (20 MB at
 * once) for it, soon after the first few dozen RUN bodies are parsed, and the C allocator keeps
 * that memory as resident for the rest of the process (about 35 MiB of RSS). Parsing with the
 * Liftoff code is not measurably slower for this tool (its time goes to JavaScript), so the
 * grammars are compiled while `--liftoff-only` is set: V8 decides the tiers of a module when it
 * compiles it, so those modules stay on Liftoff and the flag is reset right after (other
 * WebAssembly of the process still tiers up, unless compiled in that window). A process started
 * with its own WebAssembly tier flags (in its arguments or NODE_OPTIONS) is left alone.
 */
import * as v8 from 'node:v8';

const TIER_FLAG = /^--(no-)?(liftoff|liftoff-only|wasm-tier-up|wasm-dynamic-tiering)(=|$)/;

/** Whether the process was started with its own WebAssembly tier flags. */
function userTiers(): boolean {
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return args.some((a) => TIER_FLAG.test(a.replace(/_/g, '-')));
}

let depth = 0;

/** Run `load` (which compiles WebAssembly modules) with `--liftoff-only` set. */
export async function withBaselineWasm<T>(load: () => Promise<T>): Promise<T> {
  if (userTiers()) return load();
  if (depth++ === 0) v8.setFlagsFromString('--liftoff-only');
  try {
    return await load();
  } finally {
    if (--depth === 0) v8.setFlagsFromString('--no-liftoff-only');
  }
}
