/**
 * Finding `/gates <command>` in a comment: which lines are commands, and that the search is
 * bounded and linear whatever the text (the old multiline regex took 2.8 s on 64 KB of `\n`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMAND_LIMITS, findCommand } from '../../src/server/commands.js';

describe('findCommand', () => {
  it.each([
    ['/gates recheck', 'recheck'],
    ['  /gates   recheck  ', 'recheck'],
    ['/GATES Recheck', 'recheck'],
    ['/gates\trecheck', 'recheck'],
    ['/gates recheck\r\n', 'recheck'],
    ['Looks good.\n\n/gates recheck\nthanks', 'recheck'],
    ['\n'.repeat(99) + '/gates recheck', 'recheck'],
  ])('finds the command in %j', (body, name) => {
    expect(findCommand(body)).toEqual({ name, args: '' });
  });

  it.each([
    ['a mention in a sentence', 'please /gates recheck this'],
    ['a quote', '> /gates recheck'],
    ['an inline code span', '`/gates recheck`'],
    ['extra words after a command that takes none', '/gates recheck now'],
    ['an unknown command', '/gates rerun'],
    ['the prefix alone', '/gates'],
    ['no space after the prefix', '/gatesrecheck'],
    ['another prefix', '/gate recheck'],
    ['an empty body', ''],
    ['a null body', null],
    ['a body that is not text', { body: '/gates recheck' }],
    ['a command after the first 100 lines', '\n'.repeat(COMMAND_LIMITS.lines) + '/gates recheck'],
    ['a command after the first 16 KiB', 'x\n'.repeat(COMMAND_LIMITS.scanChars / 2) + '/gates recheck'],
    ['a command on an overlong line', '/gates recheck' + ' '.repeat(COMMAND_LIMITS.lineChars)],
  ])('finds none in %s', (_name, body) => {
    expect(findCommand(body)).toBeUndefined();
  });

  it('reads only up to the limits it is given', () => {
    expect(findCommand('a\nb\n/gates recheck', { scanChars: 1000, lines: 2, lineChars: 100 })).toBeUndefined();
    expect(findCommand('a\nb\n/gates recheck', { scanChars: 1000, lines: 3, lineChars: 100 })).toEqual({
      name: 'recheck',
      args: '',
    });
    expect(findCommand('/gates recheck', { scanChars: 10, lines: 3, lineChars: 100 })).toBeUndefined();
  });

  it('finds the command wherever it stands in text of any characters, or none, and never throws', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 40 }), { maxLength: 20 }), fc.nat(20), (lines, at) => {
        const clean = lines.filter((l) => !/^\s*\/gates\s/i.test(l));
        expect(findCommand(clean.join('\n'))).toBeUndefined();
        clean.splice(Math.min(at, clean.length), 0, '/gates recheck');
        expect(findCommand(clean.join('\n'))).toEqual({ name: 'recheck', args: '' });
      }),
    );
  });

  it('costs milliseconds on the worst 64 KB comments (a generous bound against seconds)', () => {
    const hostile = [
      '\n'.repeat(65_536),
      '\n \n'.repeat(21_845),
      ' '.repeat(65_536),
      '/gates '.repeat(9_362),
      `${'/gates '.repeat(140)}\n`.repeat(66),
      '\t\n'.repeat(32_768),
    ];
    for (const body of hostile) {
      const started = performance.now();
      findCommand(body);
      expect(performance.now() - started).toBeLessThan(100);
    }
  });
});
