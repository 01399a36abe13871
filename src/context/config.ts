/**
 * Configuration: `.dockerfile-optimizer.json`, or a `dockerfileOptimizer` key in package.json,
 * found upward from each Dockerfile (or chosen with --config). CLI flags override it.
 *
 * {
 *   "rules": { "multistage": false, "package-hygiene/npm-ci": false },
 *   "unsafe": false,
 *   "cacheMounts": false,
 *   "dockerignore": { "enabled": true, "add": ["fixtures/"], "keep": ["build/"] }
 * }
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Config {
  rules?: Record<string, boolean>;
  unsafe?: boolean;
  cacheMounts?: boolean;
  dockerignore?: { enabled?: boolean; add?: string[]; keep?: string[] };
}

/** True for a known rule id; false or the problem (`unknown rule (did you mean "x"?)`) if not. */
export type RuleCheck = (id: string) => boolean | string;

export interface LoadedConfig {
  path: string;
  config: Config;
}

export class ConfigError extends Error {
  readonly kind = 'config';
}

export const CONFIG_FILE = '.dockerfile-optimizer.json';
const PACKAGE_KEY = 'dockerfileOptimizer';

function fail(file: string, key: string, problem: string): never {
  throw new ConfigError(`${file}: key "${key}": ${problem}`);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Validate a parsed config object; unknown keys and wrong types are errors naming the key. */
export function validateConfig(
  raw: unknown,
  file: string,
  knownRules: RuleCheck,
  prefix = '',
): Config {
  if (!isObject(raw)) throw new ConfigError(`${file}: the configuration must be a JSON object`);
  const config: Config = {};
  for (const [key, value] of Object.entries(raw)) {
    const k = prefix + key;
    switch (key) {
      case 'rules': {
        if (!isObject(value)) fail(file, k, 'must be an object of rule id -> true/false');
        const rules: Record<string, boolean> = {};
        for (const [id, on] of Object.entries(value)) {
          if (typeof on !== 'boolean') fail(file, `${k}.${id}`, 'must be true or false');
          const known = knownRules(id);
          if (known !== true) fail(file, `${k}.${id}`, known || 'unknown rule');
          rules[id] = on;
        }
        config.rules = rules;
        break;
      }
      case 'unsafe':
      case 'cacheMounts':
        if (typeof value !== 'boolean') fail(file, k, 'must be true or false');
        config[key] = value;
        break;
      case 'dockerignore': {
        if (!isObject(value)) fail(file, k, 'must be an object');
        const d: NonNullable<Config['dockerignore']> = {};
        for (const [dk, dv] of Object.entries(value)) {
          if (dk === 'enabled') {
            if (typeof dv !== 'boolean') fail(file, `${k}.${dk}`, 'must be true or false');
            d.enabled = dv;
          } else if (dk === 'add' || dk === 'keep') {
            if (!Array.isArray(dv) || !dv.every((x) => typeof x === 'string'))
              fail(file, `${k}.${dk}`, 'must be an array of patterns');
            d[dk] = dv as string[];
          } else fail(file, `${k}.${dk}`, 'unknown key (expected enabled, add, keep)');
        }
        config.dockerignore = d;
        break;
      }
      case '$schema':
        break;
      default:
        fail(file, k, 'unknown key (expected rules, unsafe, cacheMounts, dockerignore)');
    }
  }
  return config;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: invalid JSON (${(err as Error).message})`);
  }
}

/** Load a config file given by path (a .json file or a package.json with the key). */
export function loadConfig(file: string, knownRules: RuleCheck): LoadedConfig {
  const raw = readJson(file);
  if (path.basename(file) === 'package.json') {
    const inner = isObject(raw) ? raw[PACKAGE_KEY] : undefined;
    if (inner === undefined) throw new ConfigError(`${file}: no "${PACKAGE_KEY}" key`);
    return { path: file, config: validateConfig(inner, file, knownRules, `${PACKAGE_KEY}.`) };
  }
  return { path: file, config: validateConfig(raw, file, knownRules) };
}

/** Find the nearest config upward from `dir` (memoised per directory). */
export function findConfig(
  dir: string,
  knownRules: RuleCheck,
  cache = new Map<string, LoadedConfig | null>(),
): LoadedConfig | null {
  const visited: string[] = [];
  let cur = path.resolve(dir);
  let found: LoadedConfig | null = null;
  for (;;) {
    if (cache.has(cur)) {
      found = cache.get(cur)!;
      break;
    }
    visited.push(cur);
    const own = path.join(cur, CONFIG_FILE);
    if (fs.existsSync(own)) {
      found = loadConfig(own, knownRules);
      break;
    }
    const pkg = path.join(cur, 'package.json');
    if (fs.existsSync(pkg)) {
      const raw = readJson(pkg);
      if (isObject(raw) && raw[PACKAGE_KEY] !== undefined) {
        found = {
          path: pkg,
          config: validateConfig(raw[PACKAGE_KEY], pkg, knownRules, `${PACKAGE_KEY}.`),
        };
        break;
      }
    }
    const parent = path.dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  for (const v of visited) cache.set(v, found);
  return found;
}
