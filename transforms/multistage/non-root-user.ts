/**
 * `multistage/non-root-user`: the last stage of a multi-stage build that copies from another
 * stage and sets no USER gets one (the base image's own user, or a new one), unless something
 * the stage runs needs root (the Docker socket, low ports, root daemons, a VOLUME, ...).
 * Docs: docs/rules/multistage.md.
 */
import { indentOf, insertLinesAfter } from '../../src/toolkit/edits.js';
import { copySpec } from '../../src/toolkit/copy.js';
import type { DockerfileModel, Finding, Instruction } from '../../src/model/types.js';
import {
  ID,
  parseImage,
  cmdName,
  stageInstrs,
  wordValue,
  commandWords,
  commandsOf,
  lastCmdInstr,
} from './shared.js';

/**
 * Network daemons whose default port is below 1024: a non-root user cannot bind it unless the
 * stage configures a port of 1024 or more (EXPOSE, a *PORT ENV, a port flag). haproxy and envoy
 * have no built-in port; their configuration file usually binds 80/443.
 */
const LOW_PORT_DAEMONS: Record<string, string> = {
  coredns: 'port 53 (DNS)',
  dnsmasq: 'port 53 (DNS)',
  named: 'port 53 (DNS)',
  unbound: 'port 53 (DNS)',
  pomerium: 'port 443',
  caddy: 'ports 80 and 443',
  traefik: 'port 80',
  haproxy: 'the ports of its configuration file (usually 80/443)',
  envoy: 'the ports of its configuration file (usually 80/443)',
};

/**
 * Programs that need root whatever their port: they start as root and drop privileges
 * themselves, or write root-owned paths by default.
 */
const ROOT_PROGRAMS: Record<string, string> = {
  nginx:
    'nginx binds port 80 and writes its pid file and temp folders in root-owned paths (/run, /var/cache/nginx, /var/lib/nginx) by default',
  httpd: 'httpd starts as root to bind port 80 and then switches to its own user',
  apache2: 'apache2 starts as root to bind port 80 and then switches to www-data',
  apachectl: 'apachectl starts Apache as root to bind port 80; it then switches to its own user',
  apache2ctl: 'apache2ctl starts Apache as root to bind port 80; it then switches to www-data',
  sshd: 'sshd needs root for port 22, its host keys and privilege separation',
  postfix: 'postfix binds port 25 and its master process runs as root',
  dovecot: 'dovecot binds ports 143/993 and its master process runs as root',
  supervisord: 'supervisord starts as root to run each program as the user its config names',
  cron: 'cron runs as root to start jobs as their users',
  crond: 'crond runs as root to start jobs as their users',
  gosu: 'the start command switches user itself with gosu, which needs root',
  'su-exec': 'the start command switches user itself with su-exec, which needs root',
};

/**
 * Agents that need root by default (kept small; node-exporter is not one: its own image runs as
 * `nobody`).
 */
const ROOT_AGENTS: Record<string, string> = {
  consul:
    'a consul agent writes its -data-dir, and its official image starts as root to chown it before switching to the consul user',
  vault:
    'a vault server locks its memory (mlock, needs IPC_LOCK) and writes its storage, and its official image starts as root to set that up',
  nomad: 'a nomad client agent runs task drivers that need root (the agent must run as root)',
  watchtower:
    'watchtower talks to the Docker daemon through /var/run/docker.sock, which only root (or the docker group) may use',
  cadvisor: 'cadvisor reads host paths (/sys, /var/lib/docker, /rootfs) that only root may read',
  telegraf:
    'its official image starts telegraf as root to grant it the capabilities of its inputs (ping, sockets) before switching users',
};

/** `table[key]` for the table's own keys only (not `constructor`, `toString`, ...). */
function own(table: Record<string, string>, key: string): string | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** CMD words that make an ENTRYPOINT image a command-line tool. */
const HELP_ARGS = new Set(['--help', '-h', 'help', '--version']);

/** Ports the stage names: EXPOSE, *PORT(S)/*URLS in ENV, port flags in CMD/ENTRYPOINT. Null
 * port = not known (a variable without a value). */
function stagePorts(
  model: DockerfileModel,
  instrs: Instruction[],
): { port: number | null; what: string }[] {
  const out: { port: number | null; what: string }[] = [];
  for (const i of instrs) {
    if (i.keyword === 'EXPOSE') {
      for (const w of i.args) {
        const v = wordValue(model, w.raw, w.value, i.index);
        const n = v === null ? NaN : Number(/^(\d+)/.exec(v)?.[1] ?? NaN);
        if (Number.isNaN(n)) out.push({ port: null, what: `EXPOSE ${w.raw} (port not known)` });
        else out.push({ port: n, what: `EXPOSE ${n}` });
      }
    }
    if (i.keyword === 'ENV') {
      for (const m of i.logical.text.matchAll(/\b([A-Z_]*PORTS?)[= ]"?(\d+)/g))
        out.push({ port: Number(m[2]), what: `${m[1]}=${m[2]}` });
      // ASPNETCORE_URLS=http://+:80, ASPNETCORE_HTTP_PORTS=80 and the like.
      for (const u of i.logical.text.matchAll(/\b([A-Z_]*URLS)[= ]"?[^\s"]*?:(\d+)\b/g))
        out.push({ port: Number(u[2]), what: `${u[1]} binds port ${u[2]}` });
    }
    if (i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT') {
      const text = commandWords(model, i).join(' ');
      // --port 80, -p 80, -dns.port=53, --http-port=8080, --listen :443, 0.0.0.0:8000
      for (const m of text.matchAll(/(?:\bport[= ]|(?:^|\s)-p[= ]?|:)(\d{1,5})\b/gi))
        out.push({ port: Number(m[1]), what: `${i.keyword} binds port ${m[1]}` });
    }
  }
  return out;
}

function lowPort(model: DockerfileModel, instrs: Instruction[]): string | null {
  const p = stagePorts(model, instrs).find((x) => x.port === null || x.port < 1024);
  return p ? p.what : null;
}

/** The program the container starts: ENTRYPOINT + CMD, past tini/dumb-init and `sh -c`. */
function startProgram(model: DockerfileModel, instrs: Instruction[]): string {
  const ep = lastCmdInstr(instrs, 'ENTRYPOINT');
  const cmd = lastCmdInstr(instrs, 'CMD');
  let words = [
    ...(ep ? commandWords(model, ep) : []),
    ...(cmd && (!ep || ep.json) ? commandWords(model, cmd) : []),
  ];
  let wrapped = false;
  for (;;) {
    const name = (words[0] ?? '').split('/').pop()!;
    if (/^(tini|tini-static|dumb-init|exec)$/.test(name)) {
      words = words.slice(1);
      wrapped = true;
    } else if (/^(sh|bash|ash|dash)$/.test(name) && words[1] === '-c')
      words = words.slice(2).join(' ').split(/\s+/);
    // tini/dumb-init options and `--` before the program.
    else if (wrapped && words[0]?.startsWith('-')) words = words.slice(1);
    else return name;
  }
}

/** `useradd`/`adduser` options that take the next word as their value (shadow, busybox, Debian). */
const USERADD_VALUE_OPTIONS = new Set([
  ...[
    '-b',
    '-c',
    '-d',
    '-e',
    '-f',
    '-g',
    '-G',
    '-k',
    '-K',
    '-p',
    '-R',
    '-P',
    '-s',
    '-u',
    '-Z',
    '-h',
  ],
  ...['--base-dir', '--comment', '--home-dir', '--home', '--expiredate', '--inactive', '--gid'],
  ...['--groups', '--skel', '--key', '--password', '--root', '--prefix', '--shell', '--uid'],
  ...['--selinux-user', '--ingroup', '--gecos', '--firstuid', '--lastuid', '--conf'],
]);

/**
 * The user the stage's RUNs create with useradd/adduser (the login is their first operand): the
 * one the app should run as. Several users: the one a `chown` of the stage names. A skip when
 * a name is not literal or several users remain.
 */
function stageUser(
  model: DockerfileModel,
  instrs: Instruction[],
): { name: string; instr: Instruction } | { skip: string; instr: Instruction } | null {
  const created: { name: string | null; instr: Instruction }[] = [];
  const chowned: string[] = [];
  for (const instr of instrs)
    for (const c of commandsOf(instr)) {
      const cmd = cmdName(c);
      const words = c.args.map((w) => w.value);
      if (cmd === 'chown')
        for (const w of words) if (w && !w.startsWith('-')) chowned.push(w.split(/[:.]/)[0]!);
      if (cmd !== 'useradd' && cmd !== 'adduser') continue;
      let name: string | null | undefined;
      for (let k = 0; k < words.length && name === undefined; k++) {
        const w = words[k];
        if (w === null) name = null;
        else if (USERADD_VALUE_OPTIONS.has(w!)) k++;
        else if (!w!.startsWith('-')) name = w;
      }
      if (name !== undefined) created.push({ name, instr });
    }
  if (created.length === 0) return null;
  const unknown = created.find((u) => u.name === null);
  if (unknown)
    return {
      skip: `the stage creates a user whose name is not a literal (line ${unknown.instr.line + 1}): set USER to it by hand`,
      instr: unknown.instr,
    };
  const names = [...new Set(created.map((u) => u.name!))];
  const pick = names.length === 1 ? names : names.filter((n) => chowned.includes(n));
  if (pick.length !== 1)
    return {
      skip: `the stage creates several users (${names.join(', ')}): cannot tell which one runs the app`,
      instr: created[0]!.instr,
    };
  return { name: pick[0]!, instr: created.find((u) => u.name === pick[0])!.instr };
}

export function checkUser(model: DockerfileModel): Finding[] {
  if (model.stages.length < 2) return [];
  const stage = model.stages[model.stages.length - 1]!;
  if (stage.fromStage !== null || stage.resolvedImage === null) return [];
  const instrs = stageInstrs(model, stage);
  const copiesFromStage = instrs.some((i) => {
    const spec = copySpec(model, i);
    return (
      !!spec?.from &&
      model.stages.some(
        (s) => s.index < stage.index && (s.name === spec.from || String(s.index) === spec.from),
      )
    );
  });
  if (!copiesFromStage || instrs.some((i) => i.keyword === 'USER')) return [];
  const { repo, tag } = parseImage(stage.resolvedImage);
  const ruleId = `${ID}/non-root-user`;
  const from = instrs[0]!;
  if (repo === 'scratch' || /nonroot/.test(tag)) return [];
  // Only app images: a stage that runs something.
  const run = [...instrs].reverse().find((i) => i.keyword === 'ENTRYPOINT' || i.keyword === 'CMD');
  if (!run) return [];
  let lines: string[];
  let who: string;
  // A user the stage creates itself (and gives its folders): run as that one.
  const existing = stageUser(model, instrs);
  if (existing && 'name' in existing) {
    lines = [`USER ${existing.name}`];
    who = `\`${existing.name}\`, the user the stage already creates,`;
  } else if (existing) {
    lines = [];
    who = '';
  } else if (repo === 'node') {
    lines = ['USER node'];
    who = 'the image’s `node` user';
  } else if (
    /^mcr\.microsoft\.com\/dotnet\/(aspnet|runtime|runtime-deps)$/.test(repo) &&
    Number(/^(\d+)\./.exec(tag)?.[1] ?? 0) >= 8
  ) {
    lines = ['USER app'];
    who = 'the image’s `app` user (uid 1654, .NET 8 and later)';
  } else if (repo.startsWith('gcr.io/distroless/')) {
    lines = ['USER nonroot:nonroot'];
    who = 'distroless’s `nonroot` user (uid 65532)';
  } else if (
    repo === 'alpine' ||
    (['python', 'eclipse-temurin'].includes(repo) && /alpine/.test(tag))
  ) {
    lines = ['RUN adduser -D app-runner-user', 'USER app-runner-user'];
    who = 'a new `app-runner-user`';
  } else if (['debian', 'ubuntu', 'python', 'eclipse-temurin', 'ruby', 'php'].includes(repo)) {
    lines = ['RUN useradd --create-home app-runner-user', 'USER app-runner-user'];
    who = 'a new `app-runner-user`';
  } else return [];
  const skip = (reason: string, at: number, info = false): Finding[] => [
    { ruleId, reason, at, ...(info ? { info: true } : {}) },
  ];
  // The Docker socket belongs to root (or the docker group): a new user cannot use it.
  const sock = instrs.find((i) =>
    /docker\.sock\b/.test(model.text.slice(i.span.start, i.span.end)),
  );
  if (sock)
    return skip(
      `the stage uses the Docker socket (line ${sock.line + 1}: docker.sock), which only root or the docker group may use`,
      sock.span.start,
    );
  const prog = startProgram(model, instrs);
  if (own(ROOT_AGENTS, prog))
    return skip(`\`${prog}\` needs root by default: ${own(ROOT_AGENTS, prog)}`, run.span.start);
  if (own(ROOT_PROGRAMS, prog)) return skip(own(ROOT_PROGRAMS, prog)!, run.span.start);
  const low = lowPort(model, instrs);
  if (low) return skip(`${low}: a non-root user cannot bind ports below 1024`, from.span.start);
  if (own(LOW_PORT_DAEMONS, prog) && !stagePorts(model, instrs).some((p) => (p.port ?? 0) >= 1024))
    return skip(
      `\`${prog}\` listens on ${own(LOW_PORT_DAEMONS, prog)} by default and the stage configures no port of 1024 or more (EXPOSE, ENV, a port flag): a non-root user cannot bind it`,
      run.span.start,
    );
  // A command-line tool (ENTRYPOINT, CMD only `--help` or none, no port named anywhere, no
  // HEALTHCHECK) is run on files mounted from the host: the user is the caller's choice.
  const ep = lastCmdInstr(instrs, 'ENTRYPOINT');
  const cmd = lastCmdInstr(instrs, 'CMD');
  if (
    ep &&
    stagePorts(model, instrs).length === 0 &&
    !instrs.some((i) => i.keyword === 'HEALTHCHECK')
  ) {
    const cmdWords = cmd ? commandWords(model, cmd) : [];
    if (!cmd || (cmdWords.length === 1 && HELP_ARGS.has(cmdWords[0]!)))
      return skip(
        `a command-line tool (ENTRYPOINT ${cmd ? `with CMD ${cmdWords[0]}` : 'without CMD'}, no port, no HEALTHCHECK): it works on files mounted from the host, so the user is left to \`docker run --user\``,
        ep.span.start,
        true,
      );
  }
  // corepack keeps the package manager it downloads in the home of the user that ran it: as
  // another user, `pnpm start` would download it again when the container starts. Reported on
  // the first corepack RUN of the file: the stage's own one may be text this transform has just
  // written (the runtime stage of a split), where the engine does not show it.
  const corepack = instrs.find((i) => commandsOf(i).some((c) => cmdName(c) === 'corepack'));
  const firstCorepack = model.instructions.find((i) =>
    commandsOf(i).some((c) => cmdName(c) === 'corepack'),
  );
  if (corepack && firstCorepack && /^(pnpm|yarn)$/.test(prog))
    return skip(
      `the start command runs ${prog} through corepack, which keeps the ${prog} it downloads in root's home: a new user would download it again when the container starts; run node directly first`,
      firstCorepack.span.start,
    );
  const vol = instrs.find((i) => i.keyword === 'VOLUME');
  if (vol) return skip('VOLUME: a non-root user may not be able to write to it', vol.span.start);
  if (existing && 'skip' in existing) return skip(existing.skip, existing.instr.span.start);
  // USER after the last RUN/COPY/ADD (the files are in place), else right after FROM. The RUN
  // that creates the user goes before the stage's first COPY/ADD (after the instruction before
  // it, so a comment above the COPY stays with it): copied files change on every source edit,
  // and a RUN after them would re-run each time.
  let anchor = from;
  for (const i of instrs)
    if (['RUN', 'COPY', 'ADD', 'WORKDIR', 'ENV', 'ARG', 'LABEL'].includes(i.keyword)) anchor = i;
  const indent = indentOf(model, from);
  const insertAfter = (after: Instruction, add: string[]) =>
    insertLinesAfter(model, after, add, indent);
  const firstCopy = instrs.findIndex((i) => i.keyword === 'COPY' || i.keyword === 'ADD');
  const early = lines.length > 1 && firstCopy > 0 ? instrs[firstCopy - 1]! : null;
  const edits =
    early && early !== anchor
      ? [insertAfter(early, lines.slice(0, -1)), insertAfter(anchor, lines.slice(-1))]
      : [insertAfter(anchor, lines)];
  return [
    {
      ruleId,
      message: `the runtime stage runs as root; run it as ${who} so a compromised process cannot modify the image’s files.`,
      applicability: 'review',
      at: from.span.start,
      edits,
      note: 'Check: the app binds no port below 1024 (none is exposed or named in CMD/ENV), and writes only where that user may (copied files are owned by root: readable, not writable; chown what it writes to).',
      data: { user: lines[lines.length - 1]!.slice(5) },
      hadolint: [],
    },
  ];
}
