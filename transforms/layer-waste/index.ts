/**
 * Transform `layer-waste`: bytes one layer writes and a later layer deletes, overwrites or
 * re-owns. They still ship (an image is the sum of its layers). One file per rule:
 *
 * - copy-chown.ts: `COPY` then `RUN chown -R` / `chmod` of exactly what it wrote -> `--chown` /
 *   `--chmod` on the COPY (safe when provably the same owners and modes).
 * - delete-later.ts: a RUN writes a path a later RUN removes -> the removal moves into the
 *   writing RUN, or the RUNs merge.
 * - purge-later.ts: packages installed in one RUN and purged in a later one -> one RUN (review),
 *   or a pointer to a multi-stage build.
 * - add-archive.ts: `ADD <url>` extracted and removed by a later RUN -> download in the RUN
 *   (review).
 *
 * shared.ts holds the RUN reading, path and edit helpers. Decisions are listed in
 * docs/rules/layer-waste.md.
 */
import { isFix, type Transform } from '../../src/model/types.js';
import { checkAddArchive } from './add-archive.js';
import { checkCopyChown } from './copy-chown.js';
import { checkDeleteLater } from './delete-later.js';
import { checkPurgeLater } from './purge-later.js';
import { ID, type Ctx } from './shared.js';

export const transform: Transform = {
  meta: {
    id: ID,
    title: 'Layer waste: files a later layer deletes, overwrites or re-owns',
    hadolint: [],
    applicability: 'safe',
    docs: {
      why:
        'An image is the sum of its layers: a file one layer writes and a later layer deletes, `chown`s or `chmod`s is stored twice, or stored and hidden. ' +
        '`COPY . /app` + `RUN chown -R app:app /app` doubles the application in the image; `RUN curl -o x.tgz` + `RUN tar xf x.tgz && rm x.tgz` ships the archive; ' +
        'a compiler installed in one RUN and purged in a later one shrinks nothing. `verify` measures these wasted bytes from the saved image.',
      fixSafety:
        'Safe: `--chown`/`--chmod` on the COPY when the chown/chmod is the whole RUN, covers exactly what the COPY wrote (nothing else in the stage wrote there, nothing between reads it, ' +
        'a known base image, not a system folder, the folder above exists so the COPY creates no folder the chown would not re-own), the user and group are numeric or exist at the COPY, ' +
        'and the mode is octal (a folder keeps a non-recursive chown/chmod of itself); moving a removal into the RUN that wrote the path when nothing between reads it; merging two adjacent RUNs. ' +
        'Review: the same when the RUN does more than the chown, `--chmod` when nothing shows the build uses BuildKit, merging a longer run of RUNs, install+build+purge in one RUN, downloading an ADD URL in the RUN. ' +
        'Skipped with the reason: users created after the COPY, a chown of a folder above what the COPY wrote, a RUN that reads the files between, symbolic modes, heredoc RUNs, unknown base images.',
    },
    rules: [
      {
        id: `${ID}/copy-chown`,
        title: 'Set the owner or mode in the COPY',
        applicability: 'safe',
        hadolint: [],
      },
      {
        id: `${ID}/delete-later`,
        title: 'Remove a file in the RUN that writes it',
        applicability: 'safe',
        hadolint: [],
      },
      {
        id: `${ID}/purge-later`,
        title: 'Install, build and purge in one RUN',
        applicability: 'review',
        hadolint: [],
      },
      {
        id: `${ID}/add-archive`,
        title: 'Download and extract an archive in one RUN',
        applicability: 'review',
        hadolint: [],
      },
    ],
  },
  check(model, check) {
    const c: Ctx = { model, check, out: [] };
    // The rewrites assume a POSIX shell (`&&`, `rm`, `chown`): a SHELL other than sh/bash, or a
    // Windows base image, turns the transform off for the file.
    const shell = model.instructions.find(
      (i) =>
        i.keyword === 'SHELL' &&
        !/^(\/bin\/|\/usr\/bin\/)?(sh|bash|dash|ash)$/.test(i.json?.[0] ?? ''),
    );
    const windows = model.stages.find((s) =>
      /windows|servercore|nanoserver/i.test(s.resolvedImage ?? s.image),
    );
    checkCopyChown(c);
    checkDeleteLater(c);
    checkPurgeLater(c);
    checkAddArchive(c);
    if (!shell && !windows) return c.out;
    const why = shell
      ? `the file sets \`SHELL ${shell.logical.text.trim()}\`, not a POSIX shell`
      : 'the base image is a Windows image, where RUN does not use a POSIX shell';
    return c.out.map((f) =>
      isFix(f) ? { ruleId: f.ruleId, reason: `${why}; not rewritten`, at: f.at } : f,
    );
  },
};
