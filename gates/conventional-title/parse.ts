/**
 * Reads a pull request title as a Conventional Commits 1.0 header, `type(scope)!: subject`, by
 * hand in one pass (no backtracking regular expression), saying which part is wrong.
 */

/** GitHub's longest pull request title; a longer input is read up to here. */
export const MAX_TITLE_CHARS = 256;

export interface Header {
  readonly type: string;
  /** `null` when the title names no scope. */
  readonly scope: string | null;
  readonly breaking: boolean;
  readonly subject: string;
}

export type Problem =
  /** No `type:` prefix at all (`Add refunds endpoint`). */
  | { readonly part: 'prefix' }
  /** The prefix before `:` is not a word (`✨ feat: …`, `feat refunds: …`). */
  | { readonly part: 'type-shape'; readonly prefix: string }
  /** `feat(api: …`, `feat(): …`. */
  | { readonly part: 'scope-shape'; readonly prefix: string }
  /** `feat:add` (no space after the colon). */
  | { readonly part: 'space' }
  /** `feat: ` with nothing after. */
  | { readonly part: 'subject' };

export type Parsed =
  | { readonly ok: true; readonly header: Header }
  | { readonly ok: false; readonly problem: Problem; readonly partial?: Partial<Header> };

function isWordChar(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '-' || c === '_';
}

function isLetter(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/** The part before the first colon, when it looks meant as a prefix (at most two words, 40 characters). */
function prefixOf(title: string): string | null {
  const colon = title.indexOf(':');
  if (colon <= 0) return null;
  const prefix = title.slice(0, colon);
  if (prefix.length > 40 || prefix.trim().split(/\s+/u).length > 2) return null;
  return prefix;
}

export function parseTitle(input: string): Parsed {
  const title = input.slice(0, MAX_TITLE_CHARS).trim();
  const prefix = prefixOf(title);
  if (prefix === null) return { ok: false, problem: { part: 'prefix' } };
  let i = 0;
  while (i < prefix.length && isWordChar(prefix[i]!)) i++;
  const type = prefix.slice(0, i);
  if (type === '' || !isLetter(type[0]!)) return { ok: false, problem: { part: 'type-shape', prefix } };
  let scope: string | null = null;
  if (prefix[i] === '(') {
    const close = prefix.indexOf(')', i + 1);
    const inner = close < 0 ? '' : prefix.slice(i + 1, close);
    if (close < 0 || inner === '' || inner.includes('(') || /\s/u.test(inner))
      return { ok: false, problem: { part: 'scope-shape', prefix }, partial: { type } };
    scope = inner;
    i = close + 1;
  }
  const breaking = prefix[i] === '!';
  if (breaking) i++;
  if (i !== prefix.length) return { ok: false, problem: { part: 'type-shape', prefix }, partial: { type } };
  const after = title.slice(prefix.length + 1);
  const subject = after.trim();
  const header = { type, scope, breaking, subject };
  if (subject === '') return { ok: false, problem: { part: 'subject' }, partial: header };
  if (after[0] !== ' ') return { ok: false, problem: { part: 'space' }, partial: header };
  return { ok: true, header };
}

/** The title's words after its prefix (when it has one meant as such), else the whole title. */
export function subjectOf(title: string): string {
  const t = title.slice(0, MAX_TITLE_CHARS).trim();
  const prefix = prefixOf(t);
  return prefix === null ? t : t.slice(prefix.length + 1).trim();
}

/** The words of a prefix (`✨ feat` → [feat]), for finding the type it meant. */
export function prefixWords(title: string): string[] {
  const prefix = prefixOf(title.slice(0, MAX_TITLE_CHARS).trim());
  if (prefix === null) return [];
  return prefix.split(/[^A-Za-z0-9_-]+/u).filter((w) => w !== '');
}

/** GitHub's title for a pull request that reverts another: `Revert "<its title>"`. */
export function revertOf(title: string): string | null {
  const t = title.trim();
  if (!t.startsWith('Revert "') || !t.endsWith('"') || t.length < 10) return null;
  return t.slice(8, -1);
}

/** GitHub's merge commit subjects: `Merge branch 'x' into y`, `Merge pull request #1 from …`, `Merge remote-tracking branch …`. */
export function isMergeTitle(title: string): boolean {
  return /^Merge (?:branch|branches|remote-tracking branch|pull request #\d+|tag|commit) /u.test(title.trim());
}

/** Characters as people count them: code points (an emoji is one). */
export function lengthOf(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
