/**
 * The errors the tool reports, by who is at fault (each has a `kind` the CLI reads):
 * - InputError: a Dockerfile or file the user gave is bad (one line naming the file, exit 2).
 * - UsageError: the call itself is wrong (unknown option, unknown rule id, missing context).
 * - InternalError: the tool broke its own contract (overlapping edits, output that does not
 *   parse); nothing is written.
 * Imports nothing: every layer may throw them. Re-exported where they were first defined
 * (engine/loop.ts, engine/edit.ts, api.ts) and by the package index.
 */

export class InputError extends Error {
  readonly kind = 'input';
}

export class UsageError extends Error {
  readonly kind = 'usage';
}

export class InternalError extends Error {
  readonly kind = 'internal';
}
