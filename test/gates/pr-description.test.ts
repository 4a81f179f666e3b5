/**
 * pr-description: what counts as the body's own text, sections by any heading style, the untouched
 * template, and linear time on hostile Markdown.
 */
import { describe, expect, it } from 'vitest';
import { plain } from '../../gates/gate.js';
import {
  describe as describeBody,
  headingOf,
  templateLines,
  withoutComments,
} from '../../gates/pr-description/description.js';
import { prDescription } from '../../gates/pr-description/index.js';
import type { BaseFile } from '../../gates/snapshot.js';
import { aSnapshot } from '../support/builders.js';

const TEMPLATE = '## What\n\n<!-- Describe the change -->\n\n## Why\n\n- [ ] Tests added\n- [ ] Docs updated\n';
const file = (path: string, text: string | null): BaseFile => ({
  path,
  oid: `oid-${path}`,
  byteSize: text?.length ?? 0,
  text,
  truncated: text === null,
});
const cfg = (over: Record<string, unknown> = {}) => prDescription.config.parse({ mode: 'block', ...over });
const run = (
  body: string,
  over: Record<string, unknown> = {},
  templates: BaseFile[] = [file('.github/pull_request_template.md', TEMPLATE)],
) =>
  prDescription.evaluate(
    aSnapshot({ body, base: { codeowners: null, gitattributes: null, pullRequestTemplates: templates } }),
    cfg(over),
  );

describe('pr-description: what counts', () => {
  it.each([
    ['an empty body', '', 0],
    ['whitespace only', '  \n\t\n', 0],
    ['an HTML comment', '<!-- a long comment that says nothing to the reviewer -->', 0],
    ['an unclosed comment hides the rest', 'Short. <!-- and then a very long text that is hidden', 6],
    ['the template as is', TEMPLATE, 0],
    ['the template with only its comments', '<!-- Describe the change -->\n<!-- more -->', 0],
    ['headings only', '# What\n## Why\n**Testing**', 0],
    ['unchecked boxes, anywhere', '- [ ] one\n* [ ] two\n1. [ ] three', 0],
    ['a checked box counts', '- [x] Tests added', 15],
    ['a rule', '---\n***', 0],
    ['own text, whitespace collapsed', 'Adds   the\trefunds endpoint.', 26],
    ['own text under a template heading', `${TEMPLATE}\nAdds refunds.`, 13],
    ['emoji and non-Latin text, one per character', '修复登录错误 🎉', 8],
    ['text in a code fence', '```\nnpm test\n```', 8],
  ])('%s', (_name, body, chars) => {
    expect(run(body).numbers?.descriptionChars).toBe(chars);
  });

  it('fails below min_length, passes at it', () => {
    expect(run('x'.repeat(29)).status).toBe('fail');
    expect(run('x'.repeat(30)).status).toBe('pass');
    expect(plain(run('x'.repeat(29)).reason)).toBe('The description has 29 characters of its own text (minimum 30)');
  });

  it('says the body is the untouched template, and an empty body is empty', () => {
    const untouched = run(TEMPLATE);
    expect(untouched.status).toBe('fail');
    expect(plain(untouched.reason)).toContain('the pull-request template of the base branch, not filled in');
    expect(untouched.numbers?.untouchedTemplate).toBe(true);
    expect(plain(untouched.fix[0]!.kind === 'paragraph' ? untouched.fix[0]!.text : '')).toContain(
      '.github/pull_request_template.md',
    );
    expect(plain(run('').reason)).toBe('The description is empty');
    expect(run('', {}, []).numbers?.untouchedTemplate).toBe(false);
  });

  it('with no template known, template-like text counts', () => {
    expect(run('Describe the change here in detail', {}, []).numbers?.descriptionChars).toBe(34);
    // A template GitHub could not give as text (binary or truncated) subtracts nothing.
    expect(run(TEMPLATE, {}, [file('PULL_REQUEST_TEMPLATE.md', null)]).numbers?.untouchedTemplate).toBe(false);
  });

  it('subtracts every template found (several locations)', () => {
    const two = [
      file('.github/pull_request_template.md', TEMPLATE),
      file('docs/pull_request_template.md', 'Checklist for the reviewer\n'),
    ];
    expect(run(`${TEMPLATE}Checklist for the reviewer\n`, {}, two).numbers?.descriptionChars).toBe(0);
  });
});

describe('pr-description: sections', () => {
  const sections = { sections: ['What', 'Why', 'Testing'], min_length: 0 };
  it.each([
    [
      'ATX headings of any level, any case',
      '# what\nAdds refunds.\n### WHY\nCustomers.\n###### Testing\nUnit tests.',
      [],
    ],
    ['bold lines', '**What**\nAdds refunds.\n__Why:__\nCustomers.\n**Testing:** unit tests', []],
    ['text on the bold heading line', '**What**: adds refunds\n**Why**: customers\n**Testing**: unit', []],
    ['a trailing colon or closing hashes', '## What: ##\nAdds.\n## Why?\nBecause.\n## Testing ##\nUnit.', []],
    [
      'a sub-heading carries its text to the section',
      '## What\nAdds.\n## Why\nBecause.\n## Testing\n### Unit\nvitest',
      [],
    ],
    ['an empty section', '## What\nAdds.\n## Why\n## Testing\nUnit.', ['Why']],
    ['a section filled only with template lines', `${TEMPLATE}## Testing\nUnit.`, ['What', 'Why']],
    ['missing sections', '## What\nAdds refunds.', ['Why', 'Testing']],
    [
      'bold words starting a sentence are no heading',
      '**What** we do here is add refunds.\n## Why\nx\n## Testing\ny',
      ['What'],
    ],
    ['`#hashtag` is no heading', '#What\nAdds.\n## Why\nx\n## Testing\ny', ['What']],
  ])('%s', (_name, body, missing) => {
    const res = run(body, sections);
    expect(res.numbers?.sectionsMissing).toBe(missing.length);
    expect(res.status).toBe(missing.length === 0 ? 'pass' : 'fail');
    for (const name of missing) expect(plain(res.reason)).toContain(`"${name}"`);
  });

  it('the fix names each missing section with a skeleton', () => {
    const res = run('## What\nAdds refunds to the API.\n## Why\n', sections);
    expect(plain(res.reason)).toBe('Sections "Why" and "Testing" are missing or empty');
    const code = res.fix.find((b) => b.kind === 'code');
    expect(code && code.kind === 'code' ? code.text : '').toBe('## Why\n\n…\n\n## Testing\n\n…\n');
  });
});

describe('pr-description: bounded on hostile input', () => {
  it.each([
    ['64 KB of #', '#'.repeat(65_536)],
    ['64 KB of unclosed comments', '<!--'.repeat(16_384)],
    ['64 KB of **', '**'.repeat(32_768)],
    ['64 KB of nested quotes and lists', '> - > - '.repeat(8_192)],
    ['a heading with 64 KB of closing hashes', `# x ${'# '.repeat(32_000)}y`],
    ['a million characters', `${'word '.repeat(200_000)}`],
  ])('%s: well under a 50 ms budget', (_name, body) => {
    const config = cfg({ sections: ['What', 'Why'] });
    const pr = aSnapshot({
      body,
      base: { codeowners: null, gitattributes: null, pullRequestTemplates: [file('t.md', TEMPLATE.repeat(500))] },
    });
    prDescription.evaluate(pr, config);
    const started = performance.now();
    const res = prDescription.evaluate(pr, config);
    expect(performance.now() - started).toBeLessThan(50);
    expect(['pass', 'fail']).toContain(res.status);
  });

  it('reads at most GitHub’s 65,536 characters of a body', () => {
    const res = run(`${'x'.repeat(65_536)}## What`, { sections: ['What'] });
    expect(res.numbers?.sectionsMissing).toBe(1);
    expect(
      res.details.some((b) => b.kind === 'paragraph' && plain(b.text).includes('Only the first 65,536 characters')),
    ).toBe(true);
  });
});

describe('pr-description: helpers', () => {
  it('removes comments, an unclosed one to the end', () => {
    expect(withoutComments('a<!-- b -->c<!-- d')).toBe('ac');
  });

  it.each([
    ['# What', { level: 1, title: 'What', rest: '' }],
    ['   ### What ###', { level: 3, title: 'What', rest: '' }],
    ['# C#', { level: 1, title: 'C#', rest: '' }],
    ['####### seven', null],
    ['**What:** adds', { level: 7, title: 'What', rest: 'adds' }],
    ['**What** is this', null],
    ['****', null],
  ])('headingOf(%j)', (line, heading) => {
    expect(headingOf(line)).toEqual(heading);
  });

  it('keys template lines in lower case with spaces collapsed, without comments', () => {
    expect([...templateLines(['## What\n<!-- x -->\n  Tests   Added ', 'Other'])]).toEqual([
      '## what',
      'tests added',
      'other',
    ]);
    expect(describeBody('## WHAT\n', templateLines(['## what'])).usesTemplate).toBe(true);
  });

  it('declares the templates it reads', () => {
    expect(prDescription.needs).toEqual(['templates']);
  });
});
