/**
 * Compose files: `services.<name>.build` (a string, or a map with `context`, `dockerfile`,
 * `target`, `args` as a map or a list, `additional_contexts`; `dockerfile_inline` is reported and
 * skipped), `extends` (same file or `file:`), `include` (strings or `{path, project_directory}`),
 * override files (`compose.override.yaml`, `compose.prod.yaml`: merged over the main file of their
 * folder), and variable interpolation with the `.env` of the project folder and the environment
 * (the environment wins, as in Compose).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathExists } from '../cache.js';
import { isRemote, keyValues, resolveContexts, resolveFrom } from './common.js';
import { interpolate, InterpolationError, parseDotEnv, type Lookup } from './interpolate.js';
import type { BuildDecl, BuildWarning, ParsedBuilds } from './types.js';
import { isRecord, keyLine, loadYaml, readText, type YamlFile, type YamlNode } from './yaml.js';

/** Main compose file names, in Compose's order of preference. */
export const COMPOSE_MAIN = [
  'compose.yaml',
  'compose.yml',
  'docker-compose.yaml',
  'docker-compose.yml',
];

interface RawBuild {
  context?: string;
  dockerfile?: string;
  inline?: boolean;
  target?: string;
  args: Record<string, string>;
  contexts: Record<string, string>;
}

interface Service {
  value: Record<string, unknown>;
  /** Line of `build:` (or of `extends:`, or of the service when it has neither); 0 for a
   * service with neither (none is reported). */
  line: number;
  hasBuild: boolean;
}

interface ComposeFile {
  file: string;
  yaml: YamlFile;
  root: YamlNode | null;
  services: Map<string, Service>;
  include: unknown;
  lookup: Lookup;
}

export interface ComposeResult extends ParsedBuilds {
  /** Builds found but not usable (inline Dockerfile, remote context), with why. */
  skipped: { file: string; line: number; name: string; reason: string }[];
}

class Reader {
  readonly files = new Map<string, ComposeFile | null>();
  readonly warnings: BuildWarning[] = [];
  readonly skipped: ComposeResult['skipped'] = [];
  constructor(private readonly env: Record<string, string | undefined>) {}

  lookupFor(projectDir: string): Lookup {
    // (most folders have no .env: looked for first, without the cost of a failed read's error)
    const file = path.join(projectDir, '.env');
    const text = pathExists(file) ? readText(file) : null;
    const dotenv = text === null ? new Map<string, string>() : parseDotEnv(text);
    return (k) => this.env[k] ?? dotenv.get(k);
  }

  load(file: string, lookup?: Lookup, text?: string | null): ComposeFile | null {
    if (this.files.has(file)) return this.files.get(file)!;
    this.files.set(file, null);
    const y =
      text === undefined ? loadYaml(file, this.warnings) : loadYaml(file, this.warnings, text);
    if (!y) return null;
    const doc = y.docs[0];
    const value = doc?.value ?? {};
    if (!isRecord(value)) {
      this.warnings.push({
        file,
        line: 1,
        message: 'not a compose file (the top level is not a map)',
      });
      return null;
    }
    const services = new Map<string, Service>();
    const raw = value.services;
    if (raw !== undefined && raw !== null && !isRecord(raw)) {
      this.warnings.push({
        file,
        line: keyLine(y, doc!.root, ['services']),
        message: '`services` is not a map',
      });
      return null;
    }
    for (const [name, svc] of Object.entries(raw ?? {})) {
      if (!isRecord(svc)) continue;
      const hasBuild = svc.build !== undefined && svc.build !== null;
      // (the line is told only of a service with a build or an `extends`: see `project`)
      const line =
        hasBuild || svc.extends !== undefined
          ? keyLine(y, doc!.root, ['services', name, hasBuild ? 'build' : 'extends'])
          : 0;
      services.set(name, { value: svc, line, hasBuild });
    }
    const cf: ComposeFile = {
      file,
      yaml: y,
      root: doc?.root ?? null,
      services,
      include: value.include,
      lookup: lookup ?? this.lookupFor(path.dirname(file)),
    };
    this.files.set(file, cf);
    return cf;
  }

  /** The build of a service with its `extends` chain applied (null: it has none). */
  build(cf: ComposeFile, name: string, stack: string[] = []): RawBuild | null {
    const key = `${cf.file}#${name}`;
    if (stack.includes(key))
      throw new InterpolationError(`extends cycle: ${[...stack, key].join(' -> ')}`);
    const svc = cf.services.get(name);
    if (!svc) return null;
    let base: RawBuild | null = null;
    const ext = svc.value.extends;
    if (ext !== undefined && ext !== null) {
      const spec = typeof ext === 'string' ? { service: ext } : isRecord(ext) ? ext : null;
      if (!spec || typeof spec.service !== 'string')
        throw new InterpolationError('`extends` needs a `service`');
      let target = cf;
      if (typeof spec.file === 'string') {
        const f = resolveFrom(path.dirname(cf.file), interpolate(spec.file, cf.lookup));
        const loaded = this.load(f);
        if (!loaded) throw new InterpolationError(`extends: ${spec.file} cannot be read`);
        target = loaded;
      }
      if (!target.services.has(spec.service))
        throw new InterpolationError(
          `extends: no service ${spec.service} in ${path.basename(target.file)}`,
        );
      base = this.build(target, spec.service, [...stack, key]);
    }
    const own = svc.hasBuild ? readBuild(svc.value.build, path.dirname(cf.file), cf.lookup) : null;
    if (!base) return own;
    if (!own) return base;
    return merge(base, own);
  }
}

function str(v: unknown, lookup: Lookup): string | undefined {
  if (v === undefined || v === null) return undefined;
  return interpolate(String(v), lookup);
}

function interpolateAll(v: unknown, lookup: Lookup): unknown {
  if (typeof v === 'string') return interpolate(v, lookup);
  if (Array.isArray(v)) return v.map((x) => interpolateAll(x, lookup));
  if (isRecord(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = interpolateAll(x, lookup);
    return out;
  }
  return v;
}

function readBuild(value: unknown, dir: string, lookup: Lookup): RawBuild {
  if (typeof value === 'string') {
    const ctx = interpolate(value, lookup);
    return { context: isRemote(ctx) ? ctx : resolveFrom(dir, ctx), args: {}, contexts: {} };
  }
  if (!isRecord(value)) throw new InterpolationError('`build` is neither a string nor a map');
  const out: RawBuild = { args: {}, contexts: {} };
  const ctx = str(value.context, lookup);
  if (ctx !== undefined) out.context = isRemote(ctx) ? ctx : resolveFrom(dir, ctx);
  const df = str(value.dockerfile, lookup);
  if (df !== undefined) out.dockerfile = df;
  if (value.dockerfile_inline !== undefined) out.inline = true;
  const target = str(value.target, lookup);
  if (target !== undefined) out.target = target;
  const env = (k: string) => lookup(k);
  out.args = keyValues(interpolateAll(value.args, lookup), env);
  const extra = keyValues(interpolateAll(value.additional_contexts, lookup), () => undefined);
  out.contexts = resolveContexts(dir, extra);
  return out;
}

function merge(base: RawBuild, over: RawBuild): RawBuild {
  const out: RawBuild = {
    ...base,
    args: { ...base.args, ...over.args },
    contexts: { ...base.contexts, ...over.contexts },
  };
  if (over.context !== undefined) out.context = over.context;
  if (over.dockerfile !== undefined) {
    out.dockerfile = over.dockerfile;
    out.inline = false;
  }
  if (over.inline) {
    out.inline = true;
    delete out.dockerfile;
  }
  if (over.target !== undefined) out.target = over.target;
  return out;
}

/**
 * False when a compose file can declare no build: a build, a skipped declaration or a base for
 * an override's build needs a `build` or `extends` key in a service, or an `include`, and YAML
 * spells a key's characters only literally (plain, single-quoted or block scalars; anchors and
 * merge keys repeat text of the same file) or through a double-quoted escape (`\x62uild`, or a
 * line broken with `\`): without any of these words and without a backslash, none is there.
 */
export function mayDeclareBuilds(text: string): boolean {
  // (four substring searches: quicker than one regexp trying the four words at every character)
  return (
    text.includes('build') ||
    text.includes('extends') ||
    text.includes('include') ||
    text.includes('\\')
  );
}

/**
 * The builds declared by the compose files of one folder: the main file, and every other
 * compose file of the folder merged over it (overrides and variants), plus what they include.
 */
export function parseComposeFolder(
  files: string[],
  env: Record<string, string | undefined>,
): ComposeResult {
  const reader = new Reader(env);
  const builds: BuildDecl[] = [];
  const names = files.map((f) => path.basename(f));
  const mainName = COMPOSE_MAIN.find((n) => names.includes(n));
  const main = mainName ? files[names.indexOf(mainName)]! : null;
  const dir = path.dirname(files[0]!);
  const lookup = reader.lookupFor(dir);
  const done = new Set<string>();

  const emit = (cf: ComposeFile, name: string, raw: RawBuild | null, line: number) => {
    const source = {
      format: 'compose' as const,
      file: cf.file,
      line,
      name: `service ${name}`,
    };
    if (!raw) return;
    if (raw.inline) {
      reader.skipped.push({
        file: cf.file,
        line,
        name: source.name,
        reason: 'dockerfile_inline: no Dockerfile on disk',
      });
      return;
    }
    const context = raw.context ?? path.dirname(cf.file);
    if (isRemote(context)) {
      reader.skipped.push({
        file: cf.file,
        line,
        name: source.name,
        reason: `remote context ${context}`,
      });
      return;
    }
    builds.push({
      dockerfile: resolveFrom(context, raw.dockerfile ?? 'Dockerfile'),
      context,
      target: raw.target ?? null,
      args: raw.args,
      contexts: raw.contexts,
      source,
    });
  };

  const project = (cf: ComposeFile, base: ComposeFile | null) => {
    for (const [name, svc] of cf.services) {
      if (!svc.hasBuild && svc.value.extends === undefined) continue;
      try {
        let raw = reader.build(cf, name);
        if (base && base !== cf && base.services.has(name)) {
          const under = reader.build(base, name);
          raw = under && raw ? merge(under, raw) : (raw ?? under);
        }
        emit(cf, name, raw, svc.line);
      } catch (err) {
        if (!(err instanceof InterpolationError)) throw err;
        reader.warnings.push({
          file: cf.file,
          line: svc.line,
          message: `service ${name}: ${err.message}`,
        });
      }
    }
    includes(cf);
  };

  const includes = (cf: ComposeFile) => {
    if (cf.include === undefined || cf.include === null) return;
    const list = Array.isArray(cf.include) ? cf.include : [cf.include];
    for (const [i, item] of list.entries()) {
      const line = cf.yaml.lineOf(cf.yaml.nodeAt(cf.root, ['include', i]));
      try {
        const spec = typeof item === 'string' ? { path: item } : isRecord(item) ? item : null;
        if (!spec) throw new InterpolationError('an include is neither a path nor a map');
        const paths = (Array.isArray(spec.path) ? spec.path : [spec.path]).map((p) =>
          resolveFrom(path.dirname(cf.file), interpolate(String(p), cf.lookup)),
        );
        for (const p of paths) {
          if (done.has(p)) continue;
          done.add(p);
          if (!fs.existsSync(p))
            throw new InterpolationError(`include: ${path.basename(p)} not found`);
          const projectDir =
            typeof spec.project_directory === 'string'
              ? resolveFrom(path.dirname(cf.file), interpolate(spec.project_directory, cf.lookup))
              : path.dirname(p);
          const inc = reader.load(p, reader.lookupFor(projectDir));
          if (inc) project(inc, null);
        }
      } catch (err) {
        if (!(err instanceof InterpolationError)) throw err;
        reader.warnings.push({ file: cf.file, line, message: err.message });
      }
    }
  };

  // A file of the folder that cannot declare a build is not parsed (see mayDeclareBuilds): it
  // would add no build and no skipped declaration (as the main file, it adds none under an
  // override's services either); only its own warnings (not valid YAML, not a map) are not given.
  const loadMember = (f: string) => {
    const text = readText(f);
    return text === null || mayDeclareBuilds(text) ? reader.load(f, lookup, text) : null;
  };
  const mainFile = main ? loadMember(main) : null;
  if (main) done.add(main);
  if (mainFile) project(mainFile, null);
  for (const f of files) {
    if (f === main || done.has(f)) continue;
    done.add(f);
    const cf = loadMember(f);
    if (cf) project(cf, mainFile);
  }
  return { builds, warnings: reader.warnings, skipped: reader.skipped };
}
