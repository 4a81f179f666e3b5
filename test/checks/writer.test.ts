import { describe, expect, it } from 'vitest';
import {
  fingerprint,
  RunMemory,
  writeRun,
  type ChecksApi,
  type DesiredRun,
  type ExistingCheckRun,
} from '../../src/checks/writer.js';

const target = { owner: 'acme', repo: 'api', headSha: 'f'.repeat(40) };
const run = (title = 'All 5 gates passed'): DesiredRun => ({
  name: 'Quality Gates',
  conclusion: 'success',
  title,
  summary: '| Gate |',
});

function api() {
  const calls: string[] = [];
  const checks: ChecksApi = {
    async create(p) {
      calls.push(`create ${p.name} ${p.status}`);
      return { data: { id: 7 } };
    },
    async update(p) {
      calls.push(`update ${p.check_run_id} ${p.status}`);
      return {};
    },
  };
  return { calls, checks };
}

describe('writeRun', () => {
  it('creates a completed run the first time, then writes nothing while unchanged', async () => {
    const { calls, checks } = api();
    const memory = new RunMemory();
    expect(await writeRun(checks, memory, target, run(), [])).toBe('created');
    // GitHub's read has not caught up: the run is not listed yet
    expect(await writeRun(checks, memory, target, run(), [])).toBe('unchanged');
    expect(calls).toEqual(['create Quality Gates completed']);
  });

  it('updates in place when the output changes, found through GitHub or through memory', async () => {
    const { calls, checks } = api();
    const existing: ExistingCheckRun[] = [
      { id: 99, name: 'Quality Gates', status: 'completed', conclusion: 'success', externalId: fingerprint(run()) },
    ];
    expect(await writeRun(checks, new RunMemory(), target, run(), existing)).toBe('unchanged');
    expect(await writeRun(checks, new RunMemory(), target, run('Blocked: batch-size'), existing)).toBe('updated');
    expect(calls).toEqual(['update 99 completed']);
  });

  it('prefers its own last write over a lagging read of the same run', async () => {
    const { calls, checks } = api();
    const memory = new RunMemory();
    const stale: ExistingCheckRun[] = [
      { id: 99, name: 'Quality Gates', status: 'completed', conclusion: 'success', externalId: fingerprint(run()) },
    ];
    expect(await writeRun(checks, memory, target, run('Blocked: batch-size'), stale)).toBe('updated');
    expect(await writeRun(checks, memory, target, run('Blocked: batch-size'), stale)).toBe('unchanged');
    expect(calls).toEqual(['update 99 completed']);
  });

  it('completes a run left in progress by anyone', async () => {
    const { calls, checks } = api();
    const existing: ExistingCheckRun[] = [
      { id: 5, name: 'Quality Gates', status: 'in_progress', conclusion: null, externalId: fingerprint(run()) },
    ];
    expect(await writeRun(checks, new RunMemory(), target, run(), existing)).toBe('updated');
    expect(calls).toEqual(['update 5 completed']);
  });
});
