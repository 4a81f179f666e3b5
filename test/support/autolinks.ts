/**
 * What GitHub would turn into a link or a mention in check-run Markdown, as a test
 * oracle for `src/checks/render.ts`. Conservative: outside code spans and fenced code
 * (where GitHub links nothing), after backslash escapes and one level of HTML entities
 * are undone as Markdown does, any `@` followed by a letter or digit (a mention, an
 * e-mail address), any `scheme://` and any `www.` counts.
 */

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Drops fenced code blocks and inline code spans (CommonMark: a run of n backticks closes at the next run of exactly n). */
export function withoutCode(markdown: string): string {
  const lines = markdown.split('\n');
  const kept: string[] = [];
  let fence: string | undefined;
  for (const line of lines) {
    const opener = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence) {
      if (opener && opener[0] === fence[0] && opener.length >= fence.length && line.trim() === opener)
        fence = undefined;
      continue;
    }
    if (opener) {
      fence = opener;
      continue;
    }
    kept.push(line);
  }
  let out = '';
  const text = kept.join('\n');
  for (let i = 0; i < text.length;) {
    if (text[i] === '\\' && i + 1 < text.length) {
      out += text.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (text[i] === '`') {
      let n = 0;
      while (text[i + n] === '`') n++;
      const close = closingRun(text, i + n, n);
      if (close !== -1) {
        i = close + n;
        continue;
      }
      out += '`'.repeat(n);
      i += n;
      continue;
    }
    out += text[i];
    i++;
  }
  return out;
}

function closingRun(text: string, from: number, n: number): number {
  for (let j = from; j < text.length;) {
    if (text[j] !== '`') {
      j++;
      continue;
    }
    let m = 0;
    while (text[j + m] === '`') m++;
    if (m === n) return j;
    j += m;
  }
  return -1;
}

/** The text a reader sees: backslash escapes and one level of entities undone. */
function visibleText(markdown: string): string {
  return markdown
    .replace(/\\([!-/:-@[-`{-~])/g, '$1')
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (whole, name: string) => {
      if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
      if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
      return ENTITIES[name.toLowerCase()] ?? whole;
    });
}

/** A mention, an e-mail address, `scheme://` or `www.`: what GitHub's autolinker acts on. */
const LINKABLE = /@[\p{L}\p{N}][^\s]{0,20}|[A-Za-z][A-Za-z0-9+.-]*:\/\/\S{0,20}|www\.\S{0,20}/giu;

/** Every mention or link GitHub could make of `markdown`; [] when it is inert. */
export function autolinks(markdown: string): string[] {
  const text = visibleText(withoutCode(markdown));
  return [...text.matchAll(LINKABLE)].map((m) => m[0]);
}

/**
 * The same for a check-run title, which GitHub shows as plain text: no code spans are
 * dropped (a backtick is a backtick), but escapes and entities are still undone in case a
 * viewer renders it.
 */
export function autolinksInTitle(title: string): string[] {
  const text = visibleText(title);
  return [...text.matchAll(LINKABLE)].map((m) => m[0]);
}
