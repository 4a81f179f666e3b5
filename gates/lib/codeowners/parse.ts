/**
 * Parses a CODEOWNERS file the way GitHub reads it
 * (https://docs.github.com/en/repositories/managing-your-repositorys-settings-and-features/customizing-your-repository/about-code-owners).
 *
 * - One rule per line: a path pattern, then zero or more owners, separated by spaces or tabs.
 * - `#` at the start of a line, or at the start of a word after whitespace, begins a comment
 *   (`*.js @js-owner # inline comment`). Blank lines are ignored.
 * - A space inside a pattern is written `\ ` (`docs/my\ file.md`); `\` escapes any character.
 * - Owners are `@user`, `@org/team` or an email address, compared case-insensitively
 *   (`key`) but shown as written (`text`). A pattern with no owners makes matching paths unowned.
 *
 * GitHub skips lines it cannot read rather than rejecting the file; so does this parser,
 * and it reports each skipped line with its number and why (never fatal):
 * `!` negation, `[ ]` character ranges and `\#` escapes (documented as unsupported),
 * malformed owners, and patterns that cannot match a file.
 */

export type OwnerKind = 'user' | 'team' | 'email';

export interface Owner {
  readonly kind: OwnerKind;
  /** As written in CODEOWNERS, for display: `@Octocat`, `@octo-org/Octocats`, `Docs@Example.com`. */
  readonly text: string;
  /**
   * Normalised for comparison, lower case and without `@`: a login (`octocat`), `org/team`
   * (`octo-org/octocats`, the key of `PullRequestSnapshot.teams`), or an email address.
   */
  readonly key: string;
}

export interface Rule {
  /** 1-based line number in the file. */
  readonly line: number;
  /** The pattern as written, escapes included (`docs/my\ file.md`). Case-sensitive. */
  readonly pattern: string;
  /** Owners in the order written, duplicates removed. Empty: matching paths are unowned. */
  readonly owners: readonly Owner[];
}

export interface CodeownersProblem {
  /** 1-based line number. */
  readonly line: number;
  /** The line as written, without surrounding whitespace. */
  readonly text: string;
  /** Why GitHub does not use the line, for the PR author. */
  readonly reason: string;
}

export interface ParsedCodeowners {
  readonly rules: readonly Rule[];
  readonly problems: readonly CodeownersProblem[];
}

/**
 * A GitHub login (of a user or an organisation): letters, digits and hyphens, never a hyphen
 * first; Enterprise Managed Users add `_shortcode`. New accounts cannot end in a hyphen or
 * repeat one, but grandfathered accounts do (`@tobias-`, `@old--name`) and GitHub still
 * requests their review, so both are accepted. Accepting a name that does not exist is safe:
 * it never approves, so the files it owns wait (fail closed); rejecting a real one would
 * skip the line and leave its files unowned.
 */
const LOGIN = '[A-Za-z0-9][A-Za-z0-9_-]*';
const USER = new RegExp(`^@(${LOGIN})$`);
/** `@org/team-slug`. */
const TEAM = new RegExp(`^@(${LOGIN})/([A-Za-z0-9_.-]+)$`);
/** A plain address: something@domain.tld, no spaces. */
const EMAIL = /^[^@\s/\\]+@[^@\s/\\]+\.[^@\s/\\]+$/;

export function parseCodeowners(text: string): ParsedCodeowners {
  const rules: Rule[] = [];
  const problems: CodeownersProblem[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  // One object per owner as written: a large file names the same teams on hundreds of lines.
  const ownerOf = new Map<string, Owner | null>();
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = i + 1;
    const words = splitWords(raw);
    if (words.length === 0) continue;
    const report = (reason: string) => problems.push({ line, text: raw.trim(), reason });

    const [pattern, ...ownerWords] = words as [string, ...string[]];
    const patternProblem = checkPattern(pattern);
    if (patternProblem) {
      report(patternProblem);
      continue;
    }
    const owners: Owner[] = [];
    let bad: string | undefined;
    for (const word of ownerWords) {
      let owner = ownerOf.get(word);
      if (owner === undefined) ownerOf.set(word, (owner = parseOwner(word) ?? null));
      if (owner === null) {
        bad = word;
        break;
      }
      if (!owners.some((o) => o.key === owner.key)) owners.push(owner);
    }
    if (bad !== undefined) {
      report(`${JSON.stringify(bad)} is not a valid owner: write @user, @org/team or an email address`);
      continue;
    }
    rules.push({ line, pattern, owners });
  }
  return { rules, problems };
}

/**
 * Splits a line into words on unescaped spaces and tabs, stopping at a comment: `#` that
 * starts a word. Escapes are kept (`a\ b` stays one word, written `a\ b`).
 */
function splitWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '\\') {
      // keep the escape and the escaped character (a trailing backslash stays alone)
      word += i + 1 < line.length ? ch + line[++i]! : ch;
      inWord = true;
      continue;
    }
    if (ch === ' ' || ch === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    if (ch === '#' && !inWord) break;
    word += ch;
    inWord = true;
  }
  if (inWord) words.push(word);
  return words;
}

/** Why GitHub would not use this pattern, or undefined when it is fine. */
function checkPattern(pattern: string): string | undefined {
  if (pattern.startsWith('!')) return 'negation with "!" is not supported in CODEOWNERS; the line is skipped';
  if (pattern.startsWith('\\#'))
    return 'escaping a leading "#" with "\\" is not supported in CODEOWNERS; the line is skipped';
  let escaped = false;
  for (const ch of pattern) {
    if (escaped) {
      escaped = false;
      continue;
    }
    if (ch === '\\') escaped = true;
    else if (ch === '[') return 'character ranges with "[ ]" are not supported in CODEOWNERS; the line is skipped';
  }
  if (escaped) return 'the pattern ends with a lone "\\"; the line is skipped';
  if (/(?<!\\)\*\*\*/.test(pattern))
    return 'three or more "*" in a row are not a valid pattern; use "*" or "**"; the line is skipped';
  if (pattern.replace(/\//g, '') === '')
    return 'the pattern "/" matches no file (use "*" for every file); the line is skipped';
  return undefined;
}

function parseOwner(word: string): Owner | undefined {
  const team = TEAM.exec(word);
  if (team) return { kind: 'team', text: word, key: `${team[1]}/${team[2]}`.toLowerCase() };
  const user = USER.exec(word);
  if (user) return { kind: 'user', text: word, key: user[1]!.toLowerCase() };
  if (EMAIL.test(word)) return { kind: 'email', text: word, key: word.toLowerCase() };
  return undefined;
}
