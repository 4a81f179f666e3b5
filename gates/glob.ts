/**
 * Glob matching for config globs (`exclude`, `source`, `tests`): gitignore-style
 * semantics over the path from the repository root, case-sensitive.
 *
 * - A pattern without a slash (other than a trailing one) matches at any depth: `*.lock`, `tests/`.
 * - A leading or inner slash anchors the pattern to the root: `/docs/*.md`, `src/generated/**`.
 * - A trailing slash matches a directory, i.e. every path below it: `__snapshots__/`.
 * - A pattern also matches everything below a directory it names: `vendor` matches `vendor/a.js`.
 * - `**` crosses directories; `*` and `?` do not.
 *
 * picomatch does the matching (well-kept; extglobs off, so its regexes do not backtrack badly); this
 * module only translates gitignore conventions into picomatch globs.
 */
import picomatch from 'picomatch';

export type PathMatcher = (path: string) => boolean;

const NONE: PathMatcher = () => false;

/** Translates one gitignore-style glob into picomatch globs. */
export function toPicomatchGlobs(pattern: string): string[] {
  let p = pattern.trim();
  if (p === '') return [];
  const dirOnly = p.endsWith('/');
  if (dirOnly) p = p.replace(/\/+$/, '');
  const anchored = p.startsWith('/') || p.includes('/');
  p = p.replace(/^\/+/, '');
  if (p === '') return [];
  if (!anchored && !p.startsWith('**/')) p = `**/${p}`;
  const below = p.endsWith('/**') ? p : `${p}/**`;
  return dirOnly ? [below] : [p, below];
}

/** Compiles a list of globs into one matcher (true when any glob matches). */
export function compileGlobs(patterns: readonly string[]): PathMatcher {
  const globs = patterns.flatMap(toPicomatchGlobs);
  if (globs.length === 0) return NONE;
  // No extglobs: picomatch passes their bodies through as regular expressions, so `@(a+)+c`
  // would backtrack exponentially on a crafted path. Braces, `*`, `?`, `**` and classes stay.
  const isMatch = picomatch(globs, { dot: true, nocase: false, noextglob: true });
  return (path: string) => isMatch(path);
}
