/** Where a COPY glob takes a context file from (shared by the cache model and the transforms). */

/**
 * The shortest leading path of `file` that the COPY source pattern `re` (from `globToRegExp`)
 * matches: `file` itself when the glob matched the file (it lands in the destination by its
 * name), a folder above it when the glob matched that folder (its contents land in the
 * destination by their path inside it), or null when the glob takes nothing of `file`.
 */
export function globRoot(re: RegExp, file: string): string | null {
  const parts = file.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const m = parts.slice(0, i).join('/');
    if (re.test(m)) return m;
  }
  return null;
}
