/**
 * The lint rule that keeps gates/ pure (eslint/gates-purity.js), run through ESLint with the repository's own
 * config: it must refuse an import that leaves gates/ at any depth, and any package but the gates' libraries.
 */
import { describe, expect, it } from 'vitest';
import { problemsOf } from './support.js';

const problems = problemsOf('gates-purity/imports-stay-in-gates');

describe('gates-purity lint rule', () => {
  it.each([
    ['gates/gate.ts', "import { x } from '../src/ops/logger.js';\nexport { x };\n"],
    ['gates/batch-size/index.ts', "import { x } from '../../src/load/loader.js';\nexport { x };\n"],
    ['gates/lib/codeowners/match.ts', "export { x } from '../../../src/checks/render.js';\n"],
    ['gates/lib/codeowners/match.ts', "export const m = () => import('../../../bench/run.js');\n"],
    ['gates/batch-size/index.ts', "import { Octokit } from '@octokit/rest';\nexport { Octokit };\n"],
    ['gates/batch-size/index.ts', "import { readFileSync } from 'node:fs';\nexport { readFileSync };\n"],
    ['gates/batch-size/index.ts', "export * from 'probot';\n"],
  ])('refuses, in %s: %s', async (file, code) => {
    expect(await problems(file, code)).toHaveLength(1);
  });

  it.each([
    [
      'gates/batch-size/index.ts',
      "import { plural } from '../lib/words.js';\nimport { z } from 'zod';\nexport { plural, z };\n",
    ],
    [
      'gates/lib/codeowners/match.ts',
      "import type { Rule } from './parse.js';\nimport { RE2JS } from 're2js';\nexport type { Rule };\nexport { RE2JS };\n",
    ],
    ['gates/registry.ts', "export * from './gate.js';\n"],
  ])('allows, in %s: %s', async (file, code) => {
    expect(await problems(file, code)).toEqual([]);
  });

  it('does not apply outside gates/', async () => {
    expect(
      await problems('src/pipeline/run-gates.ts', "import { x } from '../../gates/gate.js';\nexport { x };\n"),
    ).toEqual([]);
  });
});
