/**
 * The lint rule that keeps gates stateless (eslint/gates-state.js), run through ESLint with the
 * repository's own config: it must refuse module-level `let`/`var`, collections and global or
 * sticky regular expressions under gates/, and leave function-local and instance state alone.
 */
import { describe, expect, it } from 'vitest';
import { problemsOf } from './support.js';

const problems = problemsOf('gates-state/no-module-state');

describe('gates-state lint rule', () => {
  it.each([
    ['gates/lib/glob.ts', 'export let hits = 0;\n'],
    ['gates/batch-size/index.ts', 'var seen = 0;\nexport const f = () => seen++;\n'],
    [
      'gates/lib/codeowners/match.ts',
      'const cache = new Map<string, number>();\nexport const f = (k: string) => cache.get(k);\n',
    ],
    [
      'gates/lib/glob.ts',
      'const memo = new WeakMap<object, number>();\nexport const f = (k: object) => memo.get(k);\n',
    ],
    [
      'gates/linked-ticket/ticket-refs.ts',
      'const seen: Set<string> = new Set();\nexport const f = (k: string) => seen.has(k);\n',
    ],
    [
      'gates/linked-ticket/ticket-refs.ts',
      'const JIRA = /[A-Z]+-[0-9]+/gu;\nexport const f = (t: string) => JIRA.exec(t);\n',
    ],
    ['gates/linked-ticket/ticket-refs.ts', 'const STICKY = /a/y;\nexport const f = (t: string) => STICKY.test(t);\n'],
    [
      'gates/linked-ticket/ticket-refs.ts',
      "const R = new RegExp('a', 'g');\nexport const f = (t: string) => R.test(t);\n",
    ],
    ['gates/gate.ts', 'export const TABLES = { byId: new Map<string, string>() };\n'],
    ['gates/gate.ts', 'export class Registry {\n  static readonly all = new Set<string>();\n}\n'],
  ])('refuses, in %s: %s', async (file, code) => {
    expect(await problems(file, code)).toHaveLength(1);
  });

  it.each([
    [
      'gates/batch-size/index.ts',
      'export function f(t: string) {\n  let n = 0;\n  const seen = new Set<string>();\n  for (const m of t.matchAll(/a/g)) if (!seen.has(m[0])) n++;\n  return n;\n}\n',
    ],
    [
      'gates/lib/glob.ts',
      'export class Dfa {\n  readonly #states = new Map<number, number>();\n  size = () => this.#states.size;\n}\n',
    ],
    [
      'gates/signed-commits/index.ts',
      "export const LOCAL: ReadonlySet<string> = new Set(['a']);\nexport const TITLES: ReadonlyMap<string, string> = new Map([['a', 'A']]);\n",
    ],
    [
      'gates/linked-ticket/ticket-refs.ts',
      'const HASH = /#([0-9]+)/u;\nexport const f = (t: string) => new RegExp(HASH, "gu").exec(t);\n',
    ],
  ])('allows, in %s: %s', async (file, code) => {
    expect(await problems(file, code)).toEqual([]);
  });

  it('does not apply outside gates/', async () => {
    expect(
      await problems(
        'src/pipeline/gate-memory.ts',
        'let n = 0;\nexport const cache = new Map();\nexport const f = () => n++;\n',
      ),
    ).toEqual([]);
  });
});
