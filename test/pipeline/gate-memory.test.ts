/**
 * The work the app keeps for the gates (src/pipeline/gate-memory.ts): CODEOWNERS compiled once per
 * blob and kept within its bound, path parts split once per list of files; a context that keeps
 * nothing gives the same answers.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../gates/config.js';
import { NO_MEMORY, type GateContext } from '../../gates/context.js';
import { gateMemory } from '../../src/pipeline/gate-memory.js';
import { PREPARE_FRESH } from '../../src/pipeline/prepared-configs.js';
import { runGates, teamsNeeded } from '../../src/pipeline/run-gates.js';
import { aFile, aReview, aSnapshot, capped } from '../support/builders.js';

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

describe('teamsNeeded and runGates share the memory they are given', () => {
  it('compile a CODEOWNERS file once for the teams hook and the gate', () => {
    const kept = gateMemory();
    const handed: unknown[] = [];
    const memory: GateContext = {
      pathParts: (files) => kept.pathParts(files),
      codeowners: (file) => {
        const compiled = kept.codeowners(file);
        handed.push(compiled);
        return compiled;
      },
    };
    const text = '*.ts @acme/web\n/docs/ @acme/docs';
    const codeowners = { path: '.github/CODEOWNERS', oid: 'oid-shared', byteSize: text.length, text, truncated: false };
    const pr = aSnapshot({
      files: capped([aFile('src/a.ts')]),
      reviews: capped([aReview('erin', 'approved')]),
      base: { codeowners, gitattributes: null },
    });
    expect(teamsNeeded(pr, DEFAULT_CONFIG, memory)).toEqual(['acme/web']);
    const outcomes = runGates({ ...pr, teams: { 'acme/web': ['erin'] } }, DEFAULT_CONFIG, PREPARE_FRESH, memory);
    expect(outcomes.find((o) => o.id === 'codeowners-review')?.result).toMatchObject({ status: 'pass' });
    // The hook and the gate both asked this memory, and got the one compiled file.
    expect(handed).toHaveLength(2);
    expect(handed[1]).toBe(handed[0]);
  });
});
