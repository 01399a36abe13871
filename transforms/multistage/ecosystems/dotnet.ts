/**
 * .NET: the `dotnet publish -o` folder into the aspnet, runtime or runtime-deps image of the
 * sdk's version.
 * Docs: docs/rules/multistage.md.
 */
import type { Instruction, SimpleCommand } from '../../../src/model/types.js';
import {
  cmdName,
  argValues,
  absolute,
  wordValue,
  under,
  findCommand,
  startWords,
  lastBuild,
} from '../shared.js';
import type { Analysis, Outcome, Ecosystem } from '../shared.js';

const isDotnetPublish = (c: SimpleCommand) =>
  cmdName(c) === 'dotnet' && c.args[0]?.value === 'publish';

/** A `dotnet publish` option's value (`-o x`, `-o:x`, `--output=x`), or undefined. */
function dotnetOption(
  a: Analysis,
  instr: Instruction,
  cmd: SimpleCommand,
  names: string[],
): string | null | undefined {
  for (let k = 1; k < cmd.args.length; k++) {
    const v = cmd.args[k]!.value ?? '';
    if (names.includes(v)) {
      const n = cmd.args[k + 1];
      return n ? wordValue(a.model, n.raw, n.value, instr.index) : null;
    }
    for (const name of names)
      if (v.startsWith(`${name}=`) || v.startsWith(`${name}:`)) return v.slice(name.length + 1);
  }
  return undefined;
}

function planDotnet(a: Analysis): Outcome {
  const { model, ctx } = a;
  const { instr, cmd } = findCommand(a, isDotnetPublish).pop()!;
  const at = instr.span.start;
  const out = dotnetOption(a, instr, cmd, ['-o', '--output']);
  if (out === undefined)
    return {
      skip: '`dotnet publish` without `-o`: the output folder depends on the target framework',
      at,
    };
  if (out === null) return { skip: '`dotnet publish -o` is not a literal path', at };
  const outAbs = absolute(model, out.replace(/\/+$/, ''), instr.index);
  if (!outAbs) return { skip: '`dotnet publish -o` is relative and the WORKDIR is not known', at };
  // The start command must run from the publish output.
  const start = startWords(a)!;
  const startAt = model.instructions[start.at]!.span.start;
  const [prog, target] = start.words;
  const runs = prog === 'dotnet' ? target : prog;
  if (!runs || (prog === 'dotnet' && !/\.dll$/.test(runs)))
    return {
      skip: `the start command (${start.words.join(' ')}) does not run a published .dll or app host`,
      at: startAt,
    };
  const runsAbs = absolute(model, runs, start.at);
  if (!runsAbs || !under(runsAbs, outAbs))
    return {
      skip: `the start command runs ${runs}, which is not in the publish output ${out}`,
      at: startAt,
    };
  // Self-contained apps need only the native dependencies (runtime-deps); ASP.NET Core apps
  // need the aspnet image; others the runtime image. Without a project file, aspnet (a superset).
  const values = argValues(cmd);
  const selfContained =
    values.some((v, k) => v === '--self-contained' && values[k + 1] !== 'false') ||
    values.some(
      (v) =>
        /^--self-contained(=|:)?true$/i.test(v ?? '') ||
        /^-p:SelfContained=true$/i.test(v ?? '') ||
        v === '--sc',
    );
  let kind = 'aspnet';
  if (selfContained) kind = 'runtime-deps';
  else {
    const projects = ctx.buildContext.available
      ? ctx.buildContext
          .walk({
            descend: (d) => !/(^|\/)(bin|obj|node_modules|\.git)$/.test(d.path),
            limit: 20000,
            // The same walk for every .NET Dockerfile of the context: once per session.
            key: 'multistage/dotnet-projects',
          })
          .filter((e) => !e.isDirectory && /\.(cs|fs|vb)proj$/.test(e.path))
      : [];
    const texts = projects.map((p) => ctx.buildContext.readFile(p.path) ?? '');
    if (
      texts.length > 0 &&
      texts.every(
        (t) =>
          /<Project\s+Sdk="Microsoft\.NET\.Sdk(\.Worker)?"/.test(t) &&
          !/Microsoft\.AspNetCore\.App/.test(t),
      )
    )
      kind = 'runtime';
  }
  // sdk:8.0.204-alpine3.19 -> aspnet:8.0-alpine3.19 (runtime images are tagged by major.minor).
  const tag = a.image.tag;
  const m = /^(\d+\.\d+)(?:\.\d+)?(.*)$/.exec(tag);
  if (!m) return { skip: `cannot tell the .NET version of ${a.stage.image}`, at };
  const rt = `mcr.microsoft.com/dotnet/${kind}:${m[1]}${m[2]}`;
  return {
    eco: 'dotnet',
    runtimeImage: rt,
    setup: [],
    env: [],
    copies: [{ from: outAbs, dir: true }],
    builderEdits: [],
    message: `the image ships the .NET SDK (${a.stage.image}) and the sources to run the publish output ${out}; publish in a \`builder\` stage and run it on ${rt}.`,
    noteExtra:
      kind === 'aspnet'
        ? undefined
        : kind === 'runtime'
          ? 'No project references ASP.NET Core, so the runtime image has none: check no package needs it.'
          : 'Self-contained publish: runtime-deps has no .NET runtime, only its native dependencies.',
    data: { runtimeImage: rt, output: outAbs },
  };
}

export const dotnet: Ecosystem = {
  id: 'dotnet',
  isBuild: isDotnetPublish,
  detect: (a) => lastBuild(a, isDotnetPublish),
  acceptsBase: (image) => /^mcr\.microsoft\.com\/dotnet\/sdk$/.test(image.repo),
  build: 'dotnet publish',
  plan: planDotnet,
  note: 'Check: files the app reads at run time outside the publish output, native libraries its packages load (ICU, libgdiplus, ...), the user, and the ENTRYPOINT/CMD.',
  builderEnv: (name) =>
    /^(DOTNET_CLI_|NUGET_)/.test(name) || /^DOTNET_(NOLOGO|SKIP_FIRST_TIME_EXPERIENCE)$/.test(name),
};
