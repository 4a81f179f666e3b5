/**
 * The insights' pure parts: settings from the environment, the place in a path, the period, CSV.
 */
import { describe, expect, it } from 'vitest';
import { toCsv } from '../../src/web/csv.js';
import { periodFrom } from '../../src/web/period.js';
import { insightsSettingsFromEnv } from '../../src/web/settings.js';
import { parsePlace, placePath } from '../../src/web/views.js';

const SECRETS = { GITHUB_CLIENT_ID: 'Iv1.abc', GITHUB_CLIENT_SECRET: 'shh', SESSION_SECRET: 'x'.repeat(32) };

describe('insightsSettingsFromEnv', () => {
  it('is off without the OAuth settings, and says which one is missing when only some are set', () => {
    expect(insightsSettingsFromEnv({})).toBeUndefined();
    const heard: string[][] = [];
    // Probot's registration flow writes the client id and secret, not SESSION_SECRET: the app still starts.
    expect(
      insightsSettingsFromEnv({ GITHUB_CLIENT_ID: 'Iv1.abc', GITHUB_CLIENT_SECRET: 'shh' }, (m) => heard.push(m)),
    ).toBeUndefined();
    expect(heard).toEqual([['SESSION_SECRET']]);
  });

  it('refuses a short SESSION_SECRET and a PUBLIC_URL that is not an origin, saying how to fix it', () => {
    expect(() => insightsSettingsFromEnv({ ...SECRETS, SESSION_SECRET: 'short' })).toThrow(
      /at least 32 .*openssl rand -hex 32/,
    );
    expect(() => insightsSettingsFromEnv({ ...SECRETS, PUBLIC_URL: 'gates.example.com' })).toThrow(/not a URL/);
    expect(() => insightsSettingsFromEnv({ ...SECRETS, PUBLIC_URL: 'ftp://gates.example.com' })).toThrow(
      /http\(s\) origin/,
    );
  });

  it.each([
    [{}, false, undefined],
    [{ NODE_ENV: 'production' }, true, undefined],
    [{ PUBLIC_URL: 'https://gates.example.com/' }, true, 'https://gates.example.com'],
    [{ PUBLIC_URL: 'http://localhost:3000', NODE_ENV: 'production' }, false, 'http://localhost:3000'],
  ])('marks cookies Secure from the public URL scheme (%j → %s)', (env, secure, publicUrl) => {
    expect(insightsSettingsFromEnv({ ...SECRETS, ...env })).toMatchObject({ secureCookies: secure, publicUrl });
  });

  it('follows GHE_HOST and GHE_PROTOCOL for the OAuth pages and the API', () => {
    expect(insightsSettingsFromEnv(SECRETS)).toMatchObject({
      webUrl: 'https://github.com',
      apiUrl: 'https://api.github.com',
    });
    expect(insightsSettingsFromEnv({ ...SECRETS, GHE_HOST: 'ghe.example.com' })).toMatchObject({
      webUrl: 'https://ghe.example.com',
      apiUrl: 'https://ghe.example.com/api/v3',
    });
    expect(insightsSettingsFromEnv({ ...SECRETS, GHE_HOST: 'localhost:8080', GHE_PROTOCOL: 'http' })).toMatchObject({
      webUrl: 'http://localhost:8080',
      apiUrl: 'http://localhost:8080/api/v3',
    });
  });
});

describe('places and periods', () => {
  it.each([
    [[], {}],
    [['acme'], { owner: 'acme' }],
    [['acme', 'web'], { owner: 'acme', repository: 'acme/web' }],
    [['acme', 'gates'], { owner: 'acme', repository: 'acme/gates' }],
    [['acme', 'gates', 'batch-size'], { owner: 'acme', gate: 'batch-size' }],
    [['acme', 'gates', 'gates', 'batch-size'], { owner: 'acme', repository: 'acme/gates', gate: 'batch-size' }],
    [['acme', 'web', 'other', 'batch-size'], undefined],
    [['acme', 'web', 'gates', 'batch-size', 'x'], undefined],
    [['acme', '%2Fetc'], undefined],
  ])('reads %j as %j, and writes it back', (segments, place) => {
    expect(parsePlace(segments)).toEqual(place);
    if (place) expect(placePath('/insights', place)).toBe(['/insights', ...segments].join('/'));
  });

  it('defaults to the 90 days up to today, both included', () => {
    const period = periodFrom(new URLSearchParams(), Date.parse('2026-03-01T23:59:00Z'));
    expect(period).toMatchObject({ from: '2025-12-02', to: '2026-03-01' });
    expect(period.start.toISOString()).toBe('2025-12-02T00:00:00.000Z');
    expect(period.end.toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect((period.end.getTime() - period.start.getTime()) / 86_400_000).toBe(90);
  });
});

describe('toCsv', () => {
  it('quotes what needs quoting and defuses what a spreadsheet would run', () => {
    const csv = toCsv({
      id: 't',
      title: 'T',
      columns: [
        { key: 'a', label: 'A', kind: 'text' },
        { key: 'n', label: 'N', kind: 'int' },
        { key: 'l', label: 'L', kind: 'list' },
      ],
      rows: [
        { a: 'plain', n: -3, l: ['x', 'y'] },
        { a: 'with, "quotes"\nand a line', n: null, l: [] },
        { a: '=1+1', n: 0, l: ['@cmd'] },
        { a: '-2+3', n: 1.5, l: null },
      ],
    });
    expect(csv).toBe('a,n,l\r\nplain,-3,x y\r\n"with, ""quotes""\nand a line",,\r\n\'=1+1,0,\'@cmd\r\n\'-2+3,1.5,\r\n');
  });
});
