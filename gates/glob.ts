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
 * picomatch defines the matching (well-kept; extglobs off, so its regexes do not backtrack
 * badly); this module translates gitignore conventions into picomatch globs, then compiles
 * the common shapes of a glob list into lookups instead of running a regex per glob.
 */
import picomatch from 'picomatch';

export type PathMatcher = (path: string) => boolean;

/** A compiled glob list: call it with a path, or, faster when several lists test the same paths, with its parts. */
export interface GlobMatcher extends PathMatcher {
  parts(parts: PathParts): boolean;
}

/**
 * What glob matching needs of a path, split once and shared by every glob list that tests it
 * (`pathPartsOf`). Lookups by these strings reuse their cached hashes from one list to the next.
 */
export interface PathParts {
  readonly path: string;
  /** The file name: after the last `/`. */
  readonly name: string;
  /** The file name from its last `.` (`.js` for `a.min.js`); '' without one. */
  readonly extension: string;
  /** The directories, root first. */
  readonly dirs: readonly string[];
  /** The extension of each directory, as `extension` is of the name. */
  readonly dirExtensions: readonly string[];
  /** An empty, `.` or `..` segment: matched by picomatch itself (see ODD_SEGMENT). */
  readonly odd: boolean;
}

export function pathParts(path: string): PathParts {
  const slash = path.lastIndexOf('/');
  const name = slash === -1 ? path : path.slice(slash + 1);
  const dirs = slash <= 0 ? [] : path.slice(0, slash).split('/');
  return { path, name, extension: extensionOf(name), dirs, dirExtensions: dirs.map(extensionOf), odd: odd(path) };
}

/** From the last `.` of a segment (`.js` for `a.min.js`); '' without one. */
function extensionOf(segment: string): string {
  const dot = segment.lastIndexOf('.');
  return dot === -1 ? '' : segment.slice(dot);
}

const partsMemo = new WeakMap<readonly { readonly path: string }[], readonly PathParts[]>();

/** The parts of every file's path, computed once per list of files (a snapshot's files are immutable). */
export function pathPartsOf(files: readonly { readonly path: string }[]): readonly PathParts[] {
  let parts = partsMemo.get(files);
  if (!parts) partsMemo.set(files, (parts = files.map((f) => pathParts(f.path))));
  return parts;
}

const NONE: GlobMatcher = Object.assign(() => false, { parts: () => false });

/**
 * Translates one gitignore-style glob into picomatch globs. "Below a directory" is the directory
 * followed by `/**` and at least one more segment, so `tests/` never matches a file named `tests`.
 */
export function toPicomatchGlobs(pattern: string): string[] {
  let p = pattern.trim();
  if (p === '') return [];
  const dirOnly = p.endsWith('/');
  if (dirOnly) p = p.replace(/\/+$/, '');
  const anchored = p.startsWith('/') || p.includes('/');
  p = p.replace(/^\/+/, '');
  if (p === '') return [];
  if (!anchored && !p.startsWith('**/')) p = `**/${p}`;
  // gitignore: a trailing `/**` matches everything inside, not the directory itself.
  if (p.endsWith('/**')) return [`${p}/*`];
  const below = `${p}/**/*`;
  return dirOnly ? [below] : [p, below];
}

/**
 * An empty, `.` or `..` segment. picomatch gives them rules of their own (`*` never matches `.`,
 * a leading `./` is dropped). They never occur in a pull request's file list and hardly in a
 * config glob, so paths and globs with them go to picomatch rather than complicate the fast path.
 */
const ODD_SEGMENT = /(?:^|\/)\.{0,2}(?:\/|$)/;

/**
 * The longest run of plain characters a path must contain for `glob` to match ('' when unknown).
 * A `**` segment can match no directory at all, so the slash beside it is not required.
 */
export function requiredLiteral(glob: string): string {
  if (/[{}[\]\\!()+@]/.test(glob) || ODD_SEGMENT.test(glob)) return '';
  return glob
    .replace(/\*\*\/|\/\*\*$/g, '*')
    .split(/[*?]+/)
    .reduce((a, b) => (b.length > a.length ? b : a), '');
}

/** picomatch's matcher for one translated glob: the reference semantics. */
function picomatchOf(glob: string): PathMatcher {
  // No extglobs: picomatch passes their bodies through as regular expressions, so `@(a+)+c`
  // would backtrack exponentially on a crafted path. Braces, `*`, `?`, `**` and classes stay.
  // `|` is plain text in a path; picomatch would leave it unescaped, as a regex alternation.
  return picomatch(glob.replaceAll('|', '\\|'), { dot: true, nocase: false, noextglob: true });
}

/** A list of globs matched the way picomatch matches each of them (the reference; tests compare against it). */
export function referenceMatcher(patterns: readonly string[]): PathMatcher {
  const tests = patterns.flatMap(toPicomatchGlobs).map(picomatchOf);
  return (path) => tests.some((t) => t(path));
}

/** The tail of a glob that matches everything below a directory. */
const BELOW = '/**/*';

/** Characters that make a glob segment more than plain text and `*`. */
const SPECIAL = /[?[\]{}()!+@\\]/;
const plain = (s: string) => !SPECIAL.test(s) && !s.includes('*');

/** A one-segment glob of plain text and single `*` (`*.ts`, `test_*.py`, `*.test.*`), as its literal parts. */
function starParts(segment: string): string[] | undefined {
  if (segment === '' || segment.includes('/') || segment.includes('**') || SPECIAL.test(segment)) return undefined;
  return segment.split('*');
}

/** Whether `name` matches the single-segment star glob of `parts` (`*` matches any run of characters). */
function matchStars(name: string, parts: readonly string[]): boolean {
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (parts.length === 1) return name === first;
  if (name.length < first.length + last.length || !name.startsWith(first) || !name.endsWith(last)) return false;
  let at = first.length;
  const end = name.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i]!;
    if (part === '') continue;
    const found = name.indexOf(part, at);
    if (found === -1 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

/** The tests of one segment kind that only names of one extension can pass. */
interface Bucket {
  readonly names: Set<string>;
  readonly suffixes: string[];
  readonly globs: string[][];
}

const newBucket = (): Bucket => ({ names: new Set(), suffixes: [], globs: [] });

/**
 * Star globs over one path segment (a file name, or a directory name), bucketed by the
 * extension a matching segment must have (the text from its last `.`: `.js` for `*.min.js`,
 * '' for `Makefile`), so a segment meets only the globs of its own extension: one Map lookup
 * instead of the whole list. Globs whose last part has no `.` (`*.test.*`) could match any
 * segment and are tested on every one.
 */
class SegmentTests {
  readonly #byExtension = new Map<string, Bucket>();
  readonly #always = newBucket();
  #anyAlways = false;

  get size(): number {
    return this.#byExtension.size + (this.#anyAlways ? 1 : 0);
  }

  /** Adds a star glob, as the parts between its `*`. */
  add(parts: string[]): void {
    const last = parts[parts.length - 1]!;
    const dot = last.lastIndexOf('.');
    const extension = dot === -1 ? undefined : last.slice(dot);
    if (parts.length === 1) this.#bucket(extension ?? '').names.add(last);
    else if (parts.length === 2 && parts[0] === '') this.#bucket(extension).suffixes.push(last);
    else this.#bucket(extension).globs.push(parts);
  }

  /** Whether `segment`, whose extension is `extension`, matches a glob. */
  test(segment: string, extension: string): boolean {
    const bucket = this.#byExtension.get(extension);
    return (bucket !== undefined && inBucket(segment, bucket)) || (this.#anyAlways && inBucket(segment, this.#always));
  }

  #bucket(extension: string | undefined): Bucket {
    if (extension === undefined) {
      this.#anyAlways = true;
      return this.#always;
    }
    let bucket = this.#byExtension.get(extension);
    if (!bucket) this.#byExtension.set(extension, (bucket = newBucket()));
    return bucket;
  }
}

function inBucket(segment: string, bucket: Bucket): boolean {
  if (bucket.names.has(segment)) return true;
  for (const suffix of bucket.suffixes) if (segment.endsWith(suffix)) return true;
  for (const parts of bucket.globs) if (matchStars(segment, parts)) return true;
  return false;
}

/**
 * The compiled form of a glob list. Every translated glob falls into one of these shapes; each
 * shape is decided without a regex except the last ("+ below": followed by `/**` and one more
 * segment, everything inside a directory):
 *
 * | glob (translated)        | example source          | test on a path                                |
 * |--------------------------|-------------------------|-----------------------------------------------|
 * | `**\/P*Q…`               | `*.ts`, `yarn.lock`     | its file name matches the star glob           |
 * | `**\/P*Q…` + below       | `__snapshots__/`        | one of its directories matches the star glob  |
 * | `a/b`                    | `/docs/index.md`        | it is `a/b`                                   |
 * | `a/b` + below            | `src/generated/`        | it starts with `a/b/`                         |
 * | anything else            | `docs/*.md`, `{a,b}`    | picomatch, after a literal prefilter          |
 */
class CompiledGlobs {
  readonly files = new SegmentTests();
  readonly dirs = new SegmentTests();
  readonly paths = new Set<string>();
  readonly prefixes: string[] = [];
  readonly others: { literal: string; isMatch: PathMatcher }[] = [];

  add(glob: string): void {
    if (!ODD_SEGMENT.test(glob) && (glob.startsWith('**/') ? this.#addUnanchored(glob.slice(3)) : this.#addAnchored(glob))) return;
    this.others.push({ literal: requiredLiteral(glob), isMatch: picomatchOf(glob) });
  }

  /** The part after a leading `**` segment: a file-name glob, or a directory-name glob with everything below it. */
  #addUnanchored(rest: string): boolean {
    const below = rest.endsWith(BELOW);
    const parts = starParts(below ? rest.slice(0, -BELOW.length) : rest);
    if (!parts) return false;
    (below ? this.dirs : this.files).add(parts);
    return true;
  }

  /** A wholly literal path from the root, or a literal directory with everything below it. */
  #addAnchored(glob: string): boolean {
    const below = glob.endsWith(BELOW);
    const base = below ? glob.slice(0, -BELOW.length) : glob;
    if (base === '' || !plain(base)) return false;
    if (below) this.prefixes.push(`${base}/`);
    else this.paths.add(base);
    return true;
  }

  /** `unusual`: answers for paths with an empty, `.` or `..` segment (never in a GitHub file list). */
  matcher(unusual: PathMatcher): (parts: PathParts) => boolean {
    const { files, dirs, paths, prefixes, others } = this;
    const checkFiles = files.size > 0;
    const checkDirs = dirs.size > 0;
    return (parts: PathParts) => {
      const { path } = parts;
      if (parts.odd) return unusual(path);
      if (checkFiles && files.test(parts.name, parts.extension)) return true;
      if (checkDirs) {
        const { dirs: names, dirExtensions } = parts;
        for (let i = 0; i < names.length; i++) if (dirs.test(names[i]!, dirExtensions[i]!)) return true;
      }
      if (paths.size > 0 && paths.has(path)) return true;
      for (const prefix of prefixes) if (path.startsWith(prefix)) return true;
      for (const t of others) if ((t.literal === '' || path.includes(t.literal)) && t.isMatch(path)) return true;
      return false;
    };
  }
}

/** `ODD_SEGMENT.test(path)`, with the regex run only on paths that could have such a segment. */
function odd(path: string): boolean {
  const first = path.charCodeAt(0);
  if (path === '' || first === 47 /* / */ || path.endsWith('/') || path.includes('//')) return true;
  return (first === 46 /* . */ || path.includes('/.')) && ODD_SEGMENT.test(path);
}

const compiled = new Map<string, GlobMatcher>();
const MAX_COMPILED = 500;

/**
 * Compiles a list of globs into one matcher (true when any glob matches), with the same
 * answers as `referenceMatcher` (a property test holds them together). The shapes that
 * make up the default lists (`*.ts`, `yarn.lock`, `__snapshots__/`) are decided with a few
 * Set lookups per path, whatever the length of the list; only globs of other shapes run
 * picomatch's regex, and only on paths that contain their longest literal. Matchers are
 * cached by their pattern list (bounded), so a gate does not recompile them per PR.
 */
export function compileGlobs(patterns: readonly string[]): GlobMatcher {
  const cacheKey = JSON.stringify(patterns);
  const cached = compiled.get(cacheKey);
  if (cached) return cached;
  const globs = patterns.flatMap(toPicomatchGlobs);
  let matcher: GlobMatcher = NONE;
  if (globs.length > 0) {
    const list = new CompiledGlobs();
    for (const glob of globs) list.add(glob);
    let reference: PathMatcher | undefined;
    const byParts = list.matcher((path) => (reference ??= referenceMatcher(patterns))(path));
    matcher = Object.assign((path: string) => byParts(pathParts(path)), { parts: byParts });
  }
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(cacheKey, matcher);
  return matcher;
}
