/**
 * app.yml asks for exactly docs/behaviour.md#permissions-and-events, and the README's permissions table gives a
 * reason for each permission and event — a permission cannot be added silently.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const manifest = parse(readFileSync('app.yml', 'utf8')) as {
  default_permissions: Record<string, string>;
  default_events: string[];
};
const readme = readFileSync('README.md', 'utf8');

const SPEC_PERMISSIONS = {
  checks: 'write',
  pull_requests: 'read',
  contents: 'read',
  metadata: 'read',
  members: 'read',
  issues: 'read',
  merge_queues: 'read',
};
const SPEC_EVENTS = [
  'pull_request',
  'pull_request_review',
  'check_run',
  'check_suite',
  'issue_comment',
  'merge_group',
  'push',
];

/** The rows of the README table whose header cells are `columns` (however Prettier pads them). */
function tableRows(...columns: string[]): string[][] {
  const header = new RegExp(`^\\|${columns.map((c) => ` *${c} *\\|`).join('')}$`, 'm');
  const start = readme.search(header);
  expect(start).toBeGreaterThan(-1);
  const rows: string[][] = [];
  for (const line of readme.slice(start).split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim().replace(/`/g, '')),
    );
  }
  return rows;
}

describe('app.yml', () => {
  it('asks for exactly the permissions of docs/behaviour.md#permissions-and-events', () => {
    expect(manifest.default_permissions).toEqual(SPEC_PERMISSIONS);
  });

  it('subscribes to exactly the events of docs/behaviour.md#permissions-and-events', () => {
    expect([...manifest.default_events].sort()).toEqual([...SPEC_EVENTS].sort());
  });

  it('has a README row with a reason for every permission, and no other', () => {
    const rows = tableRows('permission', 'access', 'why');
    expect(Object.fromEntries(rows.map(([p, access]) => [p, access]))).toEqual(manifest.default_permissions);
    for (const [, , why] of rows) expect(why!.length).toBeGreaterThan(10);
  });

  it('has a README row with a reason for every event', () => {
    const rows = tableRows('event', 'why');
    expect(rows.map(([e]) => e).sort()).toEqual([...manifest.default_events].sort());
  });
});
