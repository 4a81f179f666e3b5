/**
 * `quality-gates check` runs the gates added later with the same words as the check run: the pull
 * request template read at the base ref, the title's conventional form, and the commits HEAD is
 * behind the base counted by local git (the age is not known before the pull request is opened).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Repo, cleanup, cli } from './support.js';

afterAll(cleanup);

const CONFIG = `defaults:
  mode: off
gates:
  pr-description:
    mode: block
    sections: [What]
  conventional-title:
    mode: block
  branch-age:
    mode: block
    max_behind: 1
`;
const TEMPLATE = '## What\n\n<!-- Describe the change -->\n\n- [ ] Tests added\n';

function repoBehind(behind: number): Repo {
  const repo = Repo.init();
  repo.commit('Initial commit', {
    '.github/quality-gates.yml': CONFIG,
    '.github/pull_request_template.md': TEMPLATE,
    'src/app.ts': '1;\n',
  });
  repo.branch('feature/refunds');
  // The branch's own template change is not the base's: it must not count as boilerplate.
  repo.commit('Add refunds endpoint', {
    'src/refunds.ts': 'export const refund = 1;\n',
    '.github/pull_request_template.md': 'Branch template line that is long enough to count.\n',
  });
  repo.checkout('main');
  for (let i = 0; i < behind; i++) repo.commit(`Main change ${i}`, { [`src/main-${i}.ts`]: `${i};\n` });
  return repo.checkout('feature/refunds');
}

const check = (repo: Repo, ...args: string[]) => cli(['check', ...args], { cwd: repo.dir, env: repo.env });
const row = (out: string, id: string) => out.split('\n').find((l) => l.startsWith(`| \`${id}\``)) ?? '';

describe('quality-gates check: the later gates', () => {
  it('says what the check run would say: template at the base ref, corrected title, commits behind', async () => {
    const run = await check(repoBehind(3), '--body', TEMPLATE);
    expect(run.code).toBe(1);
    expect(row(run.stdout, 'pr-description')).toContain(
      'The description is the pull-request template of the base branch, not filled in',
    );
    expect(row(run.stdout, 'conventional-title')).toContain('The title `Add refunds endpoint` has no type prefix');
    expect(run.stdout).toContain('feat: add refunds endpoint');
    expect(row(run.stdout, 'branch-age')).toContain(
      '❌ fail | Not open yet (age not known); 3 commits behind `main` (limit 1)',
    );
    expect(run.stdout).toContain('git rebase origin/main');
    expect(run.stdout).toContain('branch-age cannot count its age');
  });

  it('passes a filled-in description, a conventional title and a branch up to date', async () => {
    const run = await check(
      repoBehind(0),
      '--title',
      'feat: add refunds endpoint',
      '--body',
      '## What\n\nAdds the refunds endpoint to the API.\n',
    );
    expect(run.code).toBe(0);
    expect(row(run.stdout, 'pr-description')).toContain('✅ pass');
    expect(row(run.stdout, 'conventional-title')).toContain('✅ pass');
    expect(row(run.stdout, 'branch-age')).toContain(
      '✅ pass | Not open yet (age not known); 0 commits behind `main` (limit 1)',
    );
  });

  it('the branch’s own template text counts as text: only the base ref’s template is boilerplate', async () => {
    const run = await check(
      repoBehind(0),
      '--title',
      'feat: x',
      '--body',
      '## What\n\nBranch template line that is long enough to count.\n',
    );
    expect(row(run.stdout, 'pr-description')).toContain('✅ pass');
  });
});
