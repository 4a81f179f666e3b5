/**
 * Golden files of check runs with overrides (docs/overrides.md): an overridden gate, its per-gate
 * run, and refusals under their gate and above the gates. Update with
 * `npx vitest run -u test/checks/overrides-golden.test.ts` after reading the diff.
 */
import { describe, expect, it } from 'vitest';
import { QualityGatesConfig } from '../../gates/config.js';
import { renderCheckRun, renderGateRun } from '../../src/checks/render.js';
import type { Verdict } from '../../src/checks/verdict.js';
import type { PullComment } from '../../src/load/loader.js';
import { judgeOverrides, withOverrides } from '../../src/pipeline/overrides.js';
import { runGates } from '../../src/pipeline/run-gates.js';
import { aFile, aSnapshot, capped } from '../support/builders.js';

const HEAD = 'f'.repeat(40);
const pr = aSnapshot({
  title: 'Refunds without a ticket',
  headSha: HEAD,
  files: capped([aFile('src/refunds.ts', 560, 52), aFile('src/refunds.test.ts', 40, 0, 'added')]),
});
const config = QualityGatesConfig.parse({
  gates: { 'signed-commits': { mode: 'off' }, 'codeowners-review': { mode: 'off' } },
  overrides: { allowed: ['lead'], gates: ['batch-size', 'tests-touched'] },
});
const comment = (n: number, author: string, body: string, over: Partial<PullComment> = {}): PullComment => ({
  author,
  body,
  createdAt: `2026-03-01T10:0${n}:00Z`,
  edited: false,
  hidden: false,
  url: `https://github.com/acme/api/pull/7#issuecomment-${1000 + n}`,
  ...over,
});
const verdictWith = (comments: PullComment[]): Verdict =>
  withOverrides(
    { kind: 'evaluated', outcomes: runGates(pr, config), notes: [] },
    judgeOverrides({
      conversation: { comments, truncated: false, headArrivedAt: '2026-03-01T09:59:00Z' },
      settings: config.overrides,
      enabled: ['batch-size', 'linked-ticket', 'tests-touched'],
      pr,
    }),
    HEAD,
  );
const markdown = (v: Verdict) => {
  const out = renderCheckRun(v);
  return `<!-- conclusion: ${out.conclusion} -->\n# ${out.title}\n\n${out.summary}\n`;
};

const applied = comment(1, 'lead', '/gates override batch-size Hotfix for INC-1234: refunds are failing in production');
const hostile = comment(
  2,
  'mallory',
  '/gates override batch-size,linked-ticket @everyone <b>urgent</b> [see](https://evil.example) | `x` _y_',
);
const unknown = comment(
  3,
  'lead',
  '/gates override batch-sise,signed-commits Typo in the gate id, and a gate not allowed',
);
const old = comment(0, 'lead', '/gates override linked-ticket Given before the last push, so expired', {
  createdAt: '2026-03-01T09:00:00Z',
});

describe('golden check runs with overrides', () => {
  it('an overridden gate, with refusals under their gates and above them', async () => {
    await expect(markdown(verdictWith([old, applied, hostile, unknown]))).toMatchFileSnapshot(
      './__golden__/overridden.md',
    );
  });

  it('the per-gate run of an overridden gate', async () => {
    const v = verdictWith([applied]);
    const gate = v.kind === 'evaluated' ? v.outcomes.find((o) => o.id === 'batch-size')! : undefined;
    const out = renderGateRun(gate!);
    await expect(`# ${out.title}\n\n${out.summary}\n`).toMatchFileSnapshot('./__golden__/overridden-per-gate.md');
  });

  it('refused only: the gate still blocks', async () => {
    await expect(markdown(verdictWith([hostile, old]))).toMatchFileSnapshot('./__golden__/override-refused.md');
  });
});
