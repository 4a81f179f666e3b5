/**
 * The command line's `check` runs the pure pipeline (src/pipeline/run-gates.ts, src/checks/render.ts, the git
 * loader) and loads neither Probot nor Octokit: the command runs in a child process from its source, under
 * hooks that record every module it resolves (test/cli/module-graph/hooks.mjs).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DANA, Repo, SIGNOFF_CONFIG, cleanup, scratch } from './support.js';

afterAll(cleanup);

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REGISTER = fileURLToPath(new URL('./module-graph/register.mjs', import.meta.url));

/** Runs `quality-gates <args>` from source in `repo`; returns its exit code and the modules it resolved. */
function modulesOf(repo: Repo, args: readonly string[]): { status: number | null; stdout: string; modules: string[] } {
  const log = path.join(scratch('qg-graph-'), 'modules.txt');
  const run = spawnSync(process.execPath, ['--import', REGISTER, path.join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: repo.dir,
    env: { ...repo.env, QG_MODULE_LOG: log },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const modules = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return { status: run.status, stdout: run.stdout, modules };
}

const inPackage = (modules: readonly string[], name: string) =>
  modules.filter((url) => url.includes(`/node_modules/${name}`));

describe('quality-gates check: the module graph', () => {
  it('evaluates a branch through the pure pipeline, with no probot and no @octokit module loaded', () => {
    const repo = Repo.init();
    repo.commit(
      'Initial commit',
      { '.github/quality-gates.yml': SIGNOFF_CONFIG, 'src/app.ts': 'export const app = 1;\n' },
      { signoff: true, author: DANA },
    );
    repo.branch('feature/refunds');
    repo.commit(
      'PAY-42 Add refunds',
      { 'src/refunds.ts': 'x;\n', 'src/refunds.test.ts': 'x;\n' },
      { signoff: true, author: DANA },
    );

    const { status, stdout, modules } = modulesOf(repo, ['check', '--base', 'main', '--json']);

    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ conclusion: 'success' });
    // The hooks saw the pipeline, so an empty list below means absence, not a blind recorder.
    for (const file of [
      'src/pipeline/run-gates.ts',
      'src/checks/render.ts',
      'src/load/git-loader.ts',
      'gates/registry.ts',
    ]) {
      expect(modules.some((url) => url.endsWith(file))).toBe(true);
    }
    expect(inPackage(modules, 'probot')).toEqual([]);
    expect(inPackage(modules, '@octokit/')).toEqual([]);
    expect(inPackage(modules, '@probot/')).toEqual([]);
  });
});
