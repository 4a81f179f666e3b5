/**
 * Glob matching for config globs (`exclude`, `source`, `tests`) and `.gitattributes`
 * patterns: gitignore-style semantics over the path from the repository root, case-sensitive.
 *
 * - A pattern without a slash (other than a trailing one) matches at any depth: `*.lock`, `tests/`.
 * - A leading or inner slash anchors the pattern to the root: `/docs/*.md`, `src/generated/**`.
 * - A trailing slash matches a directory, i.e. every path below it: `__snapshots__/`.
 * - A pattern also matches everything below a directory it names: `vendor` matches `vendor/a.js`.
 * - `**` crosses directories; `*` and `?` do not. `[a-z]` and `[^a-z]` match one character,
 *   `{a,b}` either alternative, and `\` makes the next punctuation character plain.
 *
 * What a glob means is what picomatch answers for it (gitignore conventions mapped onto picomatch
 * globs by `toPicomatchGlobs`; extglobs off): a property test holds every supported glob to it.
 * picomatch itself is not used to match: its regular expressions backtrack (`{*,*}` seven times
 * took 24 s against a 31-character file name), so a glob from a pull request's proposed config
 * could stall the process. Instead:
 *
 * - The shapes real lists are made of (`*.ts`, `yarn.lock`, `__snapshots__/`, `src/generated/`)
 *   become lookups by file and directory name.
 * - Every other glob of a list is compiled into one automaton (a Thompson NFA run as a lazily
 *   built DFA, as RE2 does), which reads each path once, left to right, and never backtracks. Its
 *   memory is bounded: past `MAX_DFA_CELLS` it forgets its states and starts again.
 * - All of it counts its work in a `GlobWork` meter per evaluation, which stops the evaluation
 *   past `MAX_GLOB_WORK` steps (`GlobWorkExceeded`). Linear time is not enough on its own: an
 *   automaton's states can multiply (`*a??????`), and the pull request chooses its paths, so the
 *   meter bounds the total, whatever the globs and paths.
 *
 * The shapes where picomatch does something a reader would not expect (`[!a]` is `!` or `a`;
 * `{a,b}+` repeats; parentheses group), or that would need more than this translation carries,
 * are refused with a message saying what to write instead (`globProblem`); the config schema
 * reports them as configuration errors.
 */
import type { Inline } from '../gate.js';

export type PathMatcher = (path: string) => boolean;

/** A compiled glob list: call it with a path, or, faster when several lists test the same paths, with its parts. */
export interface GlobMatcher extends PathMatcher {
  /** Whether any glob matches; `work` counts the steps (a fresh meter when omitted). */
  parts(parts: PathParts, work?: GlobWork): boolean;
  /** An estimate of the most memory the matcher holds, in bytes (for caches with a byte budget). */
  readonly bytes: number;
}

/**
 * What glob matching needs of a path, split once and shared by every glob list that tests it
 * (`GateContext.pathParts`, gates/context.ts). Lookups by these strings reuse their cached hashes from one list to the next.
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
}

/** Longest glob accepted, in characters. */
export const MAX_GLOB_LENGTH = 256;
/**
 * Most steps glob matching may take for one gate's evaluation: about 50 ms of work. A pull request
 * with 3,000 files of 100-character paths takes well under a million against the default lists.
 */
export const MAX_GLOB_WORK = 10_000_000;
/** Most cells (NFA states held by DFA states, plus transitions) one list's automaton keeps. */
export const MAX_DFA_CELLS = 32_768;

/** How to bring a glob list under the work bound, for a gate's fix (after "… on the base branch: "). */
export const SIMPLER_GLOBS: readonly Inline[] = [
  'fewer ',
  { code: '?' },
  ', ',
  { code: '[…]' },
  ' and ',
  { code: '{…}' },
  ' after a ',
  { code: '*' },
  ' or ',
  { code: '**' },
  '. Very long file paths cost more to match, too.',
];

/** Glob matching went past its work bound (`MAX_GLOB_WORK`). */
export class GlobWorkExceeded extends Error {
  constructor(readonly limit: number) {
    super(`glob matching took more than ${limit.toLocaleString('en-US')} steps`);
    this.name = 'GlobWorkExceeded';
  }
}

/** Counts glob-matching steps for one evaluation; throws `GlobWorkExceeded` past its limit. */
export class GlobWork {
  #used = 0;
  constructor(readonly limit: number = MAX_GLOB_WORK) {}

  get used(): number {
    return this.#used;
  }

  add(steps: number): void {
    this.#used += steps;
    if (this.#used > this.limit) throw new GlobWorkExceeded(this.limit);
  }
}

export function pathParts(path: string): PathParts {
  const slash = path.lastIndexOf('/');
  const name = slash === -1 ? path : path.slice(slash + 1);
  const dirs = slash <= 0 ? [] : path.slice(0, slash).split('/');
  return { path, name, extension: extensionOf(name), dirs, dirExtensions: dirs.map(extensionOf) };
}

/** From the last `.` of a segment (`.js` for `a.min.js`); '' without one. */
function extensionOf(segment: string): string {
  const dot = segment.lastIndexOf('.');
  return dot === -1 ? '' : segment.slice(dot);
}

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

// ---------------------------------------------------------------------------------------------
// Reading a glob

/** One character's test: a UTF-16 code unit (as picomatch's regular expressions read paths), any, or not `/`. */
const ANY = -1;
const NOT_SLASH = -2;
const SLASH = 47;

/** Code-unit ranges, `[lo, hi, lo, hi, …]`; negated classes never match `/` (as picomatch's `[^a/]`). */
interface CharClass {
  readonly ranges: readonly number[];
  readonly negated: boolean;
}

type Atom =
  | { readonly kind: 'char'; readonly code: number }
  | { readonly kind: 'class'; readonly cls: CharClass }
  | { readonly kind: 'star' }
  | { readonly kind: 'alt'; readonly alternatives: readonly (readonly Atom[])[] };

/** A `**` segment: any number of whole directories, none included. */
const GLOBSTAR = 'globstar';
type Segment = typeof GLOBSTAR | readonly Atom[];

/** Characters picomatch reads as regular-expression syntax in a class (its `utils.hasRegexChars`). */
const REGEX_CHARS = /[-*+?.^${}(|)[\]]/;

class Refusal extends Error {}
const refuse = (message: string): never => {
  throw new Refusal(message);
};

const char = (code: number): Atom => ({ kind: 'char', code });

/**
 * Reads one picomatch glob (`toPicomatchGlobs`' output) into segments, or says why it is refused.
 * The grammar is what the translation carries exactly: plain characters, `\` before punctuation,
 * `*`, `**` as a whole segment, `?`, classes `[…]` / `[^…]` without `/`, `\` or `[`, and braces
 * `{a,b}` that hold neither braces, `/` nor `**`.
 */
function readGlob(glob: string): Segment[] | string {
  let at = 0;
  const code = (i: number) => glob.charCodeAt(i);
  const ch = (i: number) => glob[i];
  /** Whether the last atom closed a class or opened or closed braces: picomatch reads a `+` after them as "repeat". */
  let afterGroup = false;

  const atom = (inBraces: boolean): Atom => {
    const c = ch(at)!;
    const read = atomAt(c, inBraces);
    afterGroup = c === '[' || c === '{';
    return read;
  };

  const atomAt = (c: string, inBraces: boolean): Atom => {
    switch (c) {
      case '*': {
        let run = 0;
        while (ch(at + run) === '*') run++;
        if (run > 2) refuse('three or more `*` in a row mean nothing more than `*` or `**`: write one of those');
        if (inBraces && run === 2) refuse('`**` inside braces is not supported: write one glob per alternative');
        at += run;
        return { kind: 'star' };
      }
      case '?':
        at++;
        return { kind: 'class', cls: { ranges: [], negated: true } };
      case '[':
        return characterClass();
      case '{':
        if (inBraces) refuse('braces inside braces are not supported: write one glob per alternative');
        return braces();
      case '\\':
        return escaped();
      case '(':
      case ')':
        return refuse('parentheses are not supported in globs: write `\\(` and `\\)` for the characters');
      case '"':
        return refuse('double quotes are not supported in globs: write `\\"` for the character');
      case '+':
        if (afterGroup) refuse('a `+` right after `]`, `{` or `}` is not supported: write `\\+` for the character');
        if (ch(at - 1) === c) refuse('`++` is not supported: write `\\+` for each `+`');
        break;
      case '$':
      case '^':
        if (ch(at - 1) === c) refuse(`\`${c}${c}\` is not supported: write \`\\${c}\` for each \`${c}\``);
        break;
      case '.':
        if (inBraces && ch(at + 1) === '.') refuse('`..` inside braces is not supported: list the alternatives');
        break;
    }
    at++;
    return char(code(at - 1));
  };

  const escaped = (): Atom => {
    let run = 0;
    while (ch(at + run) === '\\') run++;
    if (run > 2) refuse('three or more `\\` in a row are not supported: write `\\\\` for one backslash');
    const next = ch(at + 1);
    if (next === undefined) refuse('a glob cannot end with `\\`: it makes the character after it plain');
    if (next === '/') refuse('`\\/` is not supported: a `/` always separates directories');
    if (next === '|') refuse('`|` is a plain character in a glob: write it without `\\`');
    if (/^[\p{L}\p{N}\s]$/u.test(next!))
      refuse(`\`\\${next}\` is not supported: \`\\\` makes only punctuation plain, as in \`\\*\` or \`\\[\``);
    at += 2;
    return char(code(at - 1));
  };

  const characterClass = (): Atom => {
    const start = at;
    at++;
    if (ch(at) === '!') refuse('`[!…]` is not supported: write `[^…]` for "any character but"');
    const negated = ch(at) === '^';
    if (negated) at++;
    const ranges: number[] = [];
    for (;;) {
      const c = ch(at);
      if (c === undefined || c === '/')
        refuse('a `[` opens a character class, which needs its `]` before the next `/`: write `\\[` for the character');
      if (c === ']' && ranges.length > 0) break;
      if (c === ']' || c === '[' || c === '\\') refuse('a character class cannot be empty or hold `[`, `]` or `\\`');
      const to = ch(at + 2);
      if (ch(at + 1) === '-' && to !== undefined && to !== ']') {
        if (to === '/' || to === '[' || to === '\\') refuse('a character class cannot hold `[`, `]`, `/` or `\\`');
        if (code(at) > code(at + 2))
          refuse(`the range \`${c}-${to}\` in a character class runs backwards: write \`${to}-${c}\``);
        ranges.push(code(at), code(at + 2));
        at += 3;
      } else {
        ranges.push(code(at), code(at));
        at++;
      }
    }
    at++; // `]`
    const cls: Atom = { kind: 'class', cls: { ranges, negated } };
    // picomatch also matches the bracket text itself when the class holds no regex syntax:
    // `[id]` matches `i`, `d` and `[id]` (a Next.js route directory).
    const text = glob.slice(start, at);
    if (REGEX_CHARS.test(text.slice(1, -1))) return cls;
    const literalText = Array.from({ length: text.length }, (_, i) => char(code(start + i)));
    return { kind: 'alt', alternatives: [literalText, [cls]] };
  };

  const braces = (): Atom => {
    at++; // `{`
    afterGroup = true;
    const alternatives: Atom[][] = [[]];
    for (;;) {
      const c = ch(at);
      if (c === undefined) refuse('a `{` needs its closing `}`: write `\\{` for the character');
      if (c === '/') refuse('a `/` inside braces is not supported: write one glob per alternative');
      if (c === '}') break;
      if (c === ',') {
        alternatives.push([]);
        at++;
        afterGroup = false;
        continue;
      }
      alternatives[alternatives.length - 1]!.push(atom(true));
    }
    at++; // `}`
    if (alternatives.length < 2)
      refuse('braces need two alternatives or more, as in `{a,b}`: write `\\{` and `\\}` for the characters');
    // picomatch lets `x/**/{a,}` match `x` itself: an alternative must take a character.
    if (alternatives.some((a) => a.every((atom) => atom.kind === 'star')))
      refuse(
        'each alternative in braces must hold a character other than `*` (`{a,}` and `{a,*}` are not supported): write one glob per alternative',
      );
    return { kind: 'alt', alternatives };
  };

  try {
    if (ch(0) === '!') refuse('`!` (negation) is not supported: list only the paths to match');
    const segments: Segment[] = [];
    while (at <= glob.length) {
      const start = at;
      const atoms: Atom[] = [];
      while (at < glob.length && ch(at) !== '/') atoms.push(atom(false));
      const raw = glob.slice(start, at);
      if (raw === '**') segments.push(GLOBSTAR);
      else if (raw === '' || raw === '.' || raw === '..')
        refuse(`a glob cannot hold an empty, \`.\` or \`..\` directory (\`${raw || '//'}\`)`);
      else segments.push(atoms);
      at++; // `/`, or past the end
    }
    return segments;
  } catch (error) {
    if (error instanceof Refusal) return error.message;
    throw error;
  }
}

/**
 * Why a gitignore-style glob is refused, in words for the config error; undefined when it is
 * supported. Refused: longer than `MAX_GLOB_LENGTH`; `!` negation; parentheses; double quotes;
 * `[!…]`; unclosed `[` or `{`; nested braces, `/`, `**` or `..` inside braces; a `+` right after
 * `]`, `{` or `}`; `***`; `\` before a letter, digit, space, `/` or `|`; and empty, `.` or `..`
 * directories.
 */
export function globProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_GLOB_LENGTH)
    return `a glob can be at most ${MAX_GLOB_LENGTH} characters (this one has ${pattern.length})`;
  if (pattern.trim().startsWith('!')) return '`!` (negation) is not supported: list only the paths to match';
  for (const glob of toPicomatchGlobs(pattern)) {
    const read = readGlob(glob);
    if (typeof read === 'string') return read;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The automaton

const OP_CHAR = 0;
const OP_SPLIT = 1;
const OP_MATCH = 2;

/**
 * A Thompson NFA for a list of globs: four integers per instruction in one growing Int32Array.
 * A CHAR instruction tests one code unit (`test`: a code unit, `ANY`, `NOT_SLASH`, or `-3 - k`
 * for class k) and goes to `out`; a SPLIT goes to `out` and `out2`; MATCH accepts.
 */
class Program {
  code = new Int32Array(64);
  size = 0;
  readonly classes: CharClass[] = [];
  readonly match: number;

  constructor() {
    this.match = this.#emit(OP_MATCH, 0, -1, -1);
  }

  op(pc: number): number {
    return this.code[pc * 4]!;
  }

  out(pc: number): number {
    return this.code[pc * 4 + 2]!;
  }

  #emit(op: number, test: number, out: number, out2: number): number {
    if ((this.size + 1) * 4 > this.code.length) {
      const grown = new Int32Array(this.code.length * 2);
      grown.set(this.code);
      this.code = grown;
    }
    const at = this.size * 4;
    this.code[at] = op;
    this.code[at + 1] = test;
    this.code[at + 2] = out;
    this.code[at + 3] = out2;
    return this.size++;
  }

  charTo(test: number, next: number): number {
    return this.#emit(OP_CHAR, test, next, -1);
  }

  split(a: number, b: number): number {
    return this.#emit(OP_SPLIT, 0, a, b);
  }

  /** `x*`: a SPLIT that either takes one `x` and comes back, or goes on to `next`. */
  loop(test: number, next: number): number {
    const split = this.split(-1, next);
    const take = this.charTo(test, split); // may grow `code`: read it after
    this.code[split * 4 + 2] = take;
    return split;
  }

  /** The start of `atoms` followed by `next`. */
  atoms(atoms: readonly Atom[], next: number): number {
    let start = next;
    for (let i = atoms.length - 1; i >= 0; i--) start = this.atom(atoms[i]!, start);
    return start;
  }

  atom(atom: Atom, next: number): number {
    switch (atom.kind) {
      case 'char':
        return this.charTo(atom.code, next);
      case 'class':
        return this.charTo(this.#classTest(atom.cls), next);
      case 'star':
        return this.loop(NOT_SLASH, next);
      case 'alt': {
        const starts = atom.alternatives.map((alternative) => this.atoms(alternative, next));
        return starts.reduceRight((rest, start) => this.split(start, rest));
      }
    }
  }

  #classTest(cls: CharClass): number {
    if (cls.ranges.length === 0 && cls.negated) return NOT_SLASH;
    this.classes.push(cls);
    return -3 - (this.classes.length - 1);
  }

  /**
   * The start of one glob's segments, ending in MATCH. Between two plain segments a `/`; a `**`
   * first is `(?:.*\/)?`, last `(?:\/.*)?`, between two segments `\/(?:.*\/)?`, alone `.*`.
   */
  glob(segments: readonly Segment[]): number {
    const parts = segments.filter((s, i) => !(s === GLOBSTAR && segments[i - 1] === GLOBSTAR));
    let next = this.match;
    for (let i = parts.length - 1; i >= 0; i--) {
      const segment = parts[i]!;
      const first = i === 0;
      const last = i === parts.length - 1;
      if (segment === GLOBSTAR) {
        if (first && last) next = this.loop(ANY, next);
        else if (last) next = this.split(next, this.charTo(SLASH, this.loop(ANY, next)));
        else next = this.#anyDirectories(next, !first);
      } else {
        next = this.atoms(segment, next);
        if (!first && parts[i - 1] !== GLOBSTAR) next = this.charTo(SLASH, next);
      }
    }
    return next;
  }

  /** `(?:.*\/)?` before `next`, after a `/` when `slashFirst`: any number of whole directories. */
  #anyDirectories(next: number, slashFirst: boolean): number {
    // A: either on to `next`, or into a directory: characters (B), the last of them a `/` (C).
    const a = this.split(next, -1);
    const c = this.charTo(SLASH, a);
    const b = this.split(-1, c);
    const take = this.charTo(ANY, b); // may grow `code`: read it after
    this.code[b * 4 + 2] = take;
    this.code[a * 4 + 3] = b;
    return slashFirst ? this.charTo(SLASH, a) : a;
  }

  /** Whether the CHAR instruction at `pc` takes `unit`. */
  accepts(pc: number, unit: number): boolean {
    const test = this.code[pc * 4 + 1]!;
    if (test >= 0) return unit === test;
    if (test === ANY) return true;
    if (test === NOT_SLASH) return unit !== SLASH;
    const { ranges, negated } = this.classes[-3 - test]!;
    let inside = false;
    for (let i = 0; i < ranges.length && !inside; i += 2) inside = unit >= ranges[i]! && unit <= ranges[i + 1]!;
    return negated ? !inside && unit !== SLASH : inside;
  }

  /** The CHAR and MATCH instructions reached from `pcs` through SPLITs, in the order met. */
  closure(pcs: readonly number[], seen: Int32Array, stamp: number): number[] {
    const held: number[] = [];
    const stack = [...pcs];
    while (stack.length > 0) {
      const pc = stack.pop()!;
      if (seen[pc] === stamp) continue;
      seen[pc] = stamp;
      if (this.op(pc) === OP_SPLIT) stack.push(this.code[pc * 4 + 3]!, this.code[pc * 4 + 2]!);
      else held.push(pc);
    }
    return held;
  }
}

/** A DFA state: the NFA's CHAR and MATCH instructions it stands for (sorted), and its transitions so far. */
interface DState {
  readonly pcs: Int32Array;
  readonly accepts: boolean;
  /** Transitions on ASCII code units, made on first use. */
  ascii: (DState | undefined)[] | undefined;
  /** Transitions on every other code unit. */
  other: Map<number, DState> | undefined;
}

/** What a step costs the meter beyond the one unit every character costs, per NFA instruction it handles. */
const UNITS_PER_INSTRUCTION = 32;

/**
 * Runs a Program as a DFA built as paths need it (RE2's lazy DFA). A step from a known state is an
 * array lookup and costs one unit; a new step costs the NFA instructions it handles. The cells
 * held are bounded by `MAX_DFA_CELLS`; past it every state is dropped and built again.
 */
class LazyDfa {
  readonly #program: Program;
  readonly #startPc: number;
  readonly #states = new Map<number, DState[]>();
  readonly #seen: Int32Array;
  #stamp = 0;
  #cells = 0;
  #start: DState;

  constructor(program: Program, startPc: number) {
    this.#program = program;
    this.#startPc = startPc;
    this.#seen = new Int32Array(program.size);
    this.#start = this.#state([startPc], new GlobWork(Number.POSITIVE_INFINITY));
  }

  matches(path: string, work: GlobWork): boolean {
    work.add(path.length + 1);
    let state = this.#start;
    for (let i = 0; i < path.length; i++) {
      const unit = path.charCodeAt(i);
      state = (unit < 128 ? state.ascii?.[unit] : state.other?.get(unit)) ?? this.#step(state, unit, work);
      if (state.pcs.length === 0) return false;
    }
    return state.accepts;
  }

  #step(from: DState, unit: number, work: GlobWork): DState {
    const program = this.#program;
    const targets: number[] = [];
    for (const pc of from.pcs)
      if (program.op(pc) === OP_CHAR && program.accepts(pc, unit)) targets.push(program.out(pc));
    work.add(from.pcs.length * UNITS_PER_INSTRUCTION);
    if (this.#cells > MAX_DFA_CELLS) this.#forget(work);
    const state = this.#state(targets, work);
    if (unit < 128) {
      if (!from.ascii) {
        from.ascii = new Array<DState | undefined>(128);
        this.#cells += 128;
      }
      from.ascii[unit] = state;
    } else {
      (from.other ??= new Map()).set(unit, state);
      this.#cells += 4;
    }
    return state;
  }

  /** The state for the closure of `pcs`, made once (interned by a hash of its instructions). */
  #state(pcs: readonly number[], work: GlobWork): DState {
    const held = this.#program.closure(pcs, this.#seen, ++this.#stamp);
    work.add((held.length + 1) * UNITS_PER_INSTRUCTION);
    const sorted = Int32Array.from(held).sort();
    let hash = 0x811c9dc5;
    for (const pc of sorted) hash = Math.imul(hash ^ pc, 0x01000193);
    const bucket = this.#states.get(hash);
    const known = bucket?.find((s) => s.pcs.length === sorted.length && s.pcs.every((pc, i) => pc === sorted[i]));
    if (known) return known;
    const state: DState = {
      pcs: sorted,
      accepts: held.includes(this.#program.match),
      ascii: undefined,
      other: undefined,
    };
    if (bucket) bucket.push(state);
    else this.#states.set(hash, [state]);
    this.#cells += sorted.length + 8;
    return state;
  }

  #forget(work: GlobWork): void {
    this.#states.clear();
    this.#cells = 0;
    this.#start = this.#state([this.#startPc], work);
  }
}

// ---------------------------------------------------------------------------------------------
// Lookups for the common shapes

/** The tail of a glob that matches everything below a directory. */
const BELOW = '/**/*';

/** Characters that make a glob segment more than plain text and `*`. */
const SPECIAL = /[?[\]{}()!+@\\"]/;
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
  test(segment: string, extension: string, work: GlobWork): boolean {
    const bucket = this.#byExtension.get(extension);
    return (
      (bucket !== undefined && inBucket(segment, bucket, work)) ||
      (this.#anyAlways && inBucket(segment, this.#always, work))
    );
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

function inBucket(segment: string, bucket: Bucket, work: GlobWork): boolean {
  work.add(1 + bucket.suffixes.length + bucket.globs.length * (segment.length + 1));
  if (bucket.names.has(segment)) return true;
  for (const suffix of bucket.suffixes) if (segment.endsWith(suffix)) return true;
  for (const parts of bucket.globs) if (matchStars(segment, parts)) return true;
  return false;
}

/** Estimated bytes per glob kept as lookups, and per NFA instruction (measured, rounded up). */
const BYTES_PER_GLOB = 200;
const BYTES_PER_INSTRUCTION = 16;
/** Estimated bytes the automaton's states may hold at most (`MAX_DFA_CELLS`, measured, rounded up). */
const DFA_BYTES = MAX_DFA_CELLS * 16;

/**
 * The compiled form of a glob list. Every translated glob falls into one of these shapes; each
 * shape is decided without the automaton except the last ("+ below": followed by `/**` and one
 * more segment, everything inside a directory):
 *
 * | glob (translated)        | example source          | test on a path                                |
 * |--------------------------|-------------------------|-----------------------------------------------|
 * | `**\/P*Q…`               | `*.ts`, `yarn.lock`     | its file name matches the star glob           |
 * | `**\/P*Q…` + below       | `__snapshots__/`        | one of its directories matches the star glob  |
 * | `a/b`                    | `/docs/index.md`        | it is `a/b`                                   |
 * | `a/b` + below            | `src/generated/`        | it starts with `a/b/`                         |
 * | anything else            | `docs/*.md`, `{a,b}`    | one automaton for all of them                 |
 */
class CompiledGlobs {
  readonly files = new SegmentTests();
  readonly dirs = new SegmentTests();
  readonly paths = new Set<string>();
  readonly prefixes: string[] = [];
  readonly program = new Program();
  readonly starts: number[] = [];
  count = 0;

  add(glob: string, segments: readonly Segment[]): void {
    this.count++;
    if (glob.startsWith('**/') ? this.#addUnanchored(glob.slice(3)) : this.#addAnchored(glob)) return;
    this.starts.push(this.program.glob(segments));
    // picomatch also matches a path that is the glob's own text (`src/[id]`, `{a,b}`).
    this.paths.add(glob.replaceAll('|', '\\|'));
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

  matcher(): { test: (parts: PathParts, work: GlobWork) => boolean; bytes: number } {
    const { files, dirs, paths, prefixes, program, starts } = this;
    const checkFiles = files.size > 0;
    const checkDirs = dirs.size > 0;
    let dfa: LazyDfa | undefined;
    let bytes = this.count * BYTES_PER_GLOB;
    if (starts.length > 0) {
      const start = starts.reduceRight((rest, pc) => program.split(pc, rest));
      dfa = new LazyDfa(program, start);
      bytes += program.size * BYTES_PER_INSTRUCTION + DFA_BYTES;
    }
    const test = (parts: PathParts, work: GlobWork) => {
      const { path } = parts;
      work.add(1 + parts.dirs.length + prefixes.length);
      if (checkFiles && files.test(parts.name, parts.extension, work)) return true;
      if (checkDirs) {
        const { dirs: names, dirExtensions } = parts;
        for (let i = 0; i < names.length; i++) if (dirs.test(names[i]!, dirExtensions[i]!, work)) return true;
      }
      if (paths.size > 0 && paths.has(path)) return true;
      for (const prefix of prefixes) if (path.startsWith(prefix)) return true;
      return dfa !== undefined && dfa.matches(path, work);
    };
    return { test, bytes };
  }
}

export interface GlobOptions {
  /**
   * A pattern without a trailing `/` matches files of that name only, not everything below a
   * directory of that name (`*.min.js` leaves `app.min.js` out, but not `x.min.js/core.ts`).
   */
  readonly filesOnly?: boolean;
}

const NONE: GlobMatcher = Object.assign(() => false, { parts: () => false, bytes: 0 });

/**
 * Compiles a list of gitignore-style globs into one matcher (true when any glob matches), with
 * the answers picomatch gives. The shapes that make up the default lists (`*.ts`, `yarn.lock`,
 * `__snapshots__/`) are decided with a few Set lookups per path, whatever the length of the
 * list; all other globs of the list share one automaton. A glob that `globProblem` refuses
 * matches nothing (config globs are validated before they get here; `.gitattributes` lines are
 * not, and git's own rules for them differ anyway).
 *
 * Nothing is cached here: a gate compiles its lists once per config (`prepare`), and the
 * pipeline decides which prepared configs to keep. Compiling costs time linear in the globs.
 */
export function compileGlobs(patterns: readonly string[], options: GlobOptions = {}): GlobMatcher {
  const list = new CompiledGlobs();
  for (const pattern of patterns) {
    if (pattern.length > MAX_GLOB_LENGTH || pattern.trim().startsWith('!')) continue;
    const translated = toPicomatchGlobs(pattern);
    // The first translation is the pattern itself (or, for `dir/` and `dir/**`, what is below it).
    const globs = options.filesOnly ? translated.slice(0, 1) : translated;
    const read = globs.map(readGlob);
    if (read.some((r) => typeof r === 'string')) continue;
    globs.forEach((glob, i) => list.add(glob, read[i] as Segment[]));
  }
  if (list.count === 0) return NONE;
  const { test, bytes } = list.matcher();
  return Object.assign((path: string) => test(pathParts(path), new GlobWork()), {
    parts: (parts: PathParts, work: GlobWork = new GlobWork()) => test(parts, work),
    bytes,
  });
}
