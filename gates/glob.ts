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
/** The longest run of plain characters a path must contain for `glob` to match ('' when unknown). */
export function requiredLiteral(glob: string): string {
  if (/[{}[\]\\!()+@]/.test(glob)) return '';
  return glob.split(/[*?]+/).reduce((a, b) => (b.length > a.length ? b : a), '');
}

const compiled = new Map<string, PathMatcher>();

/**
 * Compiles a list of globs into one matcher (true when any glob matches). Each glob's regex
 * runs only on paths that contain the glob's longest literal (`package-lock.json`, `.snap`,
 * `__snapshots__/`): 3,000 paths against the 70 default excludes cost a few milliseconds, not
 * fifty. Matchers are cached by their pattern list, so a gate does not recompile them per PR.
 */
export function compileGlobs(patterns: readonly string[]): PathMatcher {
  const cacheKey = JSON.stringify(patterns);
  const cached = compiled.get(cacheKey);
  if (cached) return cached;
  const globs = patterns.flatMap(toPicomatchGlobs);
  let matcher: PathMatcher = NONE;
  if (globs.length > 0) {
    // No extglobs: picomatch passes their bodies through as regular expressions, so `@(a+)+c`
    // would backtrack exponentially on a crafted path. Braces, `*`, `?`, `**` and classes stay.
    const tests = globs.map((glob) => ({ literal: requiredLiteral(glob.replace(/^\*\*\//, '')), isMatch: picomatch(glob, { dot: true, nocase: false, noextglob: true }) }));
    matcher = (path: string) => tests.some((t) => (t.literal === '' || path.includes(t.literal)) && t.isMatch(path));
  }
  if (compiled.size > 500) compiled.clear();
  compiled.set(cacheKey, matcher);
  return matcher;
}
