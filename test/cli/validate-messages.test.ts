/** `quality-gates validate` on the mistakes real repositories made (issue 22) and on 1,500 of them (issue 14; as many as the 16 KB cap holds). */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, cli, hermeticEnv, scratch } from './support.js';

afterAll(cleanup);

async function validate(text: string) {
  const dir = scratch();
  writeFileSync(path.join(dir, 'qg.yml'), text);
  return cli(['validate', 'qg.yml'], {
    cwd: dir,
    env: hermeticEnv(dir, { GIT_CEILING_DIRECTORIES: path.dirname(dir) }),
  });
}

describe('quality-gates validate: messages', () => {
  it('prints problems sorted by line, in the documented words', async () => {
    const text = [
      'gates:',
      '  tests-touched:',
      '  batch-size:',
      '    max_lines: 1.5',
      '    max_line: 10',
      '  linked-ticket:',
      '    projects: [""]',
      'checks:',
      '  name: ""',
      'on_error: maybe',
      '',
    ].join('\n');
    const result = await validate(text);
    expect(result.code).toBe(1);
    expect(result.stdout.trim().split('\n')).toEqual([
      'qg.yml:4:16 gates.batch-size.max_lines: must be a whole number; found 1.5',
      'qg.yml:5:5 gates.batch-size.max_line: unknown key "max_line"; allowed here: mode, max_lines, max_files, exclude, default_excludes, max_excluded_lines',
      'qg.yml:7:16 gates.linked-ticket.projects.0: must match /^[A-Z][A-Z0-9]*$/ (a project key is upper-case letters and digits, starting with a letter); found ""',
      'qg.yml:9:9 checks.name: must not be empty',
      'qg.yml:10:11 on_error: must be one of: "failure", "neutral"; found "maybe"',
    ]);
    expect(result.stderr).toBe('quality-gates: qg.yml is invalid (5 problems)\n');
  });

  it('an empty gate (tests-touched: with no value) is valid: it means the defaults', async () => {
    expect(await validate('gates:\n  tests-touched:\n')).toEqual({ code: 0, stdout: 'qg.yml: valid\n', stderr: '' });
  });

  it('lists 25 problems of 1,500 and counts the rest', async () => {
    const result = await validate(Array.from({ length: 1_500 }, (_, i) => `k${i}: 1`).join('\n'));
    expect(result.code).toBe(1);
    const out = result.stdout.trim().split('\n');
    expect(out).toHaveLength(26);
    expect(out[0]).toBe(
      'qg.yml:1:1 k0: unknown key "k0"; allowed here: _extends, defaults, checks, skip, on_error, gates, overrides',
    );
    expect(out[25]).toBe('qg.yml: and 1,475 more problems');
    expect(result.stderr).toBe('quality-gates: qg.yml is invalid (1,500 problems)\n');
  });
});
