/**
 * `resolveConfig` and files of other repositories (issue 14, item 5): a proposed file
 * follows `_extends` only within its own repository and to the org file at hand, and
 * problems of another repository's file never carry its keys, values or positions.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig, type ExtendsTarget } from '../../../src/load/config/resolve.js';

const own = (text: string) => ({ file: 'acme/api:.github/quality-gates.yml@abc1234', text });
const org = { file: 'acme/.github:.github/quality-gates.yml', text: 'defaults: { mode: warn }\n' };

function reader(files: Record<string, string>) {
  const asked: string[] = [];
  const fetchFile = async (t: ExtendsTarget) => {
    const name = `${t.owner}/${t.repo}:${t.path}`;
    asked.push(name);
    return name in files ? { file: name, text: files[name]! } : null;
  };
  return { asked, fetchFile };
}

describe('followExtends: same-repository', () => {
  it.each(['secret-infra', 'acme/secret-infra:deploy/secrets.yml', 'other-org/x', '.github:deploy/secrets.yml'])(
    'refuses %s without reading it',
    async (target) => {
      const { asked, fetchFile } = reader({});
      const r = await resolveConfig({
        owner: 'acme',
        repo: 'api',
        followExtends: 'same-repository',
        repoFile: own(`_extends: ${target}\n`),
        orgFile: org,
        fetchFile,
      });
      expect(asked).toEqual([]);
      expect(r).toMatchObject({ kind: 'load-error', message: expect.stringContaining('outside this repository') });
    },
  );

  it('follows files of its own repository (any case) and the org file at hand', async () => {
    const { asked, fetchFile } = reader({
      'acme/API:shared.yml': '_extends: .github\ngates: { batch-size: { max_lines: 7 } }\n',
    });
    const r = await resolveConfig({
      owner: 'acme',
      repo: 'api',
      followExtends: 'same-repository',
      repoFile: own('_extends: acme/API:shared.yml\n'),
      orgFile: org,
      fetchFile,
    });
    expect(asked).toEqual(['acme/API:shared.yml']);
    expect(r).toMatchObject({
      kind: 'ok',
      config: { defaults: { mode: 'warn' }, gates: { 'batch-size': { max_lines: 7 } } },
    });
  });
});

describe('files of another repository', () => {
  const secret = 'aws_secret_access_key: wJalrXUtnFEMI\n';

  it('are reported by name only', async () => {
    const { fetchFile } = reader({ 'acme/secret-infra:deploy/secrets.yml': secret });
    const r = await resolveConfig({
      owner: 'acme',
      repo: 'api',
      repoFile: own('_extends: secret-infra:deploy/secrets.yml\n'),
      orgFile: null,
      fetchFile,
    });
    expect(r).toEqual({
      kind: 'invalid',
      problems: [
        {
          file: 'acme/secret-infra:deploy/secrets.yml',
          line: 0,
          column: 0,
          path: '',
          message: expect.stringContaining('is not a valid Quality Gates configuration'),
        },
      ],
    });
    expect(JSON.stringify(r)).not.toContain('aws_secret_access_key');
  });

  it('say alike that a file is missing or unreadable', async () => {
    const r = await resolveConfig({
      owner: 'acme',
      repo: 'api',
      repoFile: own('_extends: secret-infra:x.yml\n'),
      orgFile: null,
      fetchFile: reader({}).fetchFile,
    });
    expect(r).toMatchObject({
      kind: 'invalid',
      problems: [
        {
          message:
            '"secret-infra:x.yml" names acme/secret-infra:x.yml, which does not exist or cannot be read by the app',
        },
      ],
    });
  });

  it('are shown whole without a repository name (the CLI, reading the user’s own files)', async () => {
    const { fetchFile } = reader({ 'acme/secret-infra:deploy/secrets.yml': secret });
    const r = await resolveConfig({
      owner: 'acme',
      repoFile: own('_extends: secret-infra:deploy/secrets.yml\n'),
      orgFile: null,
      fetchFile,
    });
    expect(JSON.stringify(r)).toContain('aws_secret_access_key');
  });

  it('of its own repository and the org file are shown whole, located', async () => {
    const { fetchFile } = reader({ 'acme/api:shared.yml': 'gates: { batch-size: { max_line: 1 } }\n' });
    const r = await resolveConfig({
      owner: 'acme',
      repo: 'api',
      repoFile: own('_extends: api:shared.yml\n'),
      orgFile: null,
      fetchFile,
    });
    expect(r).toMatchObject({
      kind: 'invalid',
      problems: [{ file: 'acme/api:shared.yml', line: 1, path: 'gates.batch-size.max_line' }],
    });
    const bad = await resolveConfig({
      owner: 'acme',
      repo: 'api',
      repoFile: own('_extends: .github\n'),
      orgFile: { ...org, text: 'on_error: maybe\n' },
    });
    expect(bad).toMatchObject({ kind: 'invalid', problems: [{ file: org.file, line: 1, path: 'on_error' }] });
  });
});
