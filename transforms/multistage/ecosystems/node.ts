/**
 * Node: the build output with production dependencies in `node:<tag>-slim`, or Next.js's
 * standalone server.
 * Docs: docs/rules/multistage.md.
 */
import { copySpec, globToRegExp, isWholeContext } from '../../../src/toolkit/copy.js';
import { normalizePosix } from '../../../src/model/dockerfile.js';
import type {
  CheckContext,
  DockerfileModel,
  Instruction,
  SimpleCommand,
} from '../../../src/model/types.js';
import {
  cmdName,
  argValues,
  isToolchain,
  under,
  stripJsonComments,
  readJson,
  commandsOf,
  findCommand,
  lastCmdInstr,
  startWords,
  lastBuild,
} from '../shared.js';
import type { Analysis, Artifact, Outcome, Ecosystem } from '../shared.js';
import { slimOf, runtimePackages, installLine } from '../runtime.js';

const isNodeBuild = (c: SimpleCommand) => {
  const n = cmdName(c);
  const v = argValues(c);
  if (n === 'npm' || n === 'pnpm')
    return (
      ((v[0] === 'run' || v[0] === 'run-script') && v[1] === 'build') ||
      (n === 'pnpm' && v[0] === 'build')
    );
  if (n === 'yarn') return v[0] === 'build' || (v[0] === 'run' && v[1] === 'build');
  return false;
};

interface NodePm {
  manifests: string[];
  install: string;
  name: 'npm' | 'yarn' | 'pnpm';
}

/** How the builder gets pnpm (`corepack enable`, `npm install -g pnpm@9`), as shell text. */
function pnpmSetup(a: Analysis, before: number): string | null {
  const parts: string[] = [];
  for (const i of a.instrs) {
    if (i.index >= before) break;
    for (const c of commandsOf(i)) {
      const n = cmdName(c);
      const v = argValues(c);
      const corepack =
        n === 'corepack' && ['enable', 'prepare', 'install', 'use'].includes(v[0] ?? '');
      const npmGlobal =
        n === 'npm' &&
        ['install', 'i', 'add'].includes(v[0] ?? '') &&
        v.some((x) => x === '-g' || x === '--global') &&
        v.some((x) => /^pnpm(@|$)/.test(x ?? ''));
      if (corepack || npmGlobal)
        parts.push(
          a.model.text
            .slice(c.span.start, c.span.end)
            .replace(/[\\`]\r?\n\s*/g, ' ')
            .replace(/\s+/g, ' '),
        );
    }
  }
  return parts.length ? parts.join(' && ') : null;
}

function nodePm(
  a: Analysis,
  dir: string,
  pkg: Record<string, unknown>,
  buildAt: number,
): NodePm | { skip: string } {
  const has = (f: string) => a.ctx.buildContext.exists(dir ? `${dir}/${f}` : f);
  const pkgPath = dir ? `${dir}/package.json` : 'package.json';
  // A production install from the root manifests alone cannot resolve workspace packages.
  if (pkg.workspaces !== undefined || has('pnpm-workspace.yaml'))
    return {
      skip: `${has('pnpm-workspace.yaml') ? 'pnpm-workspace.yaml' : `${pkgPath} \`workspaces\``}: a production install needs every workspace package, not only the root manifests`,
    };
  const npmrc = has('.npmrc') ? ['.npmrc'] : [];
  if (has('pnpm-lock.yaml')) {
    const setup = pnpmSetup(a, buildAt);
    if (!setup)
      return {
        skip: 'pnpm-lock.yaml, but no `corepack enable` or `npm install -g pnpm` in the stage: cannot tell how the runtime stage gets pnpm',
      };
    return {
      name: 'pnpm',
      manifests: ['package.json', 'pnpm-lock.yaml', ...npmrc],
      install: `RUN ${setup} && pnpm install --prod --frozen-lockfile`,
    };
  }
  if (has('yarn.lock')) {
    if (has('.yarnrc.yml'))
      return {
        skip: 'Yarn Berry (.yarnrc.yml): no production-install proposal (PnP and `yarn workspaces focus --production` need a plugin or a layout check)',
      };
    return {
      name: 'yarn',
      manifests: ['package.json', 'yarn.lock', ...(has('.yarnrc') ? ['.yarnrc'] : []), ...npmrc],
      install: 'RUN yarn install --production --frozen-lockfile && yarn cache clean',
    };
  }
  if (has('package-lock.json'))
    return {
      name: 'npm',
      manifests: ['package.json', 'package-lock.json', ...npmrc],
      install: 'RUN npm ci --omit=dev && npm cache clean --force',
    };
  return {
    name: 'npm',
    manifests: ['package.json', ...npmrc],
    install: 'RUN npm install --omit=dev && npm cache clean --force',
  };
}

/** The Next.js config's `output` setting: 'standalone', 'export', a skip, or null. */
function nextOutput(ctx: CheckContext, dir: string): string | { skip: string } | null {
  for (const f of ['next.config.js', 'next.config.mjs', 'next.config.cjs', 'next.config.ts']) {
    const text = ctx.buildContext.readFile(dir ? `${dir}/${f}` : f);
    if (text === null) continue;
    const code = stripJsonComments(text);
    const m = /\boutput\s*:\s*(['"`])(\w+)\1/.exec(code);
    if (/\boutputFileTracingRoot\b/.test(code))
      return { skip: `${f} sets outputFileTracingRoot: cannot tell the standalone layout` };
    if (m) return m[2]!;
    if (/\boutput\s*:/.test(code)) return { skip: `${f} sets \`output\` from an expression` };
    return null;
  }
  return null;
}

/** Where scripts.build writes, relative to the package root. */
function nodeOutDir(
  ctx: CheckContext,
  dir: string,
  script: string,
): { out: string; next: boolean } | null {
  const p = (f: string) => (dir ? `${dir}/${f}` : f);
  const flag = /(?:--outDir|--out-dir|--output-path|--outdir)[= ]([^\s&;|]+)/.exec(script);
  if (/\bnext build\b/.test(script)) return { out: '.next', next: true };
  if (flag) return { out: flag[1]!.replace(/^\.\//, '').replace(/\/$/, ''), next: false };
  if (/\btsc\b/.test(script)) {
    const proj =
      /\btsc\b[^&;|]*?(?:-p|--project)[= ]([^\s&;|]+)/.exec(script)?.[1] ?? 'tsconfig.json';
    const cfg = readJson(ctx, p(proj.replace(/^\.\//, '')));
    const opts = cfg?.compilerOptions as Record<string, unknown> | undefined;
    const out = typeof opts?.outDir === 'string' ? opts.outDir : null;
    if (!out || cfg?.extends) return null;
    return { out: out.replace(/^\.\//, '').replace(/\/$/, ''), next: false };
  }
  if (/\bvite build\b/.test(script)) {
    for (const f of ['vite.config.js', 'vite.config.ts', 'vite.config.mjs'])
      if (/outDir/.test(ctx.buildContext.readFile(p(f)) ?? '')) return null;
    return { out: 'dist', next: false };
  }
  if (/\breact-scripts build\b/.test(script)) return { out: 'build', next: false };
  if (/\b(vue-cli-service build|nest build|tsup|parcel build)\b/.test(script))
    return { out: 'dist', next: false };
  return null;
}

function planNode(a: Analysis): Outcome {
  const { model, ctx } = a;
  const build = findCommand(a, isNodeBuild).pop()!;
  const at = build.instr.span.start;
  // The package root in the context: the folder of the COPY that brings package.json, or the
  // context root when the whole context is copied.
  let dir: string | null = null;
  let manifestCopy: { instr: Instruction; sources: string[] } | null = null;
  for (const i of a.instrs) {
    const spec = copySpec(model, i);
    if (!spec || spec.from || spec.heredoc || i.index > build.instr.index) continue;
    const srcs = spec.sources.map((s) => s.value ?? '');
    const pj = srcs.find((s) => /(^|\/)package(\*)?\.json$/.test(s));
    if (pj !== undefined && dir === null) {
      dir = pj.includes('/') ? pj.slice(0, pj.lastIndexOf('/')).replace(/^\.\//, '') : '';
      if (
        srcs.every((s) =>
          /(^|\/)(package(\*|-lock)?\.json|yarn\.lock|pnpm-lock\.yaml|\.npmrc|\.yarnrc)$/.test(s),
        )
      )
        manifestCopy = { instr: i, sources: srcs };
    }
    if (dir === null && srcs.length === 1 && isWholeContext(srcs[0]!)) dir = '';
  }
  if (dir === null) return { skip: 'cannot tell which package.json the build uses', at };
  const pkgPath = dir ? `${dir}/package.json` : 'package.json';
  const pkg = readJson(ctx, pkgPath);
  if (!pkg) return { skip: `${pkgPath} is not in the build context`, at };
  const scripts = (pkg.scripts ?? {}) as Record<string, string>;
  const script = scripts.build;
  if (typeof script !== 'string') return { skip: `${pkgPath} has no scripts.build`, at };
  const outDir = nodeOutDir(ctx, dir, script);
  if (!outDir) return { skip: `cannot tell where \`${script}\` writes its output`, at };
  const wd = model.workdirAt(build.instr.index);
  if (!wd || wd === '/') return { skip: 'the build runs without a WORKDIR', at };
  // The start command must run from the build output.
  const start = startWords(a)!;
  const startAt = a.model.instructions[start.at]!.span.start;
  let words = start.words;
  const runsScript = /^(npm|yarn|pnpm)$/.test(words[0] ?? '')
    ? words.find((w, k) => k > 0 && w !== 'run' && !w.startsWith('-'))
    : null;
  if (runsScript) {
    const s = scripts[runsScript];
    if (typeof s !== 'string') return { skip: `scripts.${runsScript} is missing`, at: startAt };
    words = s.split(/\s+/);
  }
  const outAbs = normalizePosix(`${wd}/${outDir.out}`);
  const runsNext = words.includes('next') && words.includes('start');
  const output = outDir.next ? nextOutput(ctx, dir) : null;
  if (output !== null && typeof output !== 'string') return { ...output, at };
  // System packages: kept in the runtime stage, except what node-gyp builds native modules
  // with (compilers, python3). The runtime's own production install would need those too, so
  // with them only the standalone output (no install there) is proposed.
  const nodeGyp = (p: string) => /^(python3?|py3-pip|py3-setuptools)$/.test(p);
  const pkgs = runtimePackages(a, nodeGyp);
  if (!Array.isArray(pkgs)) return { ...pkgs, at };
  const setup = installLine(a, pkgs);
  if (output === 'standalone')
    return planNextStandalone(a, dir, wd, words, runsNext, startAt, setup);
  const gyp = a.packages.filter((p) => isToolchain(p) || nodeGyp(p));
  if (gyp.length)
    return {
      skip: `the stage installs ${gyp.join(', ')} to build native modules: the runtime stage's production install would need them too`,
      at,
    };
  if (output === 'export')
    return { skip: "Next.js static export (`output: 'export'`): serve out/ with a web server", at };
  const files = words.filter(
    (w) => /\.(m|c)?[jt]sx?$/.test(w) || w.includes('/') || w === outDir.out,
  );
  if (
    outDir.next
      ? !runsNext
      : files.length === 0 ||
        files.some((f) => !under(normalizePosix(f.startsWith('/') ? f : `${wd}/${f}`), outAbs))
  )
    return {
      skip: `the start command (${words.join(' ')}) does not run from the build output ${outDir.out}/`,
      at: startAt,
    };
  const pm = nodePm(a, dir, pkg, build.instr.index);
  if ('skip' in pm) return { ...pm, at };
  // next start writes its cache to .next/cache: owned by `node` (see planNextStandalone).
  const copies: Artifact[] = [
    { from: outAbs, dir: true, ...(outDir.next ? { chown: 'node:node' } : {}) },
  ];
  if (outDir.next) {
    const p = (f: string) => (dir ? `${dir}/${f}` : f);
    if (ctx.buildContext.isDirectory(p('public'))) copies.push({ from: `${wd}/public`, dir: true });
    for (const f of ['next.config.js', 'next.config.mjs', 'next.config.cjs', 'next.config.ts'])
      if (ctx.buildContext.exists(p(f))) copies.push({ from: `${wd}/${f}`, dir: false });
  }
  // The author's manifest COPY when it brings every manifest the install reads.
  const covers = (m: string) =>
    manifestCopy!.sources.some((s) =>
      globToRegExp(s.replace(/^\.\//, '')).test(dir ? `${dir}/${m}` : m),
    );
  const manifests =
    manifestCopy && pm.manifests.every(covers)
      ? manifestText(model, manifestCopy.instr)
      : [`COPY ${pm.manifests.map((m) => (dir ? `${dir}/${m}` : m)).join(' ')} ./`];
  return {
    eco: 'node',
    runtimeImage: slimOf(a, 'node'),
    setup,
    deps: [...manifests, pm.install],
    env: [],
    copies,
    builderEdits: [],
    message: `the image keeps devDependencies and the sources next to the ${outDir.out}/ build output; build in a \`builder\` stage and run ${outDir.out}/ on ${slimOf(a, 'node')} with production dependencies only.`,
    data: { runtimeImage: slimOf(a, 'node'), output: outAbs, packageManager: pm.name },
  };
}

/**
 * Next.js `output: 'standalone'`: `next build` writes a self-contained server with the
 * node_modules it traced to .next/standalone; the runtime stage needs that, .next/static and
 * public/ (the layout of Next.js's own Docker example), and no package install.
 */
function planNextStandalone(
  a: Analysis,
  dir: string,
  wd: string,
  words: string[],
  runsNext: boolean,
  startAt: number,
  setup: string[],
): Outcome {
  const { ctx } = a;
  if (lastCmdInstr(a.instrs, 'ENTRYPOINT'))
    return {
      skip: 'Next.js standalone output with an ENTRYPOINT: the start command becomes `node server.js`; change it by hand',
      at: startAt,
    };
  const env: string[] = [];
  let host = '0.0.0.0';
  const serverJs = words.some((w) => /(^|\/)\.next\/standalone\/server\.js$/.test(w));
  if (runsNext) {
    const rest = words.slice(words.indexOf('start') + 1);
    for (let k = 0; k < rest.length; k++) {
      const w = rest[k]!;
      const eq = /^(--port|-p|--hostname|-H)=(.+)$/.exec(w);
      const [flag, value] = eq ? [eq[1]!, eq[2]!] : [w, rest[++k]];
      if (!value || !/^(--port|-p|--hostname|-H)$/.test(flag))
        return {
          skip: `the start command (${words.join(' ')}) passes options the standalone server.js does not take`,
          at: startAt,
        };
      if (flag === '-p' || flag === '--port') env.push(`ENV PORT=${value}`);
      else host = value;
    }
  } else if (!serverJs)
    return {
      skip: `the start command (${words.join(' ')}) does not run \`next start\` or the standalone server.js`,
      at: startAt,
    };
  // server.js listens on $HOSTNAME, which Docker sets to the container id: listen everywhere.
  env.unshift(`ENV HOSTNAME="${host}"`);
  // Owned by the image's `node` user (as in Next.js's Docker example): the server writes its
  // cache to .next/cache, which a root-owned copy would refuse to a non-root user.
  const copies: Artifact[] = [
    { from: `${wd}/.next/standalone`, dir: true, to: `${wd}/`, chown: 'node:node' },
    { from: `${wd}/.next/static`, dir: true, to: `${wd}/.next/static`, chown: 'node:node' },
  ];
  if (ctx.buildContext.isDirectory(dir ? `${dir}/public` : 'public'))
    copies.push({ from: `${wd}/public`, dir: true, to: `${wd}/public` });
  const rt = slimOf(a, 'node');
  return {
    eco: 'node',
    runtimeImage: rt,
    setup,
    env,
    copies,
    cmd: 'CMD ["node", "server.js"]',
    builderEdits: [],
    message: `the image keeps node_modules, devDependencies and the sources although \`output: 'standalone'\` makes next build write a self-contained server; build in a \`builder\` stage and run .next/standalone on ${rt} with \`node server.js\` (no install in the runtime stage).`,
    noteExtra:
      'The CMD becomes `node server.js` (HOSTNAME/PORT set by ENV); files the server reads outside .next/standalone, .next/static and public/ must be copied too.',
    data: { runtimeImage: rt, output: `${wd}/.next/standalone`, standalone: true },
  };
}

/** The manifest COPY as the author wrote it, without a --chown that may name a builder user. */
function manifestText(model: DockerfileModel, instr: Instruction): string[] {
  let text = model.text.slice(instr.span.start, instr.span.end);
  for (const f of [...instr.flags].reverse())
    if (f.name === 'chown' && !/^node(:|$)/.test(f.value ?? '')) {
      const from = f.span.start - instr.span.start;
      const rest = text.slice(f.span.end - instr.span.start);
      text = text.slice(0, from) + rest.replace(/^[ \t]+/, '');
    }
  return text.split(/\r?\n/);
}

export const node: Ecosystem = {
  id: 'node',
  isBuild: isNodeBuild,
  detect: (a) => lastBuild(a, isNodeBuild),
  acceptsBase: (image) => image.repo === 'node',
  build: 'a Node build',
  plan: planNode,
  note: 'Check: files the app reads at run time outside the build output, native modules (built against the builder image), the user, and the start command.',
  // The runtime stage installs packages too: npm/yarn/pnpm settings are carried.
  builderEnv: (name, value) => name === 'NODE_ENV' && value !== null && value !== 'production',
};
