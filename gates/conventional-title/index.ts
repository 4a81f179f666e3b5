/**
 * conventional-title (docs/gates/conventional-title.md): the title reads `type(scope)!: subject`
 * (Conventional Commits 1.0). A squash merge uses the title as the commit message, so this is
 * the commit standard of the history.
 *
 * Decided on purpose (docs/gates/conventional-title.md, "Reverts and merges"):
 * - GitHub's revert title `Revert "<title>"` passes when `revert` is a listed type, whatever its
 *   length: GitHub writes it from a title that was already checked.
 * - GitHub's merge subjects (`Merge branch 'main' into …`, `Merge pull request #12 from …`) fail:
 *   squash-merged, they would put a merge subject in the history; the fix offers `chore: merge …`.
 */
import { ConventionalTitleConfig } from '../config-fields.js';
import { defineGate, result, withNumbers, type DetailBlock, type Inline } from '../gate.js';
import {
  isMergeTitle,
  lengthOf,
  MAX_TITLE_CHARS,
  parseTitle,
  prefixWords,
  revertOf,
  subjectOf,
  type Header,
  type Problem,
} from './parse.js';

/** Words people write for a type, and the Conventional Commits type they mean. */
const TYPE_ALIASES: Readonly<Record<string, string>> = {
  feature: 'feat',
  features: 'feat',
  new: 'feat',
  add: 'feat',
  bug: 'fix',
  bugfix: 'fix',
  hotfix: 'fix',
  fixes: 'fix',
  fixed: 'fix',
  patch: 'fix',
  doc: 'docs',
  documentation: 'docs',
  readme: 'docs',
  tests: 'test',
  testing: 'test',
  refactoring: 'refactor',
  cleanup: 'refactor',
  performance: 'perf',
  perf: 'perf',
  deps: 'build',
  dependencies: 'build',
  chores: 'chore',
  misc: 'chore',
  maintenance: 'chore',
  format: 'style',
  formatting: 'style',
  lint: 'style',
};

/** The first word of a subject, and the type it suggests. */
const VERB_TYPES: Readonly<Record<string, string>> = {
  add: 'feat',
  adds: 'feat',
  added: 'feat',
  implement: 'feat',
  implements: 'feat',
  introduce: 'feat',
  create: 'feat',
  support: 'feat',
  allow: 'feat',
  enable: 'feat',
  fix: 'fix',
  fixes: 'fix',
  fixed: 'fix',
  resolve: 'fix',
  resolves: 'fix',
  correct: 'fix',
  repair: 'fix',
  prevent: 'fix',
  handle: 'fix',
  document: 'docs',
  documents: 'docs',
  docs: 'docs',
  refactor: 'refactor',
  rename: 'refactor',
  move: 'refactor',
  extract: 'refactor',
  simplify: 'refactor',
  restructure: 'refactor',
  clean: 'refactor',
  test: 'test',
  tests: 'test',
  cover: 'test',
  bump: 'chore',
  upgrade: 'chore',
  remove: 'chore',
  delete: 'chore',
  drop: 'chore',
  merge: 'chore',
  optimise: 'perf',
  optimize: 'perf',
  speed: 'perf',
  revert: 'revert',
  format: 'style',
};

/** A configured word, as configured, matching `word` case-insensitively; undefined when none. */
function listed(list: readonly string[], word: string): string | undefined {
  const lower = word.toLowerCase();
  return list.find((item) => item.toLowerCase() === lower);
}

export const conventionalTitle = defineGate({
  id: 'conventional-title',
  title: 'Conventional title',
  needs: [],
  config: ConventionalTitleConfig,
  evaluate(pr, cfg) {
    const title = pr.title.slice(0, MAX_TITLE_CHARS).trim();
    const length = lengthOf(title);
    const quoted: Inline[] = ['The title ', { code: title }];

    const reverted = revertOf(title);
    if (reverted !== null && listed(cfg.types, 'revert') !== undefined) {
      return withNumbers(result.pass([...quoted, " is GitHub's revert title, accepted as type ", { code: 'revert' }]), {
        titleValid: true,
        titleLength: length,
      });
    }

    const problems: Inline[][] = [];
    const parsed = parseTitle(title);
    if (reverted !== null)
      problems.push(["is GitHub's revert title, and ", { code: 'revert' }, ' is not a listed type']);
    else if (isMergeTitle(title))
      problems.push(['is a merge commit subject GitHub writes, not ', { code: 'type: subject' }]);
    else if (!parsed.ok) problems.push(describeProblem(parsed.problem));
    else problems.push(...headerProblems(parsed.header, cfg));
    if (length > cfg.max_length)
      problems.push([`is ${length.toLocaleString('en-US')} characters long (limit ${cfg.max_length})`]);

    if (problems.length === 0 && parsed.ok) {
      const h = parsed.header;
      const parts: Inline[] = [...quoted, ' reads type ', { code: h.type }];
      if (h.scope !== null) parts.push(', scope ', { code: h.scope });
      if (h.breaking) parts.push(', breaking change');
      parts.push(` (${length} of ${cfg.max_length} characters)`);
      return withNumbers(result.pass(parts), { titleValid: true, titleLength: length });
    }

    const reason: Inline[] = [...quoted];
    problems.forEach((p, i) => reason.push(listSeparator(i, problems.length), ...p));
    return withNumbers(result.fail(reason, detailsFor(cfg), fixFor(title, cfg)), {
      titleValid: false,
      titleLength: length,
    });
  },
});

function describeProblem(problem: Problem): Inline[] {
  switch (problem.part) {
    case 'prefix':
      return ['has no type prefix: it should read ', { code: 'type(scope)!: subject' }];
    case 'type-shape':
      return [
        'starts with ',
        { code: problem.prefix },
        ', which is not a type (',
        { code: 'type:' },
        ', ',
        { code: 'type(scope):' },
        ' or ',
        { code: 'type!:' },
        ')',
      ];
    case 'scope-shape':
      return [
        'has an empty or malformed scope in ',
        { code: problem.prefix },
        ' (a scope is one word in parentheses, such as ',
        { code: '(api)' },
        ')',
      ];
    case 'space':
      return ['needs a space after the colon'];
    case 'subject':
      return ['has no subject after the colon'];
  }
}

function headerProblems(h: Header, cfg: ConventionalTitleConfig): Inline[][] {
  const problems: Inline[][] = [];
  if (listed(cfg.types, h.type) === undefined)
    problems.push(['has the type ', { code: h.type }, ', which is not listed']);
  if (h.scope === null && cfg.require_scope) problems.push(['names no scope, and a scope is required']);
  if (h.scope !== null && cfg.scopes.length > 0 && listed(cfg.scopes, h.scope) === undefined)
    problems.push(['has the scope ', { code: h.scope }, ', which is not listed']);
  return problems;
}

function codeList(items: readonly string[]): Inline[] {
  return items.slice(0, 40).flatMap((item, i): Inline[] => [...(i > 0 ? [', '] : []), { code: item }]);
}

function detailsFor(cfg: ConventionalTitleConfig): DetailBlock[] {
  const details: DetailBlock[] = [{ kind: 'paragraph', text: ['Types: ', ...codeList(cfg.types), '.'] }];
  if (cfg.scopes.length > 0)
    details.push({
      kind: 'paragraph',
      text: [`Scopes${cfg.require_scope ? ' (one is required)' : ''}: `, ...codeList(cfg.scopes), '.'],
    });
  else if (cfg.require_scope)
    details.push({ kind: 'paragraph', text: 'A scope is required; any word in parentheses will do.' });
  return details;
}

function fixFor(title: string, cfg: ConventionalTitleConfig): DetailBlock[] {
  const example = correctedTitle(title, cfg);
  return [
    { kind: 'paragraph', text: 'Edit the title of the pull request on GitHub; for example:' },
    { kind: 'code', text: example },
    {
      kind: 'paragraph',
      text: [
        'A title reads ',
        { code: 'type(scope)!: subject' },
        ` (Conventional Commits 1.0): a listed type, an optional scope${cfg.require_scope ? ' (required here)' : ''}, `,
        { code: '!' },
        ` for a breaking change, then a colon, a space and the subject, at most ${cfg.max_length} characters in all. A squash merge makes it the commit message.`,
      ],
    },
  ];
}

/** The text before item `i` of `n` in "a, b and c". */
function listSeparator(i: number, n: number): string {
  if (i === 0) return ' ';
  return i === n - 1 ? ' and ' : ', ';
}

/** The header parts to keep from `title`: none for a merge title, else what parses (fully or partly). */
function keptHeader(parsed: ReturnType<typeof parseTitle>, merge: boolean): Partial<Header> {
  if (parsed.ok) return parsed.header;
  return merge ? {} : (parsed.partial ?? {});
}

/** The scope of a corrected title: the given one, or the listed scope it matches when `cfg.scopes` is set. */
function keptScope(scope: string | null | undefined, cfg: ConventionalTitleConfig): string | undefined {
  if (!scope) return undefined;
  return cfg.scopes.length === 0 ? scope : listed(cfg.scopes, scope);
}

/** A title meeting `cfg`, built from the words of `title`. */
export function correctedTitle(title: string, cfg: ConventionalTitleConfig): string {
  const parsed = parseTitle(title);
  const merge = isMergeTitle(title);
  const header = keptHeader(parsed, merge);
  let subject = merge ? title.trim() : (header.subject ?? (revertOf(title) !== null ? title.trim() : subjectOf(title)));
  subject = cleanSubject(subject);
  const type = typeFor(merge ? ['merge'] : [header.type ?? '', ...prefixWords(title)], subject, cfg);
  if (subject === '') subject = 'describe the change';
  let scope = keptScope(header.scope, cfg);
  if (scope === undefined && cfg.require_scope) scope = cfg.scopes[0] ?? 'scope';
  const prefix = `${type}${scope ? `(${scope})` : ''}${header.breaking ? '!' : ''}: `;
  return shorten(prefix, subject, cfg.max_length);
}

/** The type a title meant: a listed type among its prefix words (aliases mapped), else one its first verb suggests, else the first listed. */
function typeFor(words: readonly string[], subject: string, cfg: ConventionalTitleConfig): string {
  for (const word of words) {
    if (word === '') continue;
    const found = listed(cfg.types, word) ?? listed(cfg.types, TYPE_ALIASES[word.toLowerCase()] ?? '');
    if (found !== undefined) return found;
  }
  const verb = (subject.split(/\s/u)[0] ?? '').toLowerCase();
  const byVerb = VERB_TYPES[verb];
  return (
    (byVerb !== undefined ? listed(cfg.types, byVerb) : undefined) ??
    listed(cfg.types, 'feat') ??
    cfg.types[0] ??
    'feat'
  );
}

/**
 * The subject without leading symbols (emoji, `[ABC-1]`-style brackets are kept), its first
 * letter in lower case when the first word is capitalised (`Add` → `add`, `API` stays).
 */
function cleanSubject(text: string): string {
  let s = text.trim();
  let i = 0;
  for (const c of s) {
    if (/[\p{L}\p{N}[("'`#]/u.test(c)) break;
    i += c.length;
  }
  s = s.slice(i).trim();
  const [first = '', second = ''] = [...s];
  const upper = (c: string) => c !== c.toLowerCase();
  if (upper(first) && !upper(second)) s = first.toLowerCase() + s.slice(first.length);
  return s.replace(/\s+/gu, ' ').replace(/[.\s]+$/u, '');
}

/** `prefix` + `subject`, the subject cut at a word so the whole has at most `max` characters. */
function shorten(prefix: string, subject: string, max: number): string {
  const whole = `${prefix}${subject}`;
  if (lengthOf(whole) <= max) return whole;
  const room = max - lengthOf(prefix);
  const chars = [...subject].slice(0, Math.max(room, 1));
  let cut = chars.join('');
  const space = cut.lastIndexOf(' ');
  if (space > cut.length / 2) cut = cut.slice(0, space);
  return `${prefix}${cut.trimEnd()}`;
}
