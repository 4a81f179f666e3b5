/**
 * Matches paths against CODEOWNERS rules with GitHub's semantics: gitignore-style
 * patterns as GitHub applies them, the last matching line wins.
 *
 * - `*` matches within one path segment, `?` one character; neither crosses `/`.
 * - `**` as a whole segment crosses directories: a leading `**\/` matches at any depth,
 *   a trailing `/**` matches everything inside, an inner `/**\/` zero or more directories.
 * - A leading or inner `/` anchors the pattern to the repository root; a pattern without
 *   one (a trailing `/` aside) matches a file or directory name at any depth.
 * - A trailing `/` matches a directory and everything below it, never a file of that name:
 *   `**\/` and `/**\/` match every file inside a directory, none at the root; `a/**\/` the
 *   files in `a`'s subdirectories, not those directly in `a` (as `git check-ignore` does).
 * - A pattern without a trailing `/` matches a file, or a directory and everything below it
 *   (`apps`, `/build/logs`).
 * - GitHub's exception to gitignore: a last segment that is exactly `*` matches direct
 *   children only. `docs/*` matches `docs/a.md` but not `docs/a/b.md`; `/*` only files at
 *   the root.
 * - Paths are case-sensitive; `\` escapes the next character (`\ ` is a space).
 *
 * Each pattern compiles (lazily) to one anchored RegExp whose only repetition is over path
 * segments. Rules are indexed by what every matching path must contain (its literal leading
 * directories, a literal name, or an extension), so a path is tested only against the few
 * rules that could match it, and wholly literal patterns need no regex at all. The buckets of
 * each directory are remembered by the compiled file (the caller keeps compiled files by blob oid).
 * 3,000 paths against 500 lines take a few milliseconds.
 */
import { RE2JS } from 're2js';
import { parseCodeowners, type CodeownersProblem, type Owner, type Rule } from './parse.js';

export interface CompiledCodeowners {
  readonly rules: readonly Rule[];
  readonly problems: readonly CodeownersProblem[];
  /** The last rule whose pattern matches `path`; `undefined` when none does. */
  ruleFor(path: string): Rule | undefined;
  /** Owners of `path`: empty when no rule matches, or the last matching rule lists no owners. */
  ownersOf(path: string): readonly Owner[];
}

interface CompiledRule {
  readonly index: number;
  readonly rule: Rule;
  /** True when reaching the rule through its index bucket already proves the match (literal patterns). */
  readonly known: boolean;
  /** Compiled on first use: most rules of a large file are never tested. */
  regex?: PathTest;
}

/**
 * Rules indexed by the literal directories their anchored pattern starts with. Lists and children
 * are made on first use: most nodes hold one kind of rule, and a compiled file is kept across
 * evaluations, where empty lists and maps would be a large part of its size.
 */
interface PrefixNode {
  /** Wholly literal, no trailing `/` (`/docs/guide`): match the node's path and all below. */
  exact?: CompiledRule[];
  /** Wholly literal with a trailing `/` (`/docs/`): match everything below the node's path. */
  dir?: CompiledRule[];
  /** Starting with the node's path, then wildcards (`/docs/*.md`): tested by regex. */
  rest?: CompiledRule[];
  children?: Map<string, PrefixNode>;
}

/** Rules indexed by a name that must be one of the path's segments. */
interface NameBuckets {
  /** `logs`, `**\/logs`: a file or directory of that name anywhere (decided by the index). */
  readonly name: CompiledRule[];
  /** `logs/`: a directory of that name anywhere (decided by the index). */
  readonly dirName: CompiledRule[];
  /** Any other pattern with that literal segment (`**\/logs/*.txt`): tested by regex. */
  readonly segment: CompiledRule[];
}

const NO_OWNERS: readonly Owner[] = [];
const newNode = (): PrefixNode => ({});

/** Parses and compiles a CODEOWNERS file (the app keeps the result by blob oid: `GateContext.codeowners`). */
export function compileCodeowners(text: string): CompiledCodeowners {
  const { rules, problems } = parseCodeowners(text);
  const index = indexRules(rules);
  const directory = directoryMemo(index);
  const ruleFor = (path: string): Rule | undefined => {
    const slash = path.lastIndexOf('/');
    const dir = directory(slash === -1 ? '' : path.slice(0, slash));
    const lists = [...dir.lists];
    reachSegment(index, lists, dir.node, path.slice(slash + 1), true);
    return lastMatching(lists, path);
  };
  return {
    rules,
    problems,
    ruleFor,
    ownersOf: (path) => ruleFor(path)?.owners ?? NO_OWNERS,
  };
}

/**
 * Every rule, indexed by something any path it matches must contain, so a path is tested only
 * against the few rules that could match it (a scan of 500 regexes per path is far too slow for
 * 3,000 paths):
 * - an anchored pattern starting with literal directories (`/services/payments/`, `docs/*`) by
 *   those directories, in a tree: the path must start with them;
 * - a bare name at any depth (`logs`, `**\/logs`, `apps/`) by that name: one of the path's
 *   segments must be it;
 * - else by a literal segment (`logs` in `**\/logs/*.txt`);
 * - else by the extension a literal tail implies (`js` for `*.js`, `go` for `*_test.go`);
 * - every other rule (`*`, `docs*`) is tested against every path.
 * Wholly literal patterns are decided by the index alone, without a regex.
 */
interface RuleIndex {
  readonly root: PrefixNode;
  readonly byName: Map<string, NameBuckets>;
  readonly byExtension: Map<string, CompiledRule[]>;
  readonly general: CompiledRule[];
}

function indexRules(rules: readonly Rule[]): RuleIndex {
  const index: RuleIndex = { root: newNode(), byName: new Map(), byExtension: new Map(), general: [] };
  rules.forEach((rule, line) => indexRule(index, rule, line));
  return index;
}

function indexRule(index: RuleIndex, rule: Rule, line: number): void {
  const shape = shapeOf(rule.pattern);
  const { segments, dirOnly } = shape;
  const leading = segments.findIndex((s) => !isLiteral(s));
  const literal = leading === -1;
  const compiled = (known: boolean): CompiledRule => ({ index: line, rule, known });
  if (segments.length === 0) return; // `/`: matches nothing (the parser reports it)
  if (leading !== 0) {
    const node = prefixNode(index.root, literal ? segments : segments.slice(0, leading));
    if (!literal) (node.rest ??= []).push(compiled(false));
    else if (dirOnly) (node.dir ??= []).push(compiled(true));
    else (node.exact ??= []).push(compiled(true));
    return;
  }
  const name = segments.length === 2 && segments[0] === '**' && isLiteral(segments[1]!) ? segments[1]! : undefined;
  if (name !== undefined) return addName(index, name, dirOnly ? 'dirName' : 'name', compiled(true));
  const segment = segments.findLast(isLiteral);
  if (segment !== undefined) return addName(index, segment, 'segment', compiled(false));
  const extension = segments.map(literalExtension).findLast((e) => e !== undefined);
  if (extension === undefined) {
    index.general.push(compiled(matchesEverything(shape)));
    return;
  }
  const bucket = index.byExtension.get(extension);
  if (bucket) bucket.push(compiled(false));
  else index.byExtension.set(extension, [compiled(false)]);
}

/** The node of the prefix tree for `segments`, made on the way. */
function prefixNode(root: PrefixNode, segments: readonly string[]): PrefixNode {
  let node = root;
  for (const segment of segments) {
    const children = (node.children ??= new Map());
    let child = children.get(segment);
    if (!child) children.set(segment, (child = newNode()));
    node = child;
  }
  return node;
}

function addName(index: RuleIndex, name: string, kind: keyof NameBuckets, c: CompiledRule): void {
  let buckets = index.byName.get(name);
  if (!buckets) index.byName.set(name, (buckets = { name: [], dirName: [], segment: [] }));
  buckets[kind].push(c);
}

/** Adds the buckets one path segment reaches; `node` is the prefix-tree node of the segments before it. */
function reachSegment(
  index: RuleIndex,
  lists: CompiledRule[][],
  node: PrefixNode | undefined,
  segment: string,
  last: boolean,
): PrefixNode | undefined {
  const reach = (bucket: CompiledRule[] | undefined) => {
    if (bucket && bucket.length > 0 && !lists.includes(bucket)) lists.push(bucket);
  };
  const child = node?.children?.get(segment);
  if (child) {
    reach(child.exact);
    if (!last) reach(child.dir);
    reach(child.rest);
  }
  const named = index.byName.get(segment);
  if (named) {
    reach(named.name);
    if (!last) reach(named.dirName);
    reach(named.segment);
  }
  const dot = segment.lastIndexOf('.');
  if (dot !== -1) reach(index.byExtension.get(segment.slice(dot + 1)));
  return child;
}

/** The buckets a directory reaches, and its node in the prefix tree. */
interface DirState {
  readonly lists: CompiledRule[][];
  readonly node: PrefixNode | undefined;
}

/**
 * Paths of one pull request share directories: the buckets each directory reaches, built from its
 * parent's and remembered by the compiled file (bounded; cleared when full).
 */
function directoryMemo(index: RuleIndex): (dir: string) => DirState {
  const top: DirState = { lists: index.general.length > 0 ? [index.general] : [], node: index.root };
  const dirs = new Map<string, DirState>([['', top]]);
  return (dir) => {
    const known = dirs.get(dir);
    if (known) return known;
    // Walk up to the nearest remembered ancestor, then down again.
    const pending: string[] = [];
    let ancestor = dir;
    let state: DirState | undefined;
    while (!(state = dirs.get(ancestor))) {
      pending.push(ancestor);
      const cut = ancestor.lastIndexOf('/');
      ancestor = cut === -1 ? '' : ancestor.slice(0, cut);
    }
    if (dirs.size + pending.length > DIRECTORY_MEMO_SIZE) {
      dirs.clear();
      dirs.set('', top);
    }
    for (let i = pending.length - 1; i >= 0; i--) {
      const path = pending[i]!;
      const lists: CompiledRule[][] = [...state.lists];
      const node = reachSegment(index, lists, state.node, path.slice(path.lastIndexOf('/') + 1), false);
      dirs.set(path, (state = { lists, node }));
    }
    return state;
  };
}

/** The last matching line wins: walks the buckets together from their ends, highest line first. */
function lastMatching(lists: readonly CompiledRule[][], path: string): Rule | undefined {
  const next = lists.map((list) => list.length - 1);
  for (;;) {
    let best = -1;
    let bestIndex = -1;
    for (let j = 0; j < lists.length; j++) {
      const at = next[j]!;
      if (at >= 0 && lists[j]![at]!.index > bestIndex) {
        bestIndex = lists[j]![at]!.index;
        best = j;
      }
    }
    if (best === -1) return undefined;
    const c = lists[best]![next[best]!--]!;
    if (c.known || (c.regex ??= patternToRegExp(c.rule.pattern)).test(path)) return c.rule;
  }
}

/** Directories whose index buckets one compiled file remembers. */
const DIRECTORY_MEMO_SIZE = 10_000;

/** One path segment of a pattern, escapes kept: literal text with `*` / `?`, or a whole-segment `**`. */
type Segment = string;

/** Splits on unescaped `/`, keeping escapes inside segments. */
function splitSegments(pattern: string): string[] {
  const segments: string[] = [];
  let current = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) {
      current += ch + pattern[++i]!;
    } else if (ch === '/') {
      segments.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  segments.push(current);
  return segments;
}

const escapeRegex = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

/** A compiled pattern: a native RegExp, or an RE2 matcher for patterns that could backtrack. */
export interface PathTest {
  test(path: string): boolean;
}

/** The regex of one segment that is not a whole `**`. */
function segmentRegex(segment: string): string {
  if (segment === '*') return '[^/]+';
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i]!;
    if (ch === '\\' && i + 1 < segment.length) re += escapeRegex(segment[++i]!);
    else if (ch === '*') {
      while (segment[i + 1] === '*') i++; // `**` inside a segment is a plain `*`
      re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else re += escapeRegex(ch);
  }
  return re;
}

interface PatternShape {
  /** Segments without empty ones; consecutive `**` collapsed; `**` prepended when unanchored. */
  readonly segments: readonly Segment[];
  /** True when the pattern ends with `/`: it names a directory. */
  readonly dirOnly: boolean;
  /** True when a leading or inner `/` ties the pattern to the root. */
  readonly anchored: boolean;
}

function shapeOf(pattern: string): PatternShape {
  const raw = splitSegments(pattern);
  const leadingSlash = raw.length > 1 && raw[0] === '';
  const dirOnly = raw.length > 1 && raw[raw.length - 1] === '';
  // Empty segments (`a//b`, the leading and trailing `/`) carry no name.
  let segments: Segment[] = raw.filter((s) => s !== '');
  segments = segments.filter((s, i) => !(s === '**' && segments[i - 1] === '**'));
  const anchored = leadingSlash || segments.length > 1;
  if (!anchored && segments.length > 0 && segments[0] !== '**') segments = ['**', ...segments];
  return { segments, dirOnly, anchored };
}

/** `*`, `**`, `**\/*`: every path. */
const matchesEverything = ({ segments, dirOnly }: PatternShape) =>
  !dirOnly && segments[0] === '**' && (segments.length === 1 || (segments.length === 2 && segments[1] === '*'));

/** A segment without wildcards or escapes: it equals one of the path's segments. */
const isLiteral = (segment: Segment) => !/[*?\\]/.test(segment);

/**
 * For a segment that ends in a literal containing a dot (`*.js`, `*.test.ts`, `v?.json`),
 * the extension every matching name has (`js`, `ts`, `json`).
 */
function literalExtension(segment: Segment): string | undefined {
  if (segment === '**' || segment.includes('\\')) return undefined;
  const tail = segment.slice(Math.max(segment.lastIndexOf('*'), segment.lastIndexOf('?')) + 1);
  const dot = tail.lastIndexOf('.');
  return dot === -1 ? undefined : tail.slice(dot + 1);
}

/** Compiles one CODEOWNERS pattern (as written, escapes included) to an anchored RegExp over root-relative paths. */
export function patternToRegExp(pattern: string): PathTest {
  return shapeToRegExp(shapeOf(pattern));
}

function shapeToRegExp({ segments, dirOnly }: PatternShape): PathTest {
  if (segments.length === 0) return /(?!)/; // `/`: matches nothing (the parser reports it)
  const last = segments.length - 1;
  let re = '';
  let needSep = false;
  segments.forEach((segment, i) => {
    if (segment === '**') {
      // A last `**` names everything below; with a trailing `/` (`**/`, `a/**/`), directories
      // only: at least one directory, then what is inside it (never a file at that level).
      const below = dirOnly ? '[^/]+/.+' : '.+';
      if (i === 0 && i === last) re += below;
      else if (i === 0) re += '(?:[^/]+/)*';
      else if (i === last) re += `/${below}`;
      else {
        re += '(?:/[^/]+)*';
        needSep = true;
      }
      return;
    }
    if (needSep) re += '/';
    re += segmentRegex(segment);
    needSep = true;
    if (i !== last) return;
    if (dirOnly)
      re += '/.+'; // a directory: everything below it
    else if (segment === '*' && segments[i - 1] !== '**') {
      // GitHub's exception to gitignore: `docs/*` matches direct children only
    } else re += '(?:/.+)?'; // a file, or a directory and everything below it
  });
  const source = `^${re}$`;
  // A native RegExp backtracks: a segment with several wildcards (`*a*a*a*c`) or several `**`
  // can take exponential time on a crafted path. Those patterns run on RE2 (linear time);
  // the common simple ones keep the faster native engine.
  const wildcardRuns = (seg: string) => (seg.replace(/\\./g, 'x').match(/[*?]+/g) ?? []).length;
  const risky =
    segments.filter((seg) => seg === '**').length > 1 || segments.some((seg) => seg !== '**' && wildcardRuns(seg) > 1);
  if (!risky) return new RegExp(source, 'su');
  const re2 = RE2JS.compile(source.replace('(?!)', '[^\\s\\S]'), RE2JS.DOTALL);
  return { test: (path: string) => re2.matches(path) };
}
