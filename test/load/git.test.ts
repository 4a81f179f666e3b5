/** The git version check of `quality-gates check` (git 2.30 or later). */
import { describe, expect, it } from 'vitest';
import { MIN_GIT_VERSION, gitVersionProblem, parseGitVersion } from '../../src/load/git.js';

describe('parseGitVersion (git --version)', () => {
  it.each([
    ['git version 2.39.5\n', [2, 39, 5]],
    ['git version 2.30.0\n', [2, 30, 0]],
    ['git version 2.45.1.windows.1\n', [2, 45, 1]],
    ['git version 2.39.3 (Apple Git-146)\n', [2, 39, 3]],
    ['git version 2.30.0.rc1\n', [2, 30, 0]],
    ['git version 3.0\n', [3, 0, 0]],
    ['', null],
    ['hub version 2.14.2\n', null],
  ])('%j → %j', (out, expected) => {
    expect(parseGitVersion(out)).toEqual(expected);
  });
});

describe('gitVersionProblem', () => {
  it('the minimum is 2.30', () => {
    expect(MIN_GIT_VERSION).toEqual([2, 30]);
  });

  it.each(['git version 2.30.0', 'git version 2.39.5', 'git version 2.100.0', 'git version 3.0.0', 'something else'])(
    '%s is accepted',
    (out) => {
      expect(gitVersionProblem(out)).toBeNull();
    },
  );

  it.each([
    ['git version 2.29.3', '2.29.3'],
    ['git version 2.25.1', '2.25.1'],
    ['git version 1.9.5', '1.9.5'],
  ])('%s is refused, naming both versions', (out, version) => {
    expect(gitVersionProblem(out)).toBe(
      `git ${version} is too old: quality-gates check needs git 2.30 or later; upgrade the git on PATH`,
    );
  });
});
