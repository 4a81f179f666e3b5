/**
 * Parses and validates one config file's text, locating every problem by line,
 * column and key path. Never throws: the result is tagged.
 *
 * Every message comes from one vocabulary (`PROBLEM_FORMS`, written down in
 * docs/configuration.md): neither the YAML library's nor zod's wording reaches a
 * user. Problems are sorted by place; the first `MAX_LISTED_PROBLEMS` are listed
 * and the rest are counted, so a file of 20,000 mistakes costs one walk of its
 * document, not 20,000.
 */
import {
  CST,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  parseDocument,
  Scalar,
  type Document,
  type ErrorCode,
  type Node,
} from 'yaml';
import { z } from 'zod';
import { QualityGatesConfig } from '../../../gates/config.js';

/** One located problem in a config file. */
export interface ConfigProblem {
  /** Where the file was read, e.g. `acme/api:.github/quality-gates.yml@main`. */
  readonly file: string;
  /** 1-based; 0 when the problem has no place in the file. */
  readonly line: number;
  readonly column: number;
  /** Dotted key path, e.g. `gates.batch-size.max_lines`; empty for the whole file. */
  readonly path: string;
  /** What is wrong and what is allowed, in the words of `PROBLEM_FORMS`. */
  readonly message: string;
}

export type ParsedConfigFile =
  | { readonly kind: 'ok'; readonly file: string; readonly raw: Record<string, unknown> }
  | {
      readonly kind: 'invalid';
      readonly file: string;
      /**
       * Sorted by line and column (whole-file problems first); at most `MAX_LISTED_PROBLEMS`,
       * then one whole-file entry "and N more problems" when there are more.
       */
      readonly problems: readonly ConfigProblem[];
      /** Every problem found, listed or not. */
      readonly total: number;
    };

/**
 * Config files larger than this are refused: a config is a few hundred bytes to a few KB. A
 * fork's proposed file is parsed on the event loop that answers every tenant's webhooks, and the
 * YAML library reads well under a megabyte a second on the worst shapes (256 KB took 0.3–0.8 s,
 * 32 KB 50–90 ms on a busy two-core machine): 16 KB keeps the worst file to a few tens of
 * milliseconds (`npm run bench`, section 6).
 */
export const MAX_CONFIG_BYTES = 16 * 1024;
/**
 * Deepest nesting of flow collections (`[`, `{`), and most nesting indicators (`-`, `?`, `:`
 * outside brackets, anchors, tags) on one line. The YAML library composes nested nodes
 * recursively: `[` 16,000 times, or `- ` 16,000 times on one line, took 0.2–1.3 s to end in a
 * stack overflow. A config nests four levels; these refuse such files before they are parsed.
 */
const MAX_FLOW_DEPTH = 16;
const MAX_INDICATORS_PER_LINE = 8;
/** Problems listed one by one; the rest are counted in one more entry. */
export const MAX_LISTED_PROBLEMS = 25;
/** Guards against alias ("billion laughs") bombs. */
const MAX_ALIAS_COUNT = 100;
/** Key paths deeper than this are not indexed (the schema is four levels deep); deeper problems point at the ancestor. */
const MAX_INDEXED_DEPTH = 8;
/** Longest user string quoted in a message. */
const MAX_QUOTED = 60;

/**
 * The vocabulary of config problems: every message is one of these forms (a test holds
 * that line), and docs/configuration.md lists them. `V` is the value found, quoted.
 */
export const PROBLEM_FORMS = [
  {
    form: 'unknown key "K"; allowed here: …',
    example:
      'unknown key "max_line"; allowed here: mode, max_lines, max_files, exclude, default_excludes, max_excluded_lines',
    pattern: /^unknown key ".*"; allowed here: .+$/,
  },
  {
    form: 'must be a mapping | a list | a string | a number | a whole number | true or false; found V',
    example: 'must be a whole number; found "ten"',
    pattern: /^must be (a mapping|a list|a string|a number|a whole number|true or false); found .+$/,
  },
  {
    form: 'must be one of: …; found V',
    example: 'must be one of: "block", "warn", "off"; found "strict"',
    pattern: /^must be one of: .+; found .+$/,
  },
  {
    form: 'must be at least N | at most N; found V',
    example: 'must be at least 0; found -1',
    pattern: /^must be (at least|at most|more than|less than) \S+; found .+$/,
  },
  { form: 'must not be empty', example: 'must not be empty', pattern: /^must not be empty$/ },
  {
    form: 'must be at least | at most N characters long; found M',
    example: 'must be at most 100 characters long; found 140',
    pattern: /^must be (at least|at most) [\d,]+ characters long; found [\d,]+$/,
  },
  {
    form: 'must list at least | at most N items; found M',
    example: 'must list at most 200 items; found 11,000',
    pattern: /^must list (at least|at most) [\d,]+ items?; found [\d,]+$/,
  },
  {
    form: 'must match PATTERN (what the pattern means); found V',
    example:
      'must match /^[A-Z][A-Z0-9]*$/ (a project key is upper-case letters and digits, starting with a letter); found "pay"',
    pattern: /^must match .+; found .+$/,
  },
  {
    form: 'a rule of the key, as its reference states it; found V',
    example:
      'not a valid RE2 regular expression (missing closing ): `(a`); RE2 has no backreferences or lookaround; found "(a"',
    pattern: /; found .+$/,
  },
  {
    form: 'duplicate key "K"; it is already set on line N',
    example: 'duplicate key "on_error"; it is already set on line 1',
    pattern: /^duplicate key ".*"; it is already set on line \d+$/,
  },
  {
    form: 'alias "*A" …: an alias that names no anchor before it, or a value that contains itself',
    example: 'alias "*common" names no anchor before it: set "&common" on an earlier value',
    pattern: /^alias ".*" (names no anchor before it: set ".*" on an earlier value|is inside the value it names)$/,
  },
  {
    form: 'merge key "<<" must name a mapping …',
    example: 'merge key "<<" must name a mapping ("<<: *name") or a list of them; found "x"',
    pattern: /^merge key "<<" must name a mapping .+; found .+$/,
  },
  {
    form: 'aliases repeat more than … values',
    example:
      'aliases repeat more data than a config needs (over 100 alias uses, counting nested ones): write the values out',
    pattern: /^aliases repeat more data than a config needs/,
  },
  {
    form: 'not valid YAML: what is wrong',
    example: 'not valid YAML: this "[" is never closed: end the list with "]"',
    pattern: /^not valid YAML: .+$/,
  },
  {
    form: 'the file holds more than one YAML document …',
    example: 'the file holds more than one YAML document: a second starts here with "---"; keep one',
    pattern: /^the file holds more than one YAML document/,
  },
  {
    form: 'the file must be a mapping of keys …',
    example:
      'the file must be a mapping of keys (_extends, defaults, checks, skip, on_error, gates, overrides); found a list',
    pattern: /^the file must be a mapping of keys \(.+\); found .+$/,
  },
  {
    form: 'the file is larger than N KB',
    example: 'the file is larger than 16 KB',
    pattern: /^the file is larger than \d+ KB$/,
  },
  { form: 'and N more problems', example: 'and 1,475 more problems', pattern: /^and [\d,]+ more problems?$/ },
] as const;

/** A problem before it is placed on a line: `offset` into the text, or undefined for the whole file. */
interface Found {
  readonly offset: number | undefined;
  readonly path: string;
  readonly message: string;
}

/** `maxBytes`: the size cap, `MAX_CONFIG_BYTES` unless a test measures work on larger files. */
export function parseConfigText(text: string, file: string, maxBytes = MAX_CONFIG_BYTES): ParsedConfigFile {
  const lines = new LineCounter();
  const invalid = (found: readonly Found[]): ParsedConfigFile => listProblems(found, file, lines);
  if (Buffer.byteLength(text, 'utf8') > maxBytes) {
    return invalid([{ offset: undefined, path: '', message: `the file is larger than ${maxBytes / 1024} KB` }]);
  }
  const nesting = nestingProblem(text);
  if (nesting) {
    // Not parsed: the line starts up to the problem are counted here.
    lines.addNewLine(0);
    for (let at = text.indexOf('\n'); at !== -1 && at < nesting.offset!; at = text.indexOf('\n', at + 1))
      lines.addNewLine(at + 1);
    return invalid([nesting]);
  }
  let doc: Document.Parsed;
  try {
    // uniqueKeys: false — the library checks each key against every earlier one (quadratic);
    // the index below finds duplicates with one lookup per key. merge: `<<: *name` works.
    doc = parseDocument(text, {
      lineCounter: lines,
      prettyErrors: false,
      uniqueKeys: false,
      strict: true,
      merge: true,
    });
  } catch {
    return invalid([{ offset: 0, path: '', message: 'not valid YAML: the parser gave up on this file' }]);
  }
  const index = indexDocument(doc, text, lines, doc.errors.length > 0);
  if (doc.errors.length > 0 || index.problems.length > 0) {
    return invalid([...yamlProblems(doc, index, lines), ...index.problems]);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    // Unresolved and circular aliases and bad merges were caught by the index: what is left is an alias bomb.
    const message = `aliases repeat more data than a config needs (over ${MAX_ALIAS_COUNT} alias uses, counting nested ones): write the values out`;
    return invalid([{ offset: index.firstAlias ?? 0, path: '', message }]);
  }
  if (value === null || value === undefined) return { kind: 'ok', file, raw: {} };
  if (!isPlainObject(value)) {
    const message = `the file must be a mapping of keys (${Object.keys(QualityGatesConfig.shape).join(', ')}); found ${describeValue(value)}`;
    return invalid([{ offset: doc.contents?.range?.[0] ?? 0, path: '', message }]);
  }
  emptySectionsAsDefaults(value, QualityGatesConfig);
  const checked = QualityGatesConfig.safeParse(value, { reportInput: true });
  if (checked.success) return { kind: 'ok', file, raw: value };
  return invalid(checked.error.issues.flatMap((issue) => locateIssue(issue, index)));
}

/**
 * Refuses nesting a config never needs (`MAX_FLOW_DEPTH`, `MAX_INDICATORS_PER_LINE`), reading the
 * YAML library's tokens (quotes and comments as YAML reads them) and stopping at the first excess.
 */
function nestingProblem(text: string): Found | undefined {
  let depth = 0;
  let onLine = 0;
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    if (type === 'newline') onLine = 0;
    else if (type === 'flow-seq-start' || type === 'flow-map-start') depth++;
    else if (type === 'flow-seq-end' || type === 'flow-map-end') depth = Math.max(0, depth - 1);
    else if (NESTING_INDICATORS.has(type) || (type === 'map-value-ind' && depth === 0)) onLine++;
    if (depth > MAX_FLOW_DEPTH) {
      return {
        offset,
        path: '',
        message: `not valid YAML: lists and mappings in brackets are nested more than ${MAX_FLOW_DEPTH} deep here; a config needs four levels`,
      };
    }
    if (onLine > MAX_INDICATORS_PER_LINE) {
      return {
        offset,
        path: '',
        message: `not valid YAML: more than ${MAX_INDICATORS_PER_LINE} of "-", "?", ":", anchors and tags on one line; put each nested value on a line of its own`,
      };
    }
    // Tokens are slices of the text, but for the lexer's zero-width markers.
    if (!LEXER_MARKERS.has(token)) offset += token.length;
  }
  return undefined;
}

const NESTING_INDICATORS = new Set<string | null>(['seq-item-ind', 'explicit-key-ind', 'anchor', 'tag']);
/** The lexer's document, flow-error and scalar markers: not in the text. */
const LEXER_MARKERS = new Set(['\u0002', '\u0018', '\u001f']);

/** Sorts by place (whole-file problems first), lists the first ones and counts the rest. */
function listProblems(found: readonly Found[], file: string, lines: LineCounter): ParsedConfigFile {
  const placed = found.map((f): ConfigProblem => {
    const pos = f.offset === undefined ? { line: 0, col: 0 } : lines.linePos(f.offset);
    return { file, line: pos.line, column: pos.col, path: f.path, message: f.message };
  });
  placed.sort((a, b) => a.line - b.line || a.column - b.column);
  const listed = placed.slice(0, MAX_LISTED_PROBLEMS);
  const rest = placed.length - listed.length;
  if (rest > 0) {
    listed.push({
      file,
      line: 0,
      column: 0,
      path: '',
      message: `and ${rest.toLocaleString('en-US')} more ${rest === 1 ? 'problem' : 'problems'}`,
    });
  }
  return { kind: 'invalid', file, problems: listed, total: placed.length };
}

/** Where every key and value of the document is, by key path, and what the document itself gets wrong. */
interface DocumentIndex {
  /** Key path (segments joined by NUL) → offsets of the key and the value. */
  readonly places: Map<string, { readonly key: number | undefined; readonly value: number }>;
  /** Key path of a mapping with a merge key → offset of the merged value. */
  readonly merges: Map<string, number>;
  /** Duplicate keys, aliases without an anchor, cycles, bad merges. */
  readonly problems: Found[];
  /** Flow collections (`[`, `{`) never closed, by offset of their opening character (only for files with YAML errors). */
  readonly unclosed: { readonly offset: number; readonly open: string }[];
  /** Quoted scalars, for placing "missing closing quote" (only for files with YAML errors). */
  readonly quoted: { readonly offset: number; readonly quote: string }[];
  firstAlias: number | undefined;
}

interface Entry {
  readonly node: unknown;
  readonly path: readonly string[];
  readonly indexed: boolean;
}

const SEP = '\u0000';
const joinPath = (segments: readonly string[]) => segments.join(SEP);

/**
 * One walk of the document, in document order (so an alias resolves to the last anchor
 * before it, as YAML says). Aliases are not followed, so an alias bomb costs its text only.
 */
function indexDocument(doc: Document.Parsed, text: string, lines: LineCounter, hasErrors: boolean): DocumentIndex {
  const index: DocumentIndex = {
    places: new Map(),
    merges: new Map(),
    problems: [],
    unclosed: [],
    quoted: [],
    firstAlias: undefined,
  };
  const anchors = new Map<string, Node>();
  // `indexed` is false below an inline merged mapping (`<<: {…}`): its keys never hide the mapping's own.
  const stack: Entry[] = [{ node: doc.contents, path: [], indexed: true }];
  while (stack.length > 0) {
    const { node, path, indexed: parentIndexed } = stack.pop()!;
    if (isAlias(node)) {
      const offset = node.range?.[0] ?? 0;
      index.firstAlias ??= offset;
      const target = anchors.get(node.source);
      if (!target) {
        index.problems.push({
          offset,
          path: keyPath(path),
          message: `alias ${quote(`*${node.source}`)} names no anchor before it: set ${quote(`&${node.source}`)} on an earlier value`,
        });
      } else if (target.range && target.range[0] <= offset && offset < target.range[1]) {
        index.problems.push({
          offset,
          path: keyPath(path),
          message: `alias ${quote(`*${node.source}`)} is inside the value it names`,
        });
      }
      continue;
    }
    if (!isMap(node) && !isSeq(node) && !isScalar(node)) continue;
    if (node.anchor) anchors.set(node.anchor, node);
    if (isScalar(node)) {
      if (hasErrors && (node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE) && node.range) {
        index.quoted.push({ offset: node.range[0], quote: node.type === Scalar.QUOTE_DOUBLE ? '"' : "'" });
      }
      continue;
    }
    if (hasErrors && node.flow && node.range) {
      const close = isMap(node) ? '}' : ']';
      if (text[node.range[1] - 1] !== close)
        index.unclosed.push({ offset: node.range[0], open: isMap(node) ? '{' : '[' });
    }
    const indexed = parentIndexed && path.length < MAX_INDEXED_DEPTH;
    const children: Entry[] = [];
    if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const itemPath = indexed ? [...path, String(i)] : path;
        const offset = (item as Node | null)?.range?.[0];
        if (indexed && offset !== undefined) index.places.set(joinPath(itemPath), { key: undefined, value: offset });
        children.push({ node: isPair(item) ? item.value : item, path: itemPath, indexed });
      });
    } else {
      const seen = new Map<string, number>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        const keyOffset = key?.range?.[0];
        const valueOffset = (pair.value as Node | null)?.range?.[0] ?? key?.range?.[1] ?? 0;
        if (isScalar(key) && typeof key.value === 'symbol') {
          index.merges.set(joinPath(path), valueOffset);
          const problem = badMerge(pair.value, anchors);
          if (problem) index.problems.push({ offset: valueOffset, path: keyPath(path), message: problem });
          children.push({ node: pair.value, path, indexed: false });
          continue;
        }
        if (!isScalar(key)) {
          // A complex key (`? [a]`) is walked for its anchors; it never matches a config key.
          children.push({ node: key, path, indexed: false }, { node: pair.value, path, indexed: false });
          continue;
        }
        const name = key.value === null || key.value === undefined ? '' : String(key.value);
        const childPath = indexed ? [...path, name] : path;
        const first = seen.get(name);
        if (first !== undefined && keyOffset !== undefined) {
          const line = lines.linePos(first).line;
          index.problems.push({
            offset: keyOffset,
            path: keyPath([...path, name]),
            message: `duplicate key ${quote(name)}; it is already set on line ${line}`,
          });
        } else if (keyOffset !== undefined) {
          seen.set(name, keyOffset);
          if (indexed) index.places.set(joinPath(childPath), { key: keyOffset, value: valueOffset });
        }
        children.push({ node: key, path: childPath, indexed }, { node: pair.value, path: childPath, indexed });
      }
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return index;
}

/** A merge key (`<<`) takes a mapping, an alias of one, or a list of those. */
function badMerge(value: unknown, anchors: ReadonlyMap<string, Node>): string | undefined {
  const resolve = (v: unknown) => (isAlias(v) ? anchors.get(v.source) : v);
  const target = resolve(value);
  if (isAlias(value) && !target) return undefined; // reported as an alias without an anchor
  const ok =
    isMap(target) ||
    (isSeq(target) && target.items.every((item) => isMap(resolve(item)) || (isAlias(item) && !resolve(item))));
  if (ok) return undefined;
  return `merge key "<<" must name a mapping ("<<: *name") or a list of them; found ${describeNode(target)}`;
}

function describeNode(node: unknown): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return describeValue(node.value);
  return 'an empty value';
}

/** The YAML library's errors, in our words, placed where the mistake is. */
function yamlProblems(doc: Document.Parsed, index: DocumentIndex, lines: LineCounter): Found[] {
  const out: Found[] = [];
  const linesSeen = new Set<number>();
  for (const error of doc.errors) {
    const placed = yamlProblem(error.code, error.message.split('\n')[0] ?? '', error.pos[0], index);
    // One mistake often trips several errors at one place: the first one says it best.
    const line = lines.linePos(placed.offset ?? 0).line;
    if (linesSeen.has(line)) continue;
    linesSeen.add(line);
    out.push(placed);
  }
  return out;
}

const YAML_WORDS: readonly [RegExp, (m: RegExpExecArray) => string][] = [
  [/^All mapping items must start at the same column/, () => 'keys of one mapping must start at the same column'],
  [/^All sequence items must start at the same column/, () => 'items of one list must start at the same column'],
  [
    /^Implicit keys need to be on a single line/,
    () => 'a key must be on one line (is a ":" missing, or a "-" misplaced?)',
  ],
  [/^Implicit map keys need to be followed by map values/, () => 'a key needs a ":" after it'],
  [/^Unexpected (?:[\w-]+) token in YAML stream: "(.*)"$/, (m) => `unexpected ${quote(m[1] ?? '')}`],
  [
    /^Invalid escape sequence (.*)$/,
    (m) =>
      `unknown escape ${quote(m[1] ?? '')} in a double-quoted string: write \\\\ for a backslash, or use single quotes`,
  ],
  [
    /^Plain value cannot start with (.*)$/,
    (m) => `a value cannot start with ${m[1] ?? 'this character'} unless it is quoted`,
  ],
  [/^Missing , (?:or : )?between flow (?:sequence|map) items/, () => 'a "," is missing between two items'],
  [/^Missing space after : in flow/, () => 'a space is missing after ":"'],
  [/^Comments must be separated from other tokens by white space/, () => 'a comment needs a space before its "#"'],
  [
    /^Nested mappings are not allowed in compact mappings/,
    () => 'a mapping cannot start on the line of its key: move it to the next line, indented',
  ],
  [
    /^Block collections are not allowed within flow collections/,
    () => 'an indented list or mapping inside [ ] or { }: write it inline, or drop the brackets',
  ],
  [/^A node can have at most one anchor/, () => 'a value can have one anchor (&name)'],
  [/^A node can have at most one tag/, () => 'a value can have one tag (!tag)'],
  [/^An alias node must not specify any properties/, () => 'an alias (*name) cannot have an anchor or a tag'],
  [/^(?:Alias|Anchor) cannot be an empty string/, () => 'an anchor or alias needs a name (&name, *name)'],
  [/^Tabs are not allowed as indentation/, () => 'a tab indents this line: indent with spaces'],
  [/^The : indicator must be at most 1024 chars/, () => 'a key is longer than 1,024 characters'],
];

function yamlProblem(code: ErrorCode, message: string, offset: number, index: DocumentIndex): Found {
  if (code === 'MULTIPLE_DOCS') {
    return {
      offset,
      path: '',
      message: 'the file holds more than one YAML document: a second starts here with "---"; keep one',
    };
  }
  const flow = /^Flow (sequence|map) in block collection/.exec(message);
  if (flow) {
    const open = flow[1] === 'map' ? '{' : '[';
    const close = open === '{' ? '}' : ']';
    const start = lastBefore(
      index.unclosed.filter((u) => u.open === open),
      offset,
    );
    if (start !== undefined)
      return {
        offset: start,
        path: '',
        message: `not valid YAML: this "${open}" is never closed: end the ${open === '[' ? 'list' : 'mapping'} with "${close}"`,
      };
    return {
      offset,
      path: '',
      message: `not valid YAML: a "${open}" before this line is not closed, or this line is not indented enough`,
    };
  }
  const quoteChar = /^Missing closing (["'])quote/.exec(message)?.[1];
  if (quoteChar) {
    const start = lastBefore(
      index.quoted.filter((q) => q.quote === quoteChar),
      offset,
    );
    return {
      offset: start ?? offset,
      path: '',
      message: `not valid YAML: this quoted string is never closed: end it with ${quoteChar}`,
    };
  }
  for (const [pattern, words] of YAML_WORDS) {
    const m = pattern.exec(message);
    if (m) return { offset, path: '', message: `not valid YAML: ${words(m)}` };
  }
  // A message without words of ours: the library's, without its API names.
  const plain = message.replace(/;?\s*(?:please )?use YAML\.\w+\(\)\.?/g, '').replace(/\.$/, '');
  return { offset, path: '', message: `not valid YAML: ${plain.charAt(0).toLowerCase()}${plain.slice(1)}` };
}

function lastBefore(items: readonly { readonly offset: number }[], offset: number): number | undefined {
  let best: number | undefined;
  for (const item of items) if (item.offset < offset && (best === undefined || item.offset > best)) best = item.offset;
  return best;
}

function locateIssue(issue: z.core.$ZodIssue, index: DocumentIndex): Found[] {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeysAt(path);
    const hint = allowed ? `; allowed here: ${allowed.join(', ')}` : '';
    return issue.keys.map((key) => ({
      offset: offsetOf(index, [...path, key], true),
      path: keyPath([...path, key]),
      message: `unknown key ${quote(key)}${hint}`,
    }));
  }
  return [{ offset: offsetOf(index, path, false), path: keyPath(path), message: describeIssue(issue) }];
}

/** The key's (or value's) offset at `path`; else where a merge brought it in; else the nearest ancestor's value. */
function offsetOf(index: DocumentIndex, path: readonly string[], key: boolean): number | undefined {
  const exact = index.places.get(joinPath(path));
  if (exact) return key ? (exact.key ?? exact.value) : exact.value;
  for (let n = path.length - 1; n >= 0; n--) {
    const prefix = joinPath(path.slice(0, n));
    const merged = index.merges.get(prefix);
    if (merged !== undefined) return merged;
    const ancestor = index.places.get(prefix);
    if (ancestor) return ancestor.value;
  }
  return undefined;
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

const defaultMessage = z.locales.en().localeError;

/** The schema's own words for an issue, when it has some (zod's defaults are never shown). */
function authored(issue: z.core.$ZodIssue): string | undefined {
  const fallback = defaultMessage(issue as never);
  const text = typeof fallback === 'string' ? fallback : fallback?.message;
  return issue.message && issue.message !== text ? issue.message : undefined;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const found = `found ${describeValue(issue.input)}`;
  switch (issue.code) {
    case 'invalid_type': {
      // zod says "number" for a string given to an integer key, and "int" for a fraction: one word for both.
      const expected =
        issue.expected === 'number' && isIntegerSchema(schemaAt(issue.path.map(String))) ? 'int' : issue.expected;
      return `must be ${TYPE_WORDS[expected] ?? `a ${expected}`}; ${found}`;
    }
    case 'invalid_value':
      return `must be one of: ${issue.values.map((v) => quote(String(v))).join(', ')}; ${found}`;
    case 'too_small':
      return bound(
        issue.origin,
        'at least',
        'more than',
        Number(issue.minimum),
        issue.inclusive !== false,
        issue.input,
      );
    case 'too_big':
      return bound(issue.origin, 'at most', 'less than', Number(issue.maximum), issue.inclusive !== false, issue.input);
    case 'invalid_format': {
      const rule = 'pattern' in issue && issue.pattern ? `match ${issue.pattern}` : `be a valid ${issue.format}`;
      const own = authored(issue);
      return `must ${rule}${own ? ` (${own})` : ''}; ${found}`;
    }
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}; ${found}`;
    case 'custom':
      return `${authored(issue) ?? 'must be a value this key allows (see docs/configuration.md)'}; ${found}`;
    default:
      return `must be a value this key allows (see docs/configuration.md); ${found}`;
  }
}

function bound(
  origin: string,
  inclusiveWord: string,
  exclusiveWord: string,
  limit: number,
  inclusive: boolean,
  input: unknown,
): string {
  const n = (x: number) => x.toLocaleString('en-US');
  if (origin === 'string' || origin === 'array') {
    const size = typeof input === 'string' || Array.isArray(input) ? input.length : 0;
    if (inclusiveWord === 'at least' && limit <= 1) return 'must not be empty';
    let edge = limit;
    if (!inclusive) edge = inclusiveWord === 'at least' ? limit + 1 : limit - 1;
    return origin === 'string'
      ? `must be ${inclusiveWord} ${n(edge)} characters long; found ${n(size)}`
      : `must list ${inclusiveWord} ${n(edge)} ${edge === 1 ? 'item' : 'items'}; found ${n(size)}`;
  }
  return `must be ${inclusive ? inclusiveWord : exclusiveWord} ${String(limit)}; found ${describeValue(input)}`;
}

/** A value as a message names it: strings quoted (and cut), numbers and booleans as written. */
function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  return typeof value === 'object' ? 'a mapping' : typeof value;
}

/** The dotted key path shown with a problem; each key cut and escaped as `quote` does, without the quotes. */
function keyPath(path: readonly string[]): string {
  return path.map((key) => (/^[\w-]{1,60}$/.test(key) ? key : quote(key).slice(1, -1))).join('.');
}

/**
 * A user string in double quotes, cut to `MAX_QUOTED` characters, with control and
 * format characters (terminal escapes, bidirectional overrides) written as `\uXXXX`.
 */
function quote(text: string): string {
  const cut = text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED - 1)}…` : text;
  return JSON.stringify(cut).replace(
    /[\p{Cc}\p{Cf}\u2028\u2029]/gu,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

/**
 * A section or gate written with no value (`tests-touched:`) is YAML null: it means
 * "the defaults", as an empty mapping does. Replaced here, so `_extends` merges it as `{}`.
 */
function emptySectionsAsDefaults(value: Record<string, unknown>, schema: z.core.$ZodType): void {
  const shape = objectShape(schema);
  if (!shape) return;
  for (const [key, sub] of Object.entries(shape)) {
    if (!Object.hasOwn(value, key) || !objectShape(sub)) continue;
    const v = value[key];
    if (v === null) value[key] = {};
    else if (isPlainObject(v)) emptySectionsAsDefaults(v, sub);
  }
}

/** The keys the schema allows at a path, for "allowed here" hints. */
function allowedKeysAt(path: readonly string[]): string[] | undefined {
  const schema = schemaAt(path);
  const shape = schema && objectShape(schema);
  return shape ? Object.keys(shape) : undefined;
}

/** The schema of the value at a key path (list indexes step into the element schema). */
function schemaAt(path: readonly string[]): z.core.$ZodType | undefined {
  let schema: z.core.$ZodType | undefined = QualityGatesConfig;
  for (const key of path) {
    if (!schema) return undefined;
    const inner = unwrap(schema);
    const def = inner._zod.def as unknown as { type: string; element?: z.core.$ZodType };
    schema = def.type === 'array' ? def.element : objectShape(inner)?.[key];
  }
  return schema;
}

/** The schema under `.default()`, `.prefault()`, `.optional()` and `.describe()`. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let s = schema;
  for (let i = 0; i < 5; i++) {
    const inner = (s._zod.def as unknown as { innerType?: z.core.$ZodType }).innerType;
    if (!inner) return s;
    s = inner;
  }
  return s;
}

function objectShape(schema: z.core.$ZodType): Record<string, z.core.$ZodType> | undefined {
  const def = unwrap(schema)._zod.def as unknown as { type: string; shape?: Record<string, z.core.$ZodType> };
  return def.type === 'object' ? def.shape : undefined;
}

function isIntegerSchema(schema: z.core.$ZodType | undefined): boolean {
  return schema !== undefined && (unwrap(schema) as unknown as { isInt?: boolean }).isInt === true;
}

/** "file:line:column key: message" — the form used in logs and the check run. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  return `${where}${p.path ? ` ${p.path}` : ''}: ${p.message}`;
}
