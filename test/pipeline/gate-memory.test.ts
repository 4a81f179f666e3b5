/**
 * The work the app keeps for the gates (src/pipeline/gate-memory.ts): CODEOWNERS compiled once per
 * blob and kept within its bound, path parts split once per list of files; a context that keeps
 * nothing gives the same answers.
 */
import { describe, expect, it } from 'vitest';
import { NO_MEMORY } from '../../gates/context.js';
import { gateMemory } from '../../src/pipeline/gate-memory.js';

describe('gateMemory', () => {
  it('keeps a compiled CODEOWNERS by blob oid, and recompiles when the text differs', () => {
    const memory = gateMemory();
    const a = memory.codeowners({ oid: 'oid-1', text: '* @a' });
    expect(memory.codeowners({ oid: 'oid-1', text: '* @a' })).toBe(a);
    const b = memory.codeowners({ oid: 'oid-1', text: '* @b' });
    expect(b).not.toBe(a);
    expect(b.ownersOf('x').map((o) => o.text)).toEqual(['@b']);
  });

  it('keeps at most its bound of compiled files, the least recently used dropped first', () => {
    const memory = gateMemory(2);
    const one = memory.codeowners({ oid: '1', text: '* @one' });
    memory.codeowners({ oid: '2', text: '* @two' });
    expect(memory.codeowners({ oid: '1', text: '* @one' })).toBe(one);
    memory.codeowners({ oid: '3', text: '* @three' }); // drops 2, the least recently used
    expect(memory.codeowners({ oid: '1', text: '* @one' })).toBe(one);
    const again = memory.codeowners({ oid: '3', text: '* @three' });
    memory.codeowners({ oid: '4', text: '* @four' }); // drops 1
    expect(memory.codeowners({ oid: '1', text: '* @one' })).not.toBe(one);
    expect(memory.codeowners({ oid: '3', text: '* @three' })).not.toBe(again); // dropped by 1's return
  });

  it('splits the paths of one list once, and gives what NO_MEMORY gives', () => {
    const memory = gateMemory();
    const files = [{ path: 'src/a.min.js' }, { path: 'README' }, { path: 'x/y/z.test.ts' }];
    const parts = memory.pathParts(files);
    expect(memory.pathParts(files)).toBe(parts);
    expect(memory.pathParts([...files])).not.toBe(parts);
    expect(parts).toEqual(NO_MEMORY.pathParts(files));
    expect(memory.codeowners({ oid: 'o', text: '*.js @js' }).ownersOf('a.js')).toEqual(
      NO_MEMORY.codeowners({ oid: 'o', text: '*.js @js' }).ownersOf('a.js'),
    );
  });
});
