/**
 * Transform `multistage`: a final stage that installs a toolchain or dev dependencies and builds
 * something becomes a `builder` stage followed by a new `runtime` stage on a small base that
 * takes only the artifacts (one rule per ecosystem, ecosystems/<eco>.ts); a second rule gives
 * the runtime stage of a multi-stage build a non-root USER (non-root-user.ts). Every fix is
 * `review`: the new stage changes what ends up in the image.
 * Docs and design decisions: docs/rules/multistage.md.
 */
import type { RuleMeta, Transform } from '../../src/model/types.js';
import { ID } from './shared.js';
import { checkBuild } from './split.js';
import { checkUser } from './non-root-user.js';

export { parseImage } from './shared.js';
export { rustRuntimeBase } from './ecosystems/rust.js';

const split = (eco: string, title: string): RuleMeta => ({
  id: `${ID}/${eco}`,
  title,
  applicability: 'review',
  hadolint: [],
});

/** Every rule id the transform reports. */
const RULES: readonly RuleMeta[] = [
  split('go', 'Build Go in a builder stage; run the binary on distroless, alpine or debian-slim'),
  split(
    'node',
    'Build Node in a builder stage; run the output on node-slim with production dependencies',
  ),
  split('python', 'Install Python packages into a venv in a builder stage; run on python-slim'),
  split('java', 'Build the jar in a builder stage; run it on a JRE image'),
  split(
    'c',
    'Compile C/C++ in a builder stage; run the binary on the slim image of the same distro',
  ),
  split('dotnet', 'Publish .NET in a builder stage; run it on the aspnet/runtime image'),
  split(
    'rust',
    'Build Rust in a builder stage; run the binary on the slim image of the same distro',
  ),
  {
    id: `${ID}/non-root-user`,
    title: 'Run the runtime stage as a non-root user',
    applicability: 'review',
    hadolint: [],
  },
];

export const transform: Transform = {
  meta: {
    id: ID,
    title: 'Split toolchain builds into builder and runtime stages',
    hadolint: [],
    applicability: 'review',
    docs: {
      why: 'A single-stage image that installs compilers, -dev headers, the JDK, the Go or Rust toolchain or devDependencies to build something ships all of them, hundreds of MB that the running app never uses and that widen its attack surface. A `builder` stage keeps them; a slim `runtime` stage takes only the artifacts (a binary, a jar, a venv, the build output with production dependencies) and the image metadata, and `--target builder` still builds the toolchain image alone. No hadolint rule proposes this (hadolint issue #947 asks for one). A second rule suggests a non-root USER for the runtime stage.',
      fixSafety:
        'Always review: the new stage changes what ends up in the image. Files the app reads at run time that are not among the copied artifacts, shared libraries of compiled code, the user the app runs as, and the ENTRYPOINT/CMD must be checked, and the result built and run once. Each fix names what to verify.',
    },
    rules: RULES,
  },
  check(model, ctx) {
    return [...checkBuild(model, ctx), ...checkUser(model)];
  },
};
