/**
 * What a pull request body says in its own words (docs/gates/pr-description.md): its text with
 * HTML comments, lines of the base branch's pull-request templates, headings and unchecked
 * checkboxes left out, and which headings have text under them.
 *
 * One pass over the lines, no backtracking regular expression: a 64 KB body of pathological
 * Markdown (thousands of `#`, unclosed comments, nested markers) costs time linear in its length.
 * GitHub caps a body at 65,536 characters; longer input is cut there.
 */

/** GitHub's limit on a pull request body, in characters; the rest of a longer input is ignored. */
export const MAX_BODY_CHARS = 65536;
/** Most template text read, per template. */
export const MAX_TEMPLATE_CHARS = 65536;
/** A bold line (`**What**`) counts as a heading below every `#` level. */
const BOLD_LEVEL = 7;

export interface Section {
  /** The heading as written, markup removed (`What`). */
  readonly title: string;
  /** Its key: lower case, spaces collapsed, trailing `:` removed (`what`). */
  readonly key: string;
  /** Characters of own text under it, sub-headings' text included. */
  chars: number;
}

export interface Description {
  /** Characters of the body's own text. */
  readonly chars: number;
  readonly sections: readonly Section[];
  /** True when the body holds something, and all of it is template, comments, headings or unchecked boxes. */
  readonly onlyBoilerplate: boolean;
  /** True when a line of a template was found in the body. */
  readonly usesTemplate: boolean;
}

/** `text` with HTML comments removed; an unclosed comment hides the rest, as GitHub renders it. */
export function withoutComments(text: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const open = text.indexOf('<!--', at);
    if (open < 0) return out + text.slice(at);
    out += text.slice(at, open);
    const close = text.indexOf('-->', open + 4);
    if (close < 0) return out;
    at = close + 3;
  }
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\f' || c === '\v' || c === '\u00a0';
}

/** Lower case, whitespace runs as one space, trimmed: how lines and headings are compared. */
export function lineKey(line: string): string {
  return line.trim().replace(/\s+/gu, ' ').toLowerCase();
}

/** A heading's key: its line key without trailing `:` or `?`. */
export function headingKey(title: string): string {
  let key = lineKey(title);
  while (key.endsWith(':') || key.endsWith('?')) key = key.slice(0, -1).trimEnd();
  return key;
}

interface Heading {
  readonly level: number;
  readonly title: string;
  /** Text on the heading's own line after it (`**What**: adds refunds`). */
  readonly rest: string;
}

/** An ATX heading (`## What`, `## What ##`), or a line that starts with a bold phrase (`**What**`, `__What:__ text`). */
export function headingOf(line: string): Heading | null {
  let i = 0;
  while (i < 3 && line[i] === ' ') i++;
  if (line[i] === '#') {
    let level = 0;
    while (line[i + level] === '#') level++;
    const after = i + level;
    if (level > 6 || (after < line.length && !isSpace(line[after]!))) return null;
    let end = line.length;
    while (end > after && isSpace(line[end - 1]!)) end--;
    let hashes = end;
    while (hashes > after && line[hashes - 1] === '#') hashes--;
    // A closing run of `#` counts only after a space (`# C#` keeps its `#`).
    if (hashes < end && (hashes === after || isSpace(line[hashes - 1]!))) end = hashes;
    return { level, title: line.slice(after, end).trim(), rest: '' };
  }
  const marker = ['**', '__'].find((m) => line.startsWith(m, i)) ?? null;
  if (marker === null) return null;
  const close = line.indexOf(marker, i + 2);
  if (close <= i + 2) return null;
  let title = line.slice(i + 2, close).trim();
  let rest = line.slice(close + 2).trim();
  if (rest.startsWith(':')) rest = rest.slice(1).trim();
  else if (title.endsWith(':')) title = title.slice(0, -1).trim();
  else if (rest !== '') return null; // bold words starting a sentence, not a heading
  if (title === '') return null;
  return { level: BOLD_LEVEL, title, rest };
}

/** A list item with an unchecked box (`- [ ] Tests added`). */
function isUncheckedBox(content: string): boolean {
  const m = /^[-*+]\s+\[ \](?:\s|$)/u.exec(content) ?? /^\d{1,9}[.)]\s+\[ \](?:\s|$)/u.exec(content);
  return m !== null;
}

/** A line's text without block markup (quote and list markers), for counting. */
function contentOf(line: string): string {
  let s = line.trim();
  for (let guard = 0; guard < 8; guard++) {
    const next = s.replace(/^(?:>\s?|[-*+]\s+|\d{1,9}[.)]\s+)/u, '');
    if (next === s) break;
    s = next.trim();
  }
  return s;
}

/** A thematic break or setext underline (`---`, `***`, `===`): no text. */
function isRule(content: string): boolean {
  return content.length >= 3 && /^[-*_=\s]+$/u.test(content);
}

/** Characters, counting each code point once, whitespace runs as one. */
function countChars(text: string): number {
  let n = 0;
  let space = false;
  for (const c of text) {
    const blank = c === ' ' || c === '\t';
    if (blank && space) continue;
    space = blank;
    n++;
  }
  return n;
}

/** The set of template lines (their keys), comments removed: these lines are not the author's text. */
export function templateLines(templates: readonly string[]): Set<string> {
  const lines = new Set<string>();
  for (const template of templates) {
    for (const line of withoutComments(template.slice(0, MAX_TEMPLATE_CHARS)).split('\n')) {
      const key = lineKey(line);
      if (key !== '') lines.add(key);
    }
  }
  return lines;
}

/** Reads `body` against the templates' lines. */
export function describe(body: string, template: ReadonlySet<string>): Description {
  const text = withoutComments(body.slice(0, MAX_BODY_CHARS).replace(/\r\n?/gu, '\n'));
  const sections: Section[] = [];
  /** The headings still open: a heading closes those of its level and deeper. */
  const open: { level: number; section: Section }[] = [];
  let chars = 0;
  let anything = false;
  let usesTemplate = false;
  let fence: string | null = null;

  const addText = (n: number) => {
    chars += n;
    for (const o of open) o.section.chars += n;
  };

  for (const raw of text.split('\n')) {
    const key = lineKey(raw);
    if (key === '') continue;
    anything = true;
    const trimmed = raw.trim();
    // Inside a fenced code block every line is text (unless the template holds it).
    const fenceMark = ['```', '~~~'].find((m) => trimmed.startsWith(m)) ?? null;
    if (fence !== null || fenceMark !== null) {
      if (fence === null) fence = fenceMark;
      else if (fenceMark === fence) fence = null;
      if (template.has(key)) usesTemplate = true;
      else if (fenceMark === null) addText(countChars(trimmed));
      continue;
    }
    const heading = headingOf(raw);
    if (heading) {
      if (template.has(key)) usesTemplate = true;
      while (open.length > 0 && open[open.length - 1]!.level >= heading.level) open.pop();
      const section: Section = { title: heading.title, key: headingKey(heading.title), chars: 0 };
      sections.push(section);
      open.push({ level: heading.level, section });
      const rest = contentOf(heading.rest);
      if (rest !== '' && !template.has(lineKey(heading.rest))) addText(countChars(rest));
      continue;
    }
    if (template.has(key)) {
      usesTemplate = true;
      continue;
    }
    const content = contentOf(raw);
    if (content === '' || isUncheckedBox(trimmed) || isRule(content)) continue;
    addText(countChars(content));
  }
  return { chars, sections, onlyBoilerplate: anything && chars === 0, usesTemplate };
}
