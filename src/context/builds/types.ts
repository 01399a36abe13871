/** Build definitions found in a repository: how a Dockerfile is built (compose, bake, ...). */

export type BuildFormat = 'compose' | 'bake' | 'skaffold' | 'devcontainer' | 'workflow';

/** Where a build was declared. */
export interface BuildSource {
  format: BuildFormat;
  /** Absolute path of the file declaring it. */
  file: string;
  /** 1-based line of the declaration (the `build:` key, the bake target, the step, ...). */
  line: number;
  /** What declares it: `service web`, `target api`, `artifact shop/web`, `step "Build"`. */
  name: string;
}

/** One way a Dockerfile is built. */
export interface BuildDecl {
  /** Absolute path of the Dockerfile. */
  dockerfile: string;
  /** Absolute build context directory. */
  context: string;
  /** `--target`, when declared. */
  target: string | null;
  /** Build args with their values (interpolated). */
  args: Record<string, string>;
  /** Additional named contexts (`name` -> absolute directory, or the value as written when it is
   * not a local directory: `docker-image://...`, a URL). */
  contexts: Record<string, string>;
  source: BuildSource;
}

/** A problem met while reading a build file (a warning: the file's builds fall back to the
 * default, nothing stops). */
export interface BuildWarning {
  file: string;
  /** 1-based, or null when the problem is not at one line. */
  line: number | null;
  message: string;
}

/** What one parser returns for one file. */
export interface ParsedBuilds {
  builds: BuildDecl[];
  warnings: BuildWarning[];
}
