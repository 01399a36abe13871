/**
 * Which files are build definitions, by name. Apart from the parsers (compose.ts, bake.ts, ...)
 * so that finding build files loads no YAML, JSON or HCL parser: index.ts imports a parser only
 * when a file of its kind is read.
 */

// (one RegExp object each, not one per call: these are asked of many names)
const COMPOSE = /^(docker-)?compose(\.[^/]+)?\.ya?ml$/;
const BAKE = /^docker-bake(\.override)?\.(hcl|json)$/;
const SKAFFOLD = /^skaffold(\.[^/]+)?\.ya?ml$/;
const WORKFLOW = /[\\/]\.github[\\/]workflows[\\/][^\\/]+\.ya?ml$/;

/** Is this file name a compose file (main or override/variant)? */
export function isComposeName(name: string): boolean {
  return COMPOSE.test(name);
}

export function isBakeName(name: string): boolean {
  return BAKE.test(name);
}

export function isSkaffoldName(name: string): boolean {
  return SKAFFOLD.test(name);
}

export function isWorkflowPath(file: string): boolean {
  return WORKFLOW.test(file);
}
