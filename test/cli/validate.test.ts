/** `quality-gates validate` and `quality-gates schema`, end to end. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GATE_IDS } from '../../gates/registry.js';
import { renderJsonSchema } from '../../src/load/config/json-schema.js';
import { Repo, cleanup, cli, hermeticEnv, scratch } from './support.js';

afterAll(cleanup);

function dirWith(files: Record<string, string>): string {
  const dir = scratch();
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

const run = (dir: string, ...args: string[]) =>
  cli(args, { cwd: dir, env: hermeticEnv(dir, { GIT_CEILING_DIRECTORIES: path.dirname(dir) }) });

describe('quality-gates validate', () => {
  it('accepts a valid file: exit 0', async () => {
    const dir = dirWith({ 'qg.yml': 'defaults:\n  mode: warn\ngates:\n  batch-size:\n    max_lines: 200\n' });
    const result = await run(dir, 'validate', 'qg.yml');
    expect(result).toEqual({ code: 0, stdout: 'qg.yml: valid\n', stderr: '' });
  });

  it('accepts an empty file (every key is optional)', async () => {
    const dir = dirWith({ 'qg.yml': '' });
    expect((await run(dir, 'validate', 'qg.yml')).code).toBe(0);
  });

  it('reports every problem as file:line:col key.path: message, exit 1', async () => {
    const dir = dirWith({
      'qg.yml': [
        'defaults:',
        '  mode: strict',
        'gates:',
        '  batch-size:',
        '    max_line: 10',
        '    max_files: many',
        '  signed-commits:',
        '    require: gpg',
        '',
      ].join('\n'),
    });
    const result = await run(dir, 'validate', 'qg.yml');
    expect(result.code).toBe(1);
    const out = result.stdout.trim().split('\n');
    expect(out).toHaveLength(4);
    for (const line of out) expect(line).toMatch(/^qg\.yml:\d+:\d+ [\w.-]+: .+$/);
    expect(out).toContain('qg.yml:2:9 defaults.mode: must be one of: "block", "warn", "off"; found "strict"');
    expect(out).toContain(
      'qg.yml:5:5 gates.batch-size.max_line: unknown key "max_line"; allowed here: mode, max_lines, max_files, exclude, default_excludes, max_excluded_lines',
    );
    expect(out.some((l) => l.startsWith('qg.yml:6:16 gates.batch-size.max_files: '))).toBe(true);
    expect(out.some((l) => l.startsWith('qg.yml:8:14 gates.signed-commits.require: '))).toBe(true);
    expect(result.stderr).toBe('quality-gates: qg.yml is invalid (4 problems)\n');
  });

  it('reports YAML syntax errors with their position', async () => {
    const dir = dirWith({ 'qg.yml': 'gates:\n  batch-size: [\n' });
    const result = await run(dir, 'validate', 'qg.yml');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^qg\.yml:\d+:\d+: not valid YAML: /);
  });

  it('defaults to .github/quality-gates.yml at the top of the repository', async () => {
    const repo = Repo.init();
    repo.write({ '.github/quality-gates.yml': 'on_error: neutral\n', 'src/deep/x.ts': '' });
    const result = await cli(['validate'], { cwd: path.join(repo.dir, 'src', 'deep'), env: repo.env });
    expect(result).toEqual({
      code: 0,
      stdout: `${path.join('..', '..', '.github', 'quality-gates.yml')}: valid\n`,
      stderr: '',
    });
  });

  it('exits 2 with a message for a missing file or a directory', async () => {
    const dir = dirWith({});
    expect(await run(dir, 'validate', 'nope.yml')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'quality-gates: cannot read nope.yml: no such file\n',
    });
    expect(await run(dir, 'validate')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'quality-gates: cannot read .github/quality-gates.yml: no such file\n',
    });
    expect((await run(dir, 'validate', '.')).stderr).toBe('quality-gates: cannot read .: it is a directory\n');
  });

  it('notes an _extends it does not follow', async () => {
    const dir = dirWith({ 'qg.yml': '_extends: .github\n' });
    const result = await run(dir, 'validate', 'qg.yml');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('extends ".github", which validate does not read');
  });
});

describe('quality-gates schema', () => {
  it('prints the JSON Schema of the config, with properties.gates', async () => {
    const dir = scratch();
    const result = await run(dir, 'schema');
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.stdout);
    expect(schema.$schema).toMatch(/json-schema\.org/);
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties.gates.properties)).toEqual(GATE_IDS);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required ?? []).toEqual([]); // every key is optional in the file
    expect(schema.properties.gates.properties['batch-size'].properties.max_lines.description).toMatch(/lines/);
    expect(result.stdout).toBe(renderJsonSchema()); // the generator behind docs/quality-gates.schema.json
  });
});

describe('--help', () => {
  it.each([
    [['--help'], /^Usage: quality-gates <command>/],
    [['-h'], /^Usage: quality-gates <command>/],
    [['help'], /^Usage: quality-gates <command>/],
    [
      ['check', '--help'],
      /^Usage: quality-gates check \[--base REF\] \[--config FILE\] \[--title TEXT\] \[--body TEXT\] \[--json\]/,
    ],
    [['help', 'check'], /^Usage: quality-gates check/],
    [['validate', '--help'], /^Usage: quality-gates validate \[FILE\]/],
    [['owners', '-h'], /^Usage: quality-gates owners \[--codeowners FILE\] \[PATH \.\.\.\]/],
    [['schema', '--help'], /^Usage: quality-gates schema/],
  ])('%j', async (args, usage) => {
    const dir = scratch(); // --help works anywhere, even outside a repository
    const result = await run(dir, ...args);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(usage);
    expect(result.stderr).toBe('');
  });

  it('prints usage on stderr with exit 2 when no command is given', async () => {
    const result = await run(scratch());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^Usage: quality-gates/);
  });

  it('prints the version', async () => {
    const result = await run(scratch(), '--version');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});
