/**
 * Docs and code comments cite the contract inside the repository (docs/behaviour.md, docs/gates/),
 * never a document outside it: no citation of the old spec's sections or of a sibling directory
 * may come back, and every anchor cited in docs/behaviour.md names a heading of that page.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOTS = ['src', 'gates', 'test', 'bench', 'docs', 'eslint', 'README.md', 'app.yml', 'Dockerfile', 'package.json'];
const SKIP = new Set(['node_modules', 'dist', '__golden__', 'img']);
/** Written in two parts so that this file does not cite them itself. */
const FORBIDDEN = ['SPEC ' + '§', '..' + '/shared'];

function files(path: string): string[] {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path).flatMap((name) => (SKIP.has(name) ? [] : files(join(path, name))));
}

const TEXT = /\.(ts|js|mjs|md|yml|yaml|json)$|Dockerfile$/;
const sources = ROOTS.flatMap(files).filter((f) => TEXT.test(f));

/** GitHub's heading anchors: lower case, punctuation but `-` dropped, spaces to `-`. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

describe('citations stay inside the repository', () => {
  it.each(FORBIDDEN)('no file cites %s', (needle) => {
    const citing = sources.filter((f) => readFileSync(f, 'utf8').includes(needle));
    expect(citing).toEqual([]);
  });

  it('every anchor cited in docs/behaviour.md is a heading of that page', () => {
    const anchors = new Set(
      readFileSync('docs/behaviour.md', 'utf8')
        .split('\n')
        .filter((line) => /^#{2,4} /.test(line))
        .map((line) => slug(line.replace(/^#+ /, ''))),
    );
    const cited = sources.flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/behaviour\.md#([a-z0-9-]+)/g)].map((m) => `${f}: ${m[1]}`),
    );
    expect(cited.length).toBeGreaterThan(20);
    expect(cited.filter((c) => !anchors.has(c.split(': ')[1]!))).toEqual([]);
  });
});
