/**
 * Small wording helpers shared by the gates, so every gate counts and lists
 * things the same way ("1 file", "3,000 files", "title, branch name or description").
 */

/** "1 file", "3,000 files". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** "a", "a or b", "a, b or c" (with `and` instead of `or` when asked). */
export function joinWords(words: readonly string[], last: 'or' | 'and' = 'or'): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} ${last} ${words[words.length - 1]}`;
}

/** One line of user text, at most `max` characters (the renderer escapes it). */
export function oneLine(text: string, max: number): string {
  // Only the head is looked at, so a 64 KB body costs no more than a title.
  const head = text.slice(0, max * 4);
  const flat = head.replace(/\s+/g, ' ').trim();
  const cut = flat.length > max || head.length < text.length;
  return cut ? `${flat.slice(0, max - 1).trimEnd()}…` : flat;
}
