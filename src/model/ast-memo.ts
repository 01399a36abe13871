/**
 * dockerfile-ast recomputes an instruction's arguments on every call of `getRawArguments()`
 * (a character loop building a string per character and a Position per bound), and calls it
 * itself about five times while it constructs a RUN/COPY/ADD/CMD/ENTRYPOINT/... instruction
 * (getRawArgumentsContent, getArguments, getArgumentsRange, getFlags), plus once per
 * `getHeredocs()`; it was the largest allocator of a corpus run. An instruction's document and
 * range never change after construction (`Line.range` is set once in its constructor), so the
 * result is computed once per instruction and each call gets a fresh copy of the array (callers
 * such as ModifiableInstruction.getArguments shift flags off it). The Argument objects are
 * shared; dockerfile-ast never mutates them.
 */
import { Instruction } from 'dockerfile-ast';

const MEMO = Symbol('dfo.rawArguments');
/** The private method as it is at run time (dockerfile-ast 0.7's typings hide it). */
interface WithRawArguments {
  getRawArguments(): unknown[];
  [MEMO]?: unknown[];
}

let installed = false;

/** Install the memo on dockerfile-ast's Instruction (idempotent). */
export function memoizeRawArguments(): void {
  if (installed) return;
  installed = true;
  const proto = Instruction.prototype as unknown as WithRawArguments;
  const compute = proto.getRawArguments;
  if (typeof compute !== 'function') return; // another dockerfile-ast: leave it as it is
  proto.getRawArguments = function (this: WithRawArguments) {
    let args = this[MEMO];
    if (!args) {
      args = compute.call(this);
      this[MEMO] = args;
    }
    return args.slice();
  };
}
