/**
 * What goes into a history record, without a database: the environment, clean strings, ids,
 * weeks, records built from verdicts and from real webhook payloads, the compact snapshot, and the
 * key figures each gate reports.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, QualityGatesConfig } from '../../gates/config.js';
import { runGates } from '../../src/pipeline/run-gates.js';
import { evaluationRecord, pullRequestRecordFromWebhook } from '../../src/store/record-builders.js';
import { clean, evaluationId, idFor, jsonText, weekOf } from '../../src/store/records.js';
import { historySettingsFromEnv } from '../../src/store/settings.js';
import { compactMessage, decodeSnapshot, encodeSnapshot, SNAPSHOT_BODY_CHARS } from '../../src/store/snapshot-codec.js';
import { aCommit, aFile, aReview, aSnapshot, capped } from '../support/builders.js';
import { examplePayload } from '../support/harness.js';
import { REPO } from './support.js';

describe('history settings', () => {
  it.each([
    [{}, { enabled: true, databaseUrl: undefined, dataDir: './data', retentionDays: 400 }],
    [{ HISTORY: 'off' }, { enabled: false }],
    [{ HISTORY: 'OFF ' }, { enabled: false }],
    [
      { HISTORY: 'on', DATA_DIR: '/var/lib/qg', HISTORY_RETENTION_DAYS: '30' },
      { enabled: true, dataDir: '/var/lib/qg', retentionDays: 30 },
    ],
    [
      { DATABASE_URL: 'postgres://u:p@db:5432/qg?sslmode=require' },
      { databaseUrl: 'postgres://u:p@db:5432/qg?sslmode=require' },
    ],
    [{ DATABASE_URL: '  ' }, { databaseUrl: undefined }],
  ])('%j', (env, expected) => {
    expect(historySettingsFromEnv(env)).toMatchObject(expected);
  });

  it.each([
    [{ HISTORY: 'of' }, /HISTORY must be "on" or "off" \(got "of"\)/],
    [{ HISTORY_RETENTION_DAYS: '0' }, /at least 1/],
    [{ HISTORY_RETENTION_DAYS: '1.5' }, /whole number/],
    [{ HISTORY_RETENTION_DAYS: 'forever' }, /whole number/],
    [{ DATABASE_URL: 'mysql://u:secret@db/qg' }, /must be a PostgreSQL URL/],
  ])('refuses %j and says how to fix it', (env, message) => {
    expect(() => historySettingsFromEnv(env)).toThrow(message);
  });

  it('never repeats DATABASE_URL (it holds a password) in its error', () => {
    expect(() => historySettingsFromEnv({ DATABASE_URL: 'mysql://u:hunter2@db/qg' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });
});

describe('clean strings, ids and weeks', () => {
  it('removes NUL, replaces lone surrogates, and cuts on a character boundary', () => {
    expect(clean('a\u0000b')).toBe('ab');
    expect(clean('x\uD800y\uDC00z')).toBe('x\uFFFDy\uFFFDz');
    expect(clean('🚀🚀🚀', 4)).toBe('🚀…');
    expect(clean('abcdef', 4)).toBe('abc…');
    expect(clean('abc', 4)).toBe('abc');
  });

  it('writes JSON that json and jsonb accept, leaving what needs nothing as it is', () => {
    const value = {
      a: 'NUL\u0000',
      b: ['lone \uDC00 low', 'lone \uD83D high'],
      c: 'pair 🚀',
      d: 'a literal \\u0000 stays',
      e: 1,
    };
    expect(JSON.parse(jsonText(value))).toEqual({
      a: 'NUL',
      b: ['lone \uFFFD low', 'lone \uFFFD high'],
      c: 'pair 🚀',
      d: 'a literal \\u0000 stays',
      e: 1,
    });
    const plain = { title: 'Add refunds', files: ['a.ts'] };
    expect(jsonText(plain)).toBe(JSON.stringify(plain));
  });

  it('derives the same UUID from the same key, and another from another', () => {
    const id = idFor('evaluation', 1, 2, 'sha', 'delivery');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(idFor('evaluation', 1, 2, 'sha', 'delivery')).toBe(id);
    expect(idFor('evaluation', 1, 2, 'sha', 'other')).not.toBe(id);
    // Parts are separated: "1","23" is not "12","3".
    expect(idFor('x', '1', '23')).not.toBe(idFor('x', '12', '3'));
  });

  it.each([
    ['2026-03-02T00:00:00Z', '2026-03-02'],
    ['2026-03-08T23:59:59Z', '2026-03-02'],
    ['2026-03-09T00:00:00Z', '2026-03-09'],
    ['2026-01-01T12:00:00Z', '2025-12-29'],
  ])('the week of %s starts on %s (Monday, UTC)', (at, monday) => {
    expect(weekOf(at)).toBe(monday);
  });
});

describe('evaluation records', () => {
  const base = {
    repository: REPO,
    number: 42,
    headSha: 'f'.repeat(40),
    event: 'pull_request.opened',
    deliveryId: 'd-1',
    at: Date.parse('2026-03-02T10:00:00Z'),
  };

  it('keeps each gate’s status, one-line reason and figures, and the open pull request’s snapshot', () => {
    const pr = aSnapshot({ files: capped([aFile('src/a.ts', 500, 0)]) });
    const record = evaluationRecord({
      ...base,
      pr,
      verdict: { kind: 'evaluated', outcomes: runGates(pr, DEFAULT_CONFIG), notes: [] },
    });
    expect(record).toMatchObject({
      verdict: 'evaluated',
      conclusion: 'failure',
      title: 'Blocked: batch-size, linked-ticket, tests-touched',
      author: { login: 'dana', isBot: false },
      evaluatedAt: '2026-03-02T10:00:00.000Z',
    });
    expect(record.gates[0]).toEqual({
      id: 'batch-size',
      mode: 'block',
      status: 'fail',
      reason: '500 lines in 1 file (limit 400 lines, 50 files)',
      numbers: expect.objectContaining({ countedLines: 500, maxLines: 400 }),
    });
    expect(record.snapshot).toBeDefined();
    expect(evaluationId(record)).toBe(evaluationId({ ...record }));
  });

  it('keeps no snapshot of a pull request that is not open, and no gates for a skipped one', () => {
    const pr = aSnapshot({ state: 'closed' });
    const record = evaluationRecord({
      ...base,
      pr,
      verdict: { kind: 'skipped', title: 'Skipped: draft pull request', reason: 'draft' },
    });
    expect(record).toMatchObject({
      verdict: 'skipped',
      conclusion: 'neutral',
      title: 'Skipped: draft pull request',
      gates: [],
    });
    expect(record.snapshot).toBeUndefined();
  });

  it('takes the author from the webhook when the pull request could not be read', () => {
    const record = evaluationRecord({
      ...base,
      author: { login: 'renovate[bot]', isBot: true },
      verdict: { kind: 'error', conclusion: 'failure', errorClass: 'HTTP 502', message: 'GitHub failed' },
    });
    expect(record).toMatchObject({
      verdict: 'error',
      conclusion: 'failure',
      title: 'Evaluation error',
      author: { login: 'renovate[bot]', isBot: true },
    });
    expect(record.pullRequest).toBeUndefined();
  });

  it('caps a long reason at 300 characters', () => {
    const pr = aSnapshot();
    const outcomes = runGates(pr, DEFAULT_CONFIG).map((o) => ({
      ...o,
      result: { ...o.result, reason: 'r'.repeat(5000) },
    }));
    const record = evaluationRecord({ ...base, pr, verdict: { kind: 'evaluated', outcomes, notes: [] } });
    expect(record.gates.every((g) => g.reason.length === 300 && g.reason.endsWith('…'))).toBe(true);
  });

  it('reads the first review and approval by someone else from the snapshot', () => {
    const pr = aSnapshot({
      reviews: capped([
        aReview('dana', 'commented', { submittedAt: '2026-03-01T08:00:00Z' }),
        aReview('lee', 'approved', { submittedAt: '2026-03-01T12:00:00Z' }),
        aReview('kim', 'commented', { submittedAt: '2026-03-01T10:00:00Z' }),
        aReview('max', 'pending', { submittedAt: '2026-03-01T09:00:00Z' }),
      ]),
    });
    const record = evaluationRecord({ ...base, pr, verdict: { kind: 'evaluated', outcomes: [], notes: [] } });
    expect(record.pullRequest).toMatchObject({
      firstReviewAt: '2026-03-01T10:00:00Z',
      firstApprovalAt: '2026-03-01T12:00:00Z',
      baseRef: 'main',
      draft: false,
    });
  });
});

describe('pull-request records from webhooks', () => {
  it('opened: the author, base branch, title, opening and ready times', () => {
    const payload = examplePayload('pull_request', 'opened');
    const record = pullRequestRecordFromWebhook('pull_request', payload)!;
    expect(record).toMatchObject({
      repository: {
        id: payload.repository.id,
        fullName: payload.repository.full_name,
        installationId: payload.installation.id,
      },
      number: payload.pull_request.number,
    });
    expect(record.facts).toMatchObject({
      state: 'open',
      openedAt: payload.pull_request.created_at,
      stateAt: payload.pull_request.created_at,
      baseRef: payload.pull_request.base.ref,
      author: { login: payload.pull_request.user.login, isBot: false },
    });
  });

  it('closed: merged or not', () => {
    const closed = examplePayload('pull_request', 'closed');
    expect(pullRequestRecordFromWebhook('pull_request', closed)!.facts).toMatchObject({
      state: 'closed',
      closedAt: closed.pull_request.closed_at,
    });
    const merged = {
      ...closed,
      pull_request: { ...closed.pull_request, merged: true, merged_at: closed.pull_request.closed_at },
    };
    expect(pullRequestRecordFromWebhook('pull_request', merged)!.facts).toMatchObject({
      state: 'merged',
      mergedAt: closed.pull_request.closed_at,
      closedAt: closed.pull_request.closed_at,
    });
  });

  it('a review by someone else is the first review (an approval also the first approval); the author’s own is not', () => {
    const payload = examplePayload('pull_request_review', 'submitted');
    payload.installation ??= { id: 5 };
    const own = pullRequestRecordFromWebhook('pull_request_review', payload)!;
    expect(own.facts.firstReviewAt).toBeUndefined();
    const other = {
      ...payload,
      review: { ...payload.review, state: 'approved', user: { login: 'lee', type: 'User' } },
    };
    expect(pullRequestRecordFromWebhook('pull_request_review', other)!.facts).toMatchObject({
      firstReviewAt: payload.review.submitted_at,
      firstApprovalAt: payload.review.submitted_at,
    });
  });

  it('a bot author is written as users write it', () => {
    const payload = examplePayload('pull_request', 'opened');
    payload.pull_request.user = { login: 'dependabot[bot]', type: 'Bot' };
    expect(pullRequestRecordFromWebhook('pull_request', payload)!.facts.author).toEqual({
      login: 'dependabot[bot]',
      isBot: true,
    });
  });

  it.each([
    ['issues', examplePayload('pull_request', 'opened')],
    ['pull_request', { ...examplePayload('pull_request', 'labeled') }],
    ['pull_request', { action: 'opened' }],
    ['pull_request', { ...examplePayload('pull_request', 'opened'), installation: undefined }],
    ['pull_request', null],
  ])('ignores %s events that record nothing or lack what is needed', (name, payload) => {
    expect(pullRequestRecordFromWebhook(name, payload)).toBeUndefined();
  });
});

describe('the compact open-PR snapshot', () => {
  it('keeps commit subjects with their sign-offs, not the rest of the message', () => {
    expect(
      compactMessage({
        subject: 'Fix it',
        message:
          'Fix it\n\nA long story about PROJ-9.\n\nSigned-off-by: A <a@x.org>\nCo-authored-by: B <b@x.org>\n  signed-off-by: C <c@x.org>',
      }),
    ).toBe('Fix it\n\nSigned-off-by: A <a@x.org>\nsigned-off-by: C <c@x.org>');
    expect(compactMessage({ subject: 'Fix it', message: 'Fix it\n\nBody' })).toBe('Fix it');
  });

  it('cuts the body, stores base files once by hash, and reads back whole', () => {
    const codeowners = { path: 'CODEOWNERS', oid: 'o1', byteSize: 10, text: '* @a\n', truncated: false };
    const pr = aSnapshot({
      body: 'b'.repeat(SNAPSHOT_BODY_CHARS + 10),
      base: { codeowners, gitattributes: { ...codeowners, path: '.gitattributes', text: '* @a\n' } },
      commits: capped([aCommit({ subject: 'x', message: 'x\n\nbody\n\nSigned-off-by: D <d@x>' })]),
    });
    const encoded = encodeSnapshot(pr, { repoConfig: 'gates: {}\n' });
    expect(encoded.files).toHaveLength(2); // one text shared by two files, and the config
    expect(encoded.json).not.toContain('* @a');
    const decoded = decodeSnapshot(JSON.parse(encoded.json), new Map(encoded.files.map((f) => [f.hash, f.text])));
    expect(decoded.pr.body).toHaveLength(SNAPSHOT_BODY_CHARS);
    expect(decoded.bodyTruncated).toBe(true);
    expect(decoded.pr.base.codeowners).toEqual(codeowners);
    expect(decoded.repoConfig).toBe('gates: {}\n');
    expect(decoded.pr.commits.nodes[0]!.message).toBe('x\n\nSigned-off-by: D <d@x>');
  });

  it('keeps what the later gates read: templates by hash, createdAt, readAt and the comparison', () => {
    const template = {
      path: '.github/pull_request_template.md',
      oid: 't1',
      byteSize: 9,
      text: '## What\n',
      truncated: false,
    };
    const pr = aSnapshot({
      base: { codeowners: null, gitattributes: null, pullRequestTemplates: [template] },
      createdAt: '2026-03-01T00:00:00Z',
      readAt: '2026-03-02T00:00:00Z',
      comparison: { aheadBy: 1, behindBy: 4 },
    });
    const encoded = encodeSnapshot(pr);
    expect(encoded.json).not.toContain('## What');
    const decoded = decodeSnapshot(JSON.parse(encoded.json), new Map(encoded.files.map((f) => [f.hash, f.text])));
    expect(decoded.pr).toMatchObject({
      createdAt: '2026-03-01T00:00:00Z',
      readAt: '2026-03-02T00:00:00Z',
      comparison: { aheadBy: 1, behindBy: 4 },
    });
    expect(decoded.pr.base.pullRequestTemplates).toEqual([template]);
  });

  it('reads a base file whose text is missing as truncated, so the gates fail rather than guess', () => {
    const pr = aSnapshot({
      base: {
        codeowners: { path: 'CODEOWNERS', oid: 'o1', byteSize: 10, text: '* @a\n', truncated: false },
        gitattributes: null,
      },
    });
    const decoded = decodeSnapshot(JSON.parse(encodeSnapshot(pr).json), new Map());
    expect(decoded.pr.base.codeowners).toMatchObject({ text: null, truncated: true });
  });

  it('refuses a format it does not know', () => {
    expect(() => decodeSnapshot({ v: 99 }, new Map())).toThrow(/unknown snapshot format 99/);
  });
});

describe('key figures of each gate', () => {
  const figures = (pr: Parameters<typeof aSnapshot>[0], config: QualityGatesConfig = DEFAULT_CONFIG) =>
    Object.fromEntries(runGates(aSnapshot(pr), config).map((o) => [o.id, o.result.numbers]));

  it('batch-size: counted and excluded, and the count with the default excludes on and off', () => {
    const files = capped([
      aFile('src/a.ts', 100, 20),
      aFile('package-lock.json', 900, 100),
      aFile('gen/x.ts', 50, 0),
      aFile('vendor/y.go', 30, 0),
    ]);
    const gitattributes = {
      path: '.gitattributes',
      oid: 'g',
      byteSize: 30,
      text: 'gen/** linguist-generated\n',
      truncated: false,
    };
    const on = figures(
      { files, base: { codeowners: null, gitattributes } },
      QualityGatesConfig.parse({ gates: { 'batch-size': { exclude: ['vendor/'] } } }),
    );
    expect(on['batch-size']).toEqual({
      countedLines: 120,
      countedFiles: 1,
      excludedLines: 1080,
      excludedFiles: 3,
      linesDefaultExcludesOn: 120,
      filesDefaultExcludesOn: 1,
      linesDefaultExcludesOff: 1120,
      filesDefaultExcludesOff: 2,
      maxLines: 400,
      maxFiles: 50,
      truncated: false,
    });
    const off = figures(
      { files, base: { codeowners: null, gitattributes } },
      QualityGatesConfig.parse({
        gates: { 'batch-size': { exclude: ['vendor/'], default_excludes: false, max_lines: 1000 } },
      }),
    );
    expect(off['batch-size']).toMatchObject({
      countedLines: 1120,
      countedFiles: 2,
      excludedLines: 80,
      linesDefaultExcludesOn: 120,
      linesDefaultExcludesOff: 1120,
      maxLines: 1000,
    });
  });

  it('batch-size: GitHub’s totals decide both counts when the file list is truncated', () => {
    const files = capped([aFile('src/a.ts', 10, 0), aFile('yarn.lock', 100, 0)], true, 5000);
    const f = figures({ files, totals: { changedFiles: 5000, additions: 90_000, deletions: 10_000 } })['batch-size'];
    expect(f).toMatchObject({
      countedLines: 99_900,
      countedFiles: 4999,
      linesDefaultExcludesOff: 100_000,
      filesDefaultExcludesOff: 5000,
      truncated: true,
    });
  });

  it.each([
    [{ title: 'PROJ-1 Fix' }, { ticketFound: true, ticketWhere: 'title' }],
    [
      { headRef: 'feature/proj-2-x', title: 'Fix' },
      { ticketFound: true, ticketWhere: 'branch' },
    ],
    [
      { body: 'Fixes #12', title: 'Fix' },
      { ticketFound: true, ticketWhere: 'body' },
    ],
    [{ closingIssues: [{ number: 3, repository: 'acme/api' }] }, { ticketFound: true, ticketWhere: 'linked-issue' }],
    [{ title: 'Fix' }, { ticketFound: false }],
  ])('linked-ticket %j → %j', (pr, expected) => {
    expect(
      figures(pr, QualityGatesConfig.parse({ gates: { 'linked-ticket': { projects: ['PROJ'] } } }))['linked-ticket'],
    ).toEqual(expected);
  });

  it('tests-touched, signed-commits and codeowners-review', () => {
    const codeowners = {
      path: '.github/CODEOWNERS',
      oid: 'c',
      byteSize: 20,
      text: '/src/ @lee\n/docs/ @kim\n',
      truncated: false,
    };
    const f = figures({
      files: capped([aFile('src/a.ts'), aFile('src/b.ts'), aFile('docs/x.md'), aFile('test/a.test.ts')]),
      commits: capped([
        aCommit(),
        aCommit({ signature: null }),
        aCommit({ signature: { isValid: false, state: 'unknown_key', wasSignedByGitHub: false } }),
      ]),
      reviews: capped([aReview('lee', 'approved', { commitSha: 'f'.repeat(40) })]),
      base: { codeowners, gitattributes: null },
    });
    expect(f['tests-touched']).toEqual({ sourceFiles: 2, testFiles: 1, truncated: false });
    expect(f['signed-commits']).toEqual({ commits: 3, unsignedCommits: 2, truncated: false });
    expect(f['codeowners-review']).toEqual({
      ownedFiles: 3,
      ownersPending: 1,
      filesAwaitingReview: 1,
      truncated: false,
    });
  });
});
