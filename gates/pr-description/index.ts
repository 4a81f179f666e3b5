/**
 * pr-description (docs/gates/pr-description.md): the body says what the change is, in its own
 * words. Counts the body's own text -- HTML comments, the base branch's pull-request template,
 * headings and unchecked checkboxes do not count -- against `min_length`, and checks that every
 * heading of `sections` is present with text under it.
 *
 * The templates are the base branch's (read at the base commit, never the head's), so a fork
 * cannot make its boilerplate count as text by shipping a template of its own.
 */
import { PrDescriptionConfig } from '../config-fields.js';
import { defineGate, result, withNumbers, type DetailBlock, type Inline, type Text } from '../gate.js';
import { joinWords, plural } from '../lib/words.js';
import type { BaseFile } from '../snapshot.js';
import { describe, headingKey, MAX_BODY_CHARS, templateLines, type Description } from './description.js';

/** Most section names quoted in one sentence. */
const SECTIONS_SHOWN = 20;

export const prDescription = defineGate({
  id: 'pr-description',
  title: 'PR description',
  needs: ['templates'],
  config: PrDescriptionConfig,
  evaluate(pr, cfg) {
    const templates = (pr.base.pullRequestTemplates ?? []).filter(
      (t): t is BaseFile & { text: string } => typeof t.text === 'string',
    );
    const desc = describe(pr.body, templateLines(templates.map((t) => t.text)));
    const missing = missingSections(desc, cfg.sections);
    const short = desc.chars < cfg.min_length;
    const untouched = templates.length > 0 && desc.onlyBoilerplate && desc.usesTemplate;
    const numbers = { descriptionChars: desc.chars, sectionsMissing: missing.length, untouchedTemplate: untouched };

    const lengthPart = `${plural(desc.chars, 'character')} of its own text (minimum ${cfg.min_length.toLocaleString('en-US')})`;
    const details = detailsFor(pr.body, desc, templates, cfg.sections);
    if (!short && missing.length === 0) {
      const sectionsPart =
        cfg.sections.length > 0
          ? `; ${cfg.sections.length === 1 ? 'section' : 'sections'} ${joinWords(cfg.sections.slice(0, SECTIONS_SHOWN), 'and')} filled in`
          : '';
      return withNumbers(result.pass(`The description has ${lengthPart}${sectionsPart}`, details), numbers);
    }

    const problems: string[] = [];
    if (untouched) problems.push('The description is the pull-request template of the base branch, not filled in');
    else if (pr.body.trim() === '') problems.push('The description is empty');
    else if (short) problems.push(`The description has ${lengthPart}`);
    if (missing.length > 0)
      problems.push(
        `${missing.length === 1 ? 'section' : 'sections'} ${joinWords(
          missing.slice(0, SECTIONS_SHOWN).map((s) => `"${s.name}"`),
          'and',
        )} ${missing.length === 1 ? 'is' : 'are'} ${missingWord(missing)}`,
      );
    const reason = problems.length === 2 ? `${problems[0]}; ${problems[1]}` : capitalise(problems[0]!);
    return withNumbers(result.fail(reason, details, fixFor(cfg, desc, missing, untouched, templates)), numbers);
  },
});

interface Missing {
  /** The section as configured. */
  readonly name: string;
  /** True when the heading is there but has no text under it. */
  readonly empty: boolean;
}

function missingSections(desc: Description, sections: readonly string[]): Missing[] {
  return sections.flatMap((name) => {
    const key = headingKey(name);
    const found = desc.sections.filter((s) => s.key === key);
    if (found.some((s) => s.chars > 0)) return [];
    return [{ name, empty: found.length > 0 }];
  });
}

function missingWord(missing: readonly Missing[]): string {
  if (missing.every((m) => m.empty)) return 'empty';
  if (missing.every((m) => !m.empty)) return 'missing';
  return 'missing or empty';
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function detailsFor(
  body: string,
  desc: Description,
  templates: readonly BaseFile[],
  sections: readonly string[],
): DetailBlock[] {
  const details: DetailBlock[] = [];
  const counted: Inline[] = [
    'Counted: the text of the description, without HTML comments, headings, unchecked checkboxes',
    ...(templates.length > 0
      ? [" and the lines of the base branch's template ", ...codes(templates.map((t) => t.path))]
      : []),
    '.',
  ];
  details.push({ kind: 'paragraph', text: counted });
  if (body.length > MAX_BODY_CHARS)
    details.push({
      kind: 'paragraph',
      text: `Only the first ${MAX_BODY_CHARS.toLocaleString('en-US')} characters were read (GitHub's limit for a description).`,
    });
  if (sections.length > 0) {
    details.push({
      kind: 'table',
      header: ['Section', 'Characters under it'],
      rows: sections.slice(0, SECTIONS_SHOWN).map((name): Text[] => {
        const found = desc.sections.filter((s) => s.key === headingKey(name));
        const chars = found.reduce((sum, s) => sum + s.chars, 0);
        return [name, found.length === 0 ? 'no such heading' : chars.toLocaleString('en-US')];
      }),
      total: sections.length,
    });
  }
  return details;
}

function codes(items: readonly string[]): Inline[] {
  return items.flatMap((item, i): Inline[] => [...(i > 0 ? [', '] : []), { code: item }]);
}

function fixFor(
  cfg: PrDescriptionConfig,
  desc: Description,
  missing: readonly Missing[],
  untouched: boolean,
  templates: readonly BaseFile[],
): DetailBlock[] {
  const fix: DetailBlock[] = [];
  if (untouched) {
    fix.push({
      kind: 'paragraph',
      text: [
        'The description is still the template of the base branch (',
        ...codes(templates.map((t) => t.path)),
        '): write under its headings what this pull request changes and why; its comments and unchecked boxes do not count.',
      ],
    });
  }
  if (desc.chars < cfg.min_length) {
    fix.push({
      kind: 'paragraph',
      text: `Edit the description on GitHub to say what changes, why, and how it was tested: at least ${plural(cfg.min_length, 'character')} of text of its own (now ${desc.chars.toLocaleString('en-US')}).`,
    });
  }
  if (missing.length > 0) {
    fix.push({
      kind: 'list',
      title: 'Add a heading with text under it for each section:',
      items: missing
        .slice(0, SECTIONS_SHOWN)
        .map((m): Text => [
          { code: `## ${m.name}` },
          m.empty ? ' (present, but nothing written under it)' : ' (no such heading)',
        ]),
      total: missing.length,
    });
    fix.push({
      kind: 'code',
      lang: 'markdown',
      text: missing
        .slice(0, SECTIONS_SHOWN)
        .map((m) => `## ${m.name}\n\n…\n`)
        .join('\n'),
    });
  }
  fix.push({ kind: 'paragraph', text: 'The check runs again when the description is edited.' });
  return fix;
}
