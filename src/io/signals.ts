/**
 * SIGINT/SIGTERM during the write phase: temporary and backup files of the tool are removed, the
 * Dockerfile being written is finished as a unit (its writes are synchronous, so a signal is
 * handled between two Dockerfiles), and the writing stops there.
 */
import * as fs from 'node:fs';

/** Temporary files that exist right now (removed on a signal, on exit, or when done). */
const live = new Set<string>();

export function track(file: string): void {
  live.add(file);
}

export function untrack(file: string): void {
  live.delete(file);
}

/** Remove every tracked temporary file (best effort). */
export function removeTracked(): void {
  for (const f of live) {
    try {
      fs.unlinkSync(f);
    } catch {
      /* already gone */
    }
    live.delete(f);
  }
}

export interface SignalGuard {
  /** The signal received since the guard was set, or null. */
  interrupted(): NodeJS.Signals | null;
  release(): void;
}

/**
 * Catch SIGINT and SIGTERM until `release()`: instead of dying in the middle of a write, the
 * process notes the signal (and removes temporary files); the writer checks `interrupted()`
 * between Dockerfiles and stops.
 */
export function guardSignals(): SignalGuard {
  let got: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    got ??= sig;
    removeTracked();
  };
  const onExit = () => removeTracked();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);
  return {
    interrupted: () => got,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('exit', onExit);
    },
  };
}

/** Exit code of a process stopped by a signal (128 + its number, as a shell reports it). */
export function signalExitCode(sig: NodeJS.Signals): number {
  return 128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1);
}
