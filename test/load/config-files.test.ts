/**
 * The loader's config reads (src/load/config-files.ts): the merge group's config goes through the
 * loader's partial-error handling (an org without `.github` is a missing file; any other error
 * throws), and the REST reader of whole files asks for the raw media type at the given ref.
 */
import { describe, expect, it } from 'vitest';
import { readMergeGroupConfig } from '../../src/load/config-files.js';
import { rawFileReader } from '../../src/load/loader.js';
import { MERGE_GROUP_CONFIG_QUERY } from '../../src/load/queries.js';

const group = { owner: 'acme', repo: 'api', baseSha: 'b'.repeat(40) };
const rejecting = (data: unknown, errors: unknown[]) => async () =>
  Promise.reject(Object.assign(new Error('partial'), { data, errors }));

describe('readMergeGroupConfig', () => {
  it('reads the base commit and the org file in one query', async () => {
    const calls: [string, Record<string, unknown>][] = [];
    const result = await readMergeGroupConfig(async (q, v) => {
      calls.push([q, v]);
      return { repository: { config: { text: 'checks:\n  name: Gates\n' } }, org: null };
    }, group);
    expect(calls).toEqual([
      [
        MERGE_GROUP_CONFIG_QUERY,
        {
          owner: 'acme',
          name: 'api',
          configExpr: `${group.baseSha}:.github/quality-gates.yml`,
          orgConfigExpr: 'HEAD:.github/quality-gates.yml',
        },
      ],
    ]);
    expect(result.kind === 'ok' && result.config.checks.name).toBe('Gates');
  });

  it('takes an organisation without a .github repository as a missing file', async () => {
    const result = await readMergeGroupConfig(
      rejecting({ repository: { config: { text: 'checks:\n  name: Gates\n' } }, org: null }, [
        { type: 'NOT_FOUND', path: ['org'] },
      ]),
      group,
    );
    expect(result.kind === 'ok' && result.config.checks.name).toBe('Gates');
  });

  it('throws on any other error, partial data or not', async () => {
    await expect(
      readMergeGroupConfig(
        rejecting({ repository: null, org: null }, [{ type: 'FORBIDDEN', path: ['repository'] }]),
        group,
      ),
    ).rejects.toThrow();
  });
});

describe('rawFileReader', () => {
  it('reads the file whole, in the raw media type, at the ref', async () => {
    const asked: unknown[] = [];
    const read = rawFileReader({
      getContent: async (params) => {
        asked.push(params);
        return { data: 'text' };
      },
    });
    expect(await read('acme', 'api', 'CODEOWNERS', 'abc')).toBe('text');
    expect(asked).toEqual([
      { owner: 'acme', repo: 'api', path: 'CODEOWNERS', ref: 'abc', mediaType: { format: 'raw' } },
    ]);
  });
});
