import { plain, type DetailBlock } from '../../gates/gate.js';

/** All text of a list of blocks, for `toContain` assertions. */
export function blocksText(blocks: readonly DetailBlock[]): string {
  return blocks
    .map((b) => {
      switch (b.kind) {
        case 'paragraph':
          return plain(b.text);
        case 'list':
          return [b.title ? plain(b.title) : '', ...b.items.map(plain)].join('\n');
        case 'table':
          return [b.header.join(' | '), ...b.rows.map((r) => r.map(plain).join(' | '))].join('\n');
        case 'code':
          return b.text;
      }
    })
    .join('\n');
}
