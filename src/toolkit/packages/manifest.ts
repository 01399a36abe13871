/**
 * Dependency manifests and source code by file name: what `explain` (its default edits) and
 * `verify` (the file its cache test edits) tell apart as a manifest edit and a source edit.
 */

/** Manifest and lock file names (exact base names). */
const MANIFEST_NAMES = new Set([
  // Python
  'pyproject.toml',
  'poetry.lock',
  'Pipfile',
  'Pipfile.lock',
  'setup.py',
  'setup.cfg',
  'uv.lock',
  'pdm.lock',
  // JavaScript
  'package.json',
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  '.yarnrc',
  '.yarnrc.yml',
  'pnpm-lock.yaml',
  'pnpm-workspace.yaml',
  'bun.lockb',
  'bun.lock',
  '.npmrc',
  // Go
  'go.mod',
  'go.sum',
  'go.work',
  'go.work.sum',
  // Ruby, PHP, Elixir
  'Gemfile',
  'Gemfile.lock',
  'composer.json',
  'composer.lock',
  'mix.exs',
  'mix.lock',
  // JVM
  'pom.xml',
  'build.gradle',
  'build.gradle.kts',
  'settings.gradle',
  'settings.gradle.kts',
  'gradle.properties',
  'gradle-wrapper.properties',
  'gradlew',
  // Rust
  'Cargo.toml',
  'Cargo.lock',
  // .NET
  'packages.config',
  'packages.lock.json',
  'Directory.Packages.props',
  'Directory.Build.props',
  'global.json',
  'NuGet.Config',
  'nuget.config',
  // system package lists
  'packages.txt',
  'apt.txt',
]);

/** Dependency manifests (and lock files) by path: `requirements*.txt`, `requirements/*.txt`,
 * `constraints*.txt`, project files (`*.csproj`, ...) and the names above. */
export function isManifest(file: string): boolean {
  const base = file.slice(file.lastIndexOf('/') + 1);
  return (
    MANIFEST_NAMES.has(base) ||
    /^requirements[^/]*\.(txt|in)$/i.test(base) ||
    /^(constraints[^/]*|dev-requirements)\.txt$/i.test(base) ||
    /(^|\/)requirements\/[^/]+\.txt$/i.test(file) ||
    /\.(csproj|fsproj|vbproj|sln)$/.test(base)
  );
}

/** Source code (programming languages; markup and stylesheets are not code here). */
export const CODE_EXT =
  /\.(py|js|mjs|cjs|ts|tsx|jsx|go|rs|c|h|cc|cpp|cxx|hpp|java|kt|kts|scala|groovy|rb|php|cs|fs|vb|swift|m|ex|exs|erl|clj|sh|bash|pl|lua|r|dart|vue|svelte|zig|nim|hs|ml)$/i;
