/**
 * Which files are build definitions, by name. Apart from the parsers (compose.ts, bake.ts, ...)
 * so that finding build files loads no YAML, JSON or HCL parser: index.ts imports a parser only
 * when a file of its kind is read.
 */

/** Is this file name a compose file (main or override/variant)? */
export function isComposeName(name: string): boolean {
  return /^(docker-)?compose(\.[^/]+)?\.ya?ml$/.test(name);
}

export function isBakeName(name: string): boolean {
  return /^docker-bake(\.override)?\.(hcl|json)$/.test(name);
}

export function isSkaffoldName(name: string): boolean {
  return /^skaffold(\.[^/]+)?\.ya?ml$/.test(name);
}

export function isWorkflowPath(file: string): boolean {
  return /[\\/]\.github[\\/]workflows[\\/][^\\/]+\.ya?ml$/.test(file);
}
