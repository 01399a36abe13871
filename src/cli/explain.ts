/** `dockerfile-optimizer explain`: the explain library over the files of a session, text or
 * JSON, before and after the fixes (`optimize`). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OptimizeOptions } from '../api.js';
import { Declared } from '../builds.js';
import type { Config } from '../context/config.js';
import { InputError } from '../errors.js';
import {
  contextAfter,
  diskContext,
  explain,
  filesNamedByFix,
  type ExplainResult,
} from '../explain/explain.js';
import { explainJson, formatExplain } from '../explain/format.js';
import { readDockerfile } from '../io/io.js';
import { showPath } from '../io/paths.js';
import { initShellParser } from '../model/shell.js';
import type { Transform } from '../model/types.js';
import { transforms as registry } from '../../transforms/index.js';
import type { ExplainArgs } from './explain-options.js';
import { EXIT_ERROR, PROG, type CliIO } from './io.js';
import { optimizeOptionsFrom } from './options.js';
import { Session, type SessionFile } from './session.js';

function posix(p: string): string {
  return p.split(path.sep).join('/');
}

/** `dockerfile-optimizer explain`: resolves to the exit code (0, or 2 on an error). */
export async function runExplain(
  args: ExplainArgs,
  io: CliIO,
  custom?: readonly Transform[],
): Promise<number> {
  const session = new Session({
    io,
    paths: [args.dockerfile],
    transforms: custom ?? registry,
  });
  for (const e of session.errors) io.stderr(`${PROG}: ${e.path}: ${e.error}\n`);
  if (session.errors.length) return EXIT_ERROR;
  const argsOf = (list: string[]) => {
    const buildArgs: Record<string, string> = {};
    for (const kv of list) {
      const eq = kv.indexOf('=');
      if (eq > 0) buildArgs[kv.slice(0, eq)] = kv.slice(eq + 1);
      else if (io.env[kv] !== undefined) buildArgs[kv] = io.env[kv]!;
    }
    return buildArgs;
  };
  await initShellParser();
  // Build definitions: the declared context, target and args unless given on the command line.
  const declared = await Declared.load([args.dockerfile], io, { context: args.context });
  const docs: unknown[] = [];
  const explainOne = async (f: SessionFile) => {
    const build = declared.settings(f.absolute, args);
    const root = build.context;
    const buildArgs = argsOf(build.buildArg);
    if (!fs.existsSync(root) || !fs.statSync(root).isDirectory())
      throw new InputError(`build context ${args.context}: not a directory`);
    // The ignore files read through links, as fix reads them (unreadable: an error naming it).
    const context = diskContext(root, f.absolute, (abs) =>
      showPath(posix(path.relative(io.cwd, abs)) || abs),
    );
    const edits = args.edit?.map((e) => {
      const abs = path.resolve(io.cwd, e);
      const rel = path.relative(root, abs);
      return fs.existsSync(abs) && !rel.startsWith('..') && !path.isAbsolute(rel) ? posix(rel) : e;
    });
    const { text } = readDockerfile(f.absolute);
    const opts = { edits, target: build.target, buildArgs };
    let after: ExplainResult | null = null;
    let fixes: string[] = [];
    // What `fix` would write: over every declared context (only the fixes right for all).
    const result = args.after
      ? await declared.optimize(f.absolute, {
          ...fixSettings(session.configFor(path.dirname(f.absolute))?.config ?? null, args.unsafe),
          ...(custom ? { transforms: custom } : {}),
          context: args.context ? root : undefined,
          cwd: io.cwd,
        })
      : null;
    const afterContext = result?.changed ? contextAfter(context, result) : null;
    // The representative source edit is never a file the fix starts copying by name.
    const avoid =
      result && afterContext
        ? filesNamedByFix({ text, context }, { text: result.output, context: afterContext })
        : [];
    const before = explain({ text, context, ...opts, avoid });
    if (result && afterContext) {
      fixes = result.fixes.filter((x) => x.applied).map((x) => x.ruleId);
      after = explain({
        text: result.output,
        context: afterContext,
        ...opts,
        edits: before.edits.map((e) => e.path),
      });
      after.edits.forEach((e, i) => (e.kind = before.edits[i]!.kind));
    }
    if (args.format === 'json') {
      const where = {
        path: f.display,
        context: posix(path.relative(io.cwd, root)) || '.',
        ...(build.origin
          ? { build: { origin: build.origin, target: build.target ?? null, buildArgs } }
          : {}),
      };
      docs.push(explainJson(where, before, after, fixes));
    } else {
      if (docs.length) io.stdout('\n');
      docs.push(null);
      if (build.origin) io.stdout(`${f.display}: ${build.origin}\n`);
      io.stdout(formatExplain(f.display, before, after, { target: build.target }));
    }
  };
  const outcomes = await session.each(explainOne, {
    refuseStdin: 'explain needs a Dockerfile on disk (not stdin)',
    fatal: (err) => !(err instanceof InputError) && !(err as { kind?: string }).kind,
    onError: (o) => io.stderr(`${PROG}: ${o.path}: ${o.error}\n`),
  });
  const failed = outcomes.some((o) => o.error !== undefined);
  if (args.format === 'json')
    io.stdout(JSON.stringify({ version: 1, files: docs }, null, 2) + '\n');
  return failed ? 2 : 0;
}

function fixSettings(config: Config | null, unsafe: boolean | undefined): OptimizeOptions {
  return optimizeOptionsFrom({ unsafe }, config);
}
