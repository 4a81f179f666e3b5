/**
 * conventional-title: Conventional Commits 1.0 headers, which part is wrong, the decided handling of
 * GitHub's revert and merge titles, and the corrected title built from the PR's own words.
 */
import { describe, expect, it } from 'vitest';
import { plain } from '../../gates/gate.js';
import { conventionalTitle, correctedTitle } from '../../gates/conventional-title/index.js';
import { parseTitle } from '../../gates/conventional-title/parse.js';
import { aSnapshot } from '../support/builders.js';

const cfg = (over: Record<string, unknown> = {}) => conventionalTitle.config.parse({ mode: 'block', ...over });
const run = (title: string, over: Record<string, unknown> = {}) =>
  conventionalTitle.evaluate(aSnapshot({ title }), cfg(over));

describe('conventional-title: the rules', () => {
  it.each([
    ['feat: add refunds endpoint', {}],
    ['fix(api): handle empty bodies', {}],
    ['feat!: drop the v1 API', {}],
    ['feat(api)!: drop the v1 API', {}],
    ['fix(deps/npm): bump zod', {}],
    ['chore(api/v2/refunds): tidy', { scopes: ['api/v2/refunds'] }],
    ['FEAT: shout', {}],
    ['fix: 修复登录错误', {}],
    ['docs: Японский перевод 🎌', {}],
    ['feat: ✨ sparkles', {}],
    ['perf(API): faster', { scopes: ['api'], require_scope: true }],
    ['Revert "feat: add refunds endpoint"', {}],
    [`Revert "${'x'.repeat(90)}"`, {}],
    ['build: x'.padEnd(72, 'y'), {}],
  ])('passes %j', (title, over) => {
    const res = run(title, over);
    expect(res.status).toBe('pass');
    expect(res.numbers?.titleValid).toBe(true);
  });

  it.each([
    ['Add refunds endpoint', {}, 'has no type prefix'],
    ['', {}, 'has no type prefix'],
    ['✨ feat: sparkles', {}, 'starts with ✨ feat, which is not a type'],
    ['feat (api): spaced', {}, 'starts with feat (api), which is not a type'],
    ['feature: add refunds', {}, 'has the type feature, which is not listed'],
    ['feat:add refunds', {}, 'needs a space after the colon'],
    ['feat: ', {}, 'has no subject after the colon'],
    ['feat(): empty scope', {}, 'has an empty or malformed scope in feat()'],
    ['feat(api: unclosed', {}, 'has an empty or malformed scope in feat(api'],
    ['feat(my api): spaced scope', {}, 'has an empty or malformed scope'],
    ['feat: no scope', { require_scope: true }, 'names no scope, and a scope is required'],
    ['feat(web): not allowed', { scopes: ['api'] }, 'has the scope web, which is not listed'],
    ['feat: '.padEnd(73, 'x'), {}, 'is 73 characters long (limit 72)'],
    ['Revert "feat: x"', { types: ['feat'] }, "is GitHub's revert title, and revert is not a listed type"],
    ["Merge branch 'main' into feature/refunds", {}, 'is a merge commit subject GitHub writes'],
    ['Merge pull request #12 from acme/refunds', {}, 'is a merge commit subject GitHub writes'],
    [
      'docs(web): wrong',
      { types: ['feat'], scopes: ['api'] },
      'has the type docs, which is not listed and has the scope web, which is not listed',
    ],
  ])('fails %j, naming the wrong part', (title, over, words) => {
    const res = run(title, over);
    expect(res.status).toBe('fail');
    expect(res.numbers?.titleValid).toBe(false);
    expect(plain(res.reason)).toContain(words);
    expect(plain(res.reason).startsWith(`The title ${title.trim()}`)).toBe(true);
  });

  it('quotes the title as code, inert in Markdown', () => {
    const res = run('Refunds @acme/team <b>x</b> [a](b)');
    expect(Array.isArray(res.reason) && res.reason[1]).toEqual({ code: 'Refunds @acme/team <b>x</b> [a](b)' });
  });

  it('counts characters, not UTF-16 units: an emoji is one', () => {
    expect(run(`feat: ${'🎉'.repeat(66)}`).status).toBe('pass');
    expect(run(`feat: ${'🎉'.repeat(67)}`).status).toBe('fail');
  });

  it('needs no slice', () => {
    expect(conventionalTitle.needs).toEqual([]);
  });
});

describe('conventional-title: the corrected title', () => {
  it.each([
    ['Add refunds endpoint', {}, 'feat: add refunds endpoint'],
    ['Fix crash on empty body', {}, 'fix: fix crash on empty body'],
    ['Rename the Refunds module', {}, 'refactor: rename the Refunds module'],
    ['Bump zod from 3 to 4', {}, 'chore: bump zod from 3 to 4'],
    ['API docs for refunds', {}, 'feat: API docs for refunds'],
    ['feature: add refunds', {}, 'feat: add refunds'],
    ['Bugfix: empty body', {}, 'fix: empty body'],
    ['✨ feat: sparkles', {}, 'feat: sparkles'],
    ['feat:add refunds', {}, 'feat: add refunds'],
    ['feat(): x', {}, 'feat: x'],
    ['feat(web)!: drop v1', { scopes: ['api'], require_scope: true }, 'feat(api)!: drop v1'],
    ['Add refunds', { require_scope: true }, 'feat(scope): add refunds'],
    ['Add refunds', { types: ['fix', 'chore'] }, 'fix: add refunds'],
    ['修复登录错误', {}, 'feat: 修复登录错误'],
    ["Merge branch 'main' into feature/refunds", {}, "chore: merge branch 'main' into feature/refunds"],
    [
      'Add the refunds endpoint with partial amounts and currency conversion for all markets',
      {},
      'feat: add the refunds endpoint with partial amounts and currency',
    ],
  ])('%j → %j', (title, over, corrected) => {
    const config = cfg(over);
    expect(correctedTitle(title, config)).toBe(corrected);
  });

  it.each([
    'Add refunds endpoint',
    '✨ Feature(x y): Sparkles',
    'feat:',
    '',
    '   ',
    '!!!',
    'Merge pull request #1 from a/b',
    'x'.repeat(300),
  ])('the corrected title of %j passes the gate itself', (title) => {
    const config = cfg({ max_length: 40 });
    const fixed = correctedTitle(title, config);
    expect(conventionalTitle.evaluate(aSnapshot({ title: fixed }), config).status).toBe('pass');
  });

  it('shows it in the fix', () => {
    const res = run('Add refunds endpoint');
    expect(res.fix).toContainEqual({ kind: 'code', text: 'feat: add refunds endpoint' });
  });
});

describe('conventional-title: parsing', () => {
  it.each([
    ['feat(api/v2)!: x', { ok: true, header: { type: 'feat', scope: 'api/v2', breaking: true, subject: 'x' } }],
    [
      'Fix login: it crashes on empty passwords',
      { ok: false, problem: { part: 'type-shape', prefix: 'Fix login' }, partial: { type: 'Fix' } },
    ],
    ['The login page: it crashes', { ok: false, problem: { part: 'prefix' } }],
  ])('%j', (title, parsed) => {
    expect(parseTitle(title)).toEqual(parsed);
  });

  it('is linear on a hostile title', () => {
    const title = `${'('.repeat(5000)}:${')'.repeat(5000)}`;
    const started = performance.now();
    run(title);
    expect(performance.now() - started).toBeLessThan(50);
  });
});
