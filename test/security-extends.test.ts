/**
 * Issue 14, item 5: a pull request cannot use the config preview to read other
 * repositories of the installation. `_extends` in a proposed (head) file is followed
 * only within the pull request's own repository and to the organisation's file already
 * at hand; and nothing of a file in another repository (keys, values, positions) ever
 * appears in a check run, whether the proposed file or the base file names it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeGitHub } from './support/fake-github.js';
import { BASE, freshApp, type Harness, HEAD, pullRequestPayload, resetNock } from './support/harness.js';

const CONFIG = '.github/quality-gates.yml';
/** A private repository of the same installation, and a file in it that is not a config. */
const SECRET_REPO = 'Codertocat/secret-infra';
const SECRET_TEXT =
  'aws_access_key_id: AKIAIOSFODNN7EXAMPLE\naws_secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n';

let fake: FakeGitHub;
let h: Harness;
beforeEach(async () => {
  ({ fake, h } = await freshApp());
  fake.setRepoFile(SECRET_REPO, 'deploy/secrets.yml', SECRET_TEXT);
});
afterEach(() => resetNock());

const extendsReads = () =>
  fake.requests
    .filter((r) => r.operation === 'QualityGatesExtends')
    .map((r) => (r.body as { variables: Record<string, string> }).variables);

/** Nothing of the secret file: no key, no value, no line:column position. */
function expectNoSecret(text: string): void {
  for (const leak of [
    'aws_secret_access_key',
    'aws_access_key_id',
    'AKIA',
    'wJalrXUtnFEMI',
    'secrets.yml:1',
    'secrets.yml:2',
  ])
    expect(text).not.toContain(leak);
}

async function proposeConfig(text: string, fork = true) {
  fake.setBlob(HEAD, CONFIG, text);
  const pull = fake.addPull({
    number: 2,
    isCrossRepository: fork,
    files: [{ path: CONFIG, additions: 3, deletions: 0, changeType: 'ADDED' }],
  });
  await h.receive('pull_request', pullRequestPayload(fake, pull));
  return fake.runsOn(HEAD)[0]!;
}

describe('the preview of a proposed file', () => {
  it.each([
    ['owner/repo:path', `_extends: ${SECRET_REPO}:deploy/secrets.yml\n`],
    ['repo:path (same owner)', '_extends: secret-infra:deploy/secrets.yml\n'],
    ['another path of the org .github repository', '_extends: .github:deploy/secrets.yml\n'],
  ])('never reads another repository (%s), and says the target could not be used', async (_form, proposed) => {
    const run = await proposeConfig(proposed);
    expect(extendsReads()).toEqual([]);
    expectNoSecret(JSON.stringify(run.output));
    expect(run.output.summary).toContain('The proposed file could not be previewed');
    expect(run.output.summary).toContain('outside this repository');
    expect(run.conclusion).toBe('success'); // the verdict is the base branch's, as always
  });

  it('follows _extends within its own repository (default branch)', async () => {
    fake.setBlob('HEAD', 'config/shared.yml', 'gates:\n  batch-size:\n    max_lines: 1\n');
    const run = await proposeConfig('_extends: Hello-World:config/shared.yml\n');
    expect(extendsReads()).toEqual([
      { owner: 'Codertocat', name: 'Hello-World', expression: 'HEAD:config/shared.yml' },
    ]);
    expect(run.output.summary).toContain(
      'With the proposed file, this pull request would conclude **failure** (Blocked: batch-size).',
    );
  });

  it('uses the organisation file already at hand, without another read', async () => {
    fake.setOrgFile(CONFIG, 'gates:\n  batch-size:\n    max_lines: 1\n');
    fake.setBlob(BASE, CONFIG, 'defaults:\n  mode: warn\n');
    const run = await proposeConfig('_extends: .github\n');
    expect(extendsReads()).toEqual([]);
    expect(run.output.summary).toContain('would conclude **failure** (Blocked: batch-size)');
  });

  it('stops where a file of its own repository extends another repository', async () => {
    fake.setBlob('HEAD', 'config/shared.yml', '_extends: secret-infra:deploy/secrets.yml\n');
    const run = await proposeConfig('_extends: Hello-World:config/shared.yml\n');
    expect(extendsReads().map((v) => v.name)).toEqual(['Hello-World']);
    expectNoSecret(JSON.stringify(run.output));
    expect(run.output.summary).toContain('The proposed file could not be previewed');
  });

  it('shows the problems of files of its own repository, located', async () => {
    fake.setBlob('HEAD', 'config/shared.yml', 'gates:\n  batch-size:\n    max_line: 1\n');
    const run = await proposeConfig('_extends: Hello-World:config/shared.yml\n');
    expect(run.output.summary).toContain(
      '`Codertocat/Hello-World:config/shared.yml:3:5` `gates.batch-size.max_line`: unknown key "max_line"',
    );
  });
});

describe('a base file that extends another repository', () => {
  it('names the file and says it is invalid, without its keys, values or positions', async () => {
    fake.setBlob(BASE, CONFIG, '_extends: secret-infra:deploy/secrets.yml\n');
    const pull = fake.addPull({ number: 3 });
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    const run = fake.runsOn(HEAD)[0]!;
    expect(run.output.title).toBe('Configuration error');
    expectNoSecret(JSON.stringify(run.output));
    expect(run.output.summary).toContain('`Codertocat/secret-infra:deploy/secrets.yml`');
    expect(run.output.summary).toContain('is not a valid Quality Gates configuration');
    // nor in the logs, which operators forward to shared storage
    expectNoSecret(h.logText());
  });

  it('does not tell a missing file from one it cannot read', async () => {
    fake.setBlob(BASE, CONFIG, '_extends: secret-infra:deploy/missing.yml\n');
    const pull = fake.addPull({ number: 4 });
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    const run = fake.runsOn(HEAD)[0]!;
    expect(run.output.title).toBe('Configuration error');
    expect(run.output.summary).toContain('does not exist or cannot be read');
  });

  it('still uses a valid file of another repository', async () => {
    fake.setRepoFile('Codertocat/policies', CONFIG, 'gates:\n  batch-size:\n    max_lines: 1\n');
    fake.setBlob(BASE, CONFIG, '_extends: policies\n');
    const pull = fake.addPull({ number: 5 });
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    expect(fake.runsOn(HEAD)[0]!.output.title).toBe('Blocked: batch-size');
  });

  it('shows the located problems of a file of its own repository', async () => {
    fake.setBlob('HEAD', 'config/shared.yml', 'gates:\n  batch-size:\n    max_line: 1\n');
    fake.setBlob(BASE, CONFIG, '_extends: Hello-World:config/shared.yml\n');
    const pull = fake.addPull({ number: 6 });
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    expect(fake.runsOn(HEAD)[0]!.output.summary).toContain(
      '`Codertocat/Hello-World:config/shared.yml:3:5` `gates.batch-size.max_line`: unknown key "max_line"',
    );
  });
});
