/**
 * dependency-cache/cargo: always an explained skip (caching crates needs a stub source or
 * cargo-chef, not a reorder). See docs/rules/dependency-cache.md.
 */
import type { SimpleCommand } from '../../../src/model/types.js';
import { type Install, type Env, subcommand, has } from '../env.js';

export function cargo(env: Env, cmd: SimpleCommand): Install | null {
  const sub = subcommand(cmd);
  if (!['build', 'install', 'fetch', 'chef'].includes(sub?.value ?? '')) return null;
  if (sub?.value === 'install' && !has(cmd, '--path')) return null;
  return {
    kind: 'cargo',
    cmd,
    needs: [],
    skip: 'cargo compiles dependencies together with the crate and needs its targets; caching them takes a stub source or cargo-chef, not a reorder',
  };
}
