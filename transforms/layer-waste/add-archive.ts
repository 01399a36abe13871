/**
 * `layer-waste/add-archive`: `ADD <url> <file>` and then a RUN that extracts the file and removes
 * it. ADD's layer keeps the archive whatever the RUN removes. Review fix: the RUN downloads it
 * itself (curl or wget, when the image is known to have one), so the archive never reaches a
 * layer.
 */
import { copyDestination, copySpec } from '../../src/toolkit/copy.js';
import type { Instruction } from '../../src/model/types.js';
import {
  chainOf,
  earlier,
  fix,
  line,
  nameOf,
  removeLines,
  rootImage,
  shellPath,
  skip,
  touches,
  type Ctx,
} from './shared.js';

const KIND = 'add-archive';

const EXTRACT = new Set(['tar', 'unzip', 'gunzip', 'xz', 'bunzip2', 'dpkg', 'sh', 'bash']);

/** `curl` or `wget` as the image has it before instruction `at`, or null. */
function fetcher(c: Ctx, at: Instruction): 'curl' | 'wget' | null {
  for (const i of earlier(c.model, at.index)) {
    for (const cmd of i.shell?.commands ?? []) {
      const n = nameOf(cmd);
      if (!(n === 'apt-get' || n === 'apt' || n === 'apk' || n === 'dnf' || n === 'yum')) continue;
      const vals = cmd.args.map((a) => a.value);
      if (!vals.some((v) => v === 'install' || v === 'add')) continue;
      if (vals.includes('curl')) return 'curl';
      if (vals.includes('wget')) return 'wget';
    }
  }
  const image = rootImage(c.model, at.index) ?? '';
  const m = /^(?:docker\.io\/)?(?:library\/)?([a-z0-9._-]+)(?::([^@]+))?/.exec(image);
  if (!m) return null;
  const [, name, tag = 'latest'] = m;
  if (name === 'alpine' || tag.includes('alpine')) return 'wget'; // BusyBox wget
  if (name === 'buildpack-deps' && !tag.includes('scm') && !tag.includes('curl')) return 'curl';
  if (['buildpack-deps'].includes(name!)) return 'curl';
  if (['python', 'node', 'golang', 'ruby', 'openjdk', 'rust'].includes(name!) && !/slim/.test(tag))
    return 'curl';
  return null;
}

export function checkAddArchive(c: Ctx): void {
  const { model } = c;
  for (const add of model.instructions) {
    if (add.keyword !== 'ADD' || add.stage < 0) continue;
    const spec = copySpec(model, add);
    if (!spec || spec.sources.length !== 1 || spec.heredoc) continue;
    const url = spec.sources[0]!.value;
    if (!url || !/^https?:\/\//.test(url)) continue;
    const d = copyDestination(model, spec);
    if (!d) continue;
    const file = d.intoDir
      ? `${d.dest}/${url.slice(url.lastIndexOf('/') + 1).replace(/[?#].*$/, '')}`
      : d.dest;
    // The first later instruction of the stage that uses the file.
    const stage = model.stages[add.stage]!;
    let run: Instruction | null = null;
    for (let j = add.index + 1; j <= stage.last && !run; j++) {
      const i = model.instructions[j]!;
      if (touches(model, i, file)) run = i;
    }
    if (!run || run.keyword !== 'RUN' || !run.shell) continue;
    const cmds = run.shell.commands;
    const extracts = cmds.some(
      (cmd) =>
        EXTRACT.has(nameOf(cmd) ?? '') && cmd.args.some((a) => shellPath(model, run!, a) === file),
    );
    const removes = cmds.some(
      (cmd) => nameOf(cmd) === 'rm' && cmd.args.some((a) => shellPath(model, run!, a) === file),
    );
    if (!extracts || !removes) continue;
    const what = `the archive ADD fetches on line ${line(add)} (${file}) is extracted and removed on line ${line(run)}, but ADD's layer keeps it`;
    if (add.flags.length) {
      skip(
        c,
        KIND,
        add,
        `${what}; the ADD has flags (${add.flags.map((f) => `--${f.name}`).join(', ')}) a download in RUN would have to reproduce`,
      );
      continue;
    }
    const ch = chainOf(run);
    if ('why' in ch) {
      skip(c, KIND, add, `${what}; ${ch.why}`);
      continue;
    }
    const user = earlier(model, run.index)
      .filter((i) => i.keyword === 'USER')
      .pop();
    if (user && !['root', '0'].includes((user.args[0]?.value ?? '').split(':')[0]!)) {
      skip(
        c,
        KIND,
        add,
        `${what}; the RUN runs as \`${user.args[0]?.raw}\`, which may not write ${file}`,
      );
      continue;
    }
    const tool = fetcher(c, run);
    if (!tool) {
      skip(
        c,
        KIND,
        add,
        `${what}; the image is not known to have curl or wget before line ${line(run)} to download it in the RUN`,
      );
      continue;
    }
    const urlRaw = spec.sources[0]!.raw;
    const get =
      tool === 'curl' ? `curl -fsSL -o ${file} ${urlRaw}` : `wget -q -O ${file} ${urlRaw}`;
    const first = run.shell.statements[0]!.items[0]!;
    fix(c, KIND, add, {
      message: `${what}: download it in the RUN with ${tool} so it never reaches a layer`,
      applicability: 'review',
      edits: [
        removeLines(model, add),
        { start: first.span.start, end: first.span.start, text: `${get} && ` },
      ],
      note: `the RUN now needs network access and ${tool}; ADD's cache check of the URL is gone (the RUN's cache key is its text)`,
      data: { url, file, tool },
    });
  }
}
