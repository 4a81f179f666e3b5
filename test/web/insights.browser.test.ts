/**
 * The insights in a real browser (Debian's Chromium through playwright-core) against the OAuth
 * and user-API stand-in and a seeded history: sign-in, the overview, a drill-down to a gate, the
 * what-if, a CSV download, both widths and both colour schemes, sign-out — with no console error,
 * every figure checked against the stored rows, and what a user without access must not see.
 * Screenshots of each view go to test-results/insights/ (gitignored).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launchBrowser, OUTPUT_DIR } from './browser.js';
import { active, headline, perRepository, pullRequests, whatIf } from './expected.js';
import { startInsights, type InsightsUnderTest } from './support.js';

const TIMEOUT = 180_000;

/** A page whose console errors and failed requests are collected. */
async function watchedPage(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
  return { page, problems };
}

async function signIn(page: Page, t: InsightsUnderTest, login: string, path = '/insights'): Promise<void> {
  await page.goto(`${t.url}${path}`);
  // Unsigned, the pages go to GitHub's authorize page (the stand-in's), and back.
  await page.getByRole('button', { name: `Authorize as ${login}` }).click();
  await page.waitForURL(`${t.url}${path}`);
  await expect.poll(() => page.getByTestId('login').textContent()).toBe(login);
}

const number = (text: string | null) => Number((text ?? '').replace(/[,\s%]/g, ''));
const figure = async (page: Page, key: string) => number(await page.locator(`[data-figure="${key}"]`).textContent());

/** A table's rows as objects keyed by column key, numbers from `data-value`. */
async function tableRows(page: Page, id: string): Promise<Record<string, string | number>[]> {
  // Runs in the page (`any`: this project's types have no DOM).
  return page
    .locator(`#table-${id} tbody tr`)
    .evaluateAll((trs: any[]) =>
      trs.map((tr) =>
        Object.fromEntries(
          Array.from(tr.querySelectorAll('td[data-key]') as any[], (td) => [
            td.dataset.key,
            td.hasAttribute('data-value') ? Number(td.dataset.value) : td.textContent,
          ]),
        ),
      ),
    );
}

async function chartsDrawn(page: Page): Promise<number> {
  await page.waitForFunction(
    "document.querySelectorAll('[data-chart] canvas').length === document.querySelectorAll('[data-chart]').length",
  );
  return page.locator('[data-chart] canvas').count();
}

describe.skipIf(!CHROMIUM)('insights in Chromium', () => {
  let t: InsightsUnderTest;
  let browser: Browser;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startInsights(), launchBrowser()]);
  }, TIMEOUT);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it(
    'signs in, shows the overview, drills down to a gate, tries the what-if and downloads a CSV, with the stored figures',
    async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
      const { page, problems } = await watchedPage(context);
      const rows = await pullRequests(t.opened.db, t.access.get('alice')!);

      // Overview: every organisation alice can read.
      await signIn(page, t, 'alice');
      const expected = headline(rows);
      for (const [key, value] of Object.entries(expected)) expect.soft(await figure(page, key), key).toBe(value);
      const orgs = await tableRows(page, 'organisations');
      expect(orgs.map((o) => o.owner)).toEqual(['acme', 'globex']);
      const byRepo = perRepository(rows);
      const sum = (owner: string, key: 'prs' | 'blocked' | 'merged') =>
        [...byRepo].filter(([name]) => name.startsWith(`${owner}/`)).reduce((n, [, r]) => n + r[key], 0);
      for (const o of orgs)
        expect({ prs: o.prs, blocked: o.blocked, merged: o.merged }).toEqual({
          prs: sum(String(o.owner), 'prs'),
          blocked: sum(String(o.owner), 'blocked'),
          merged: sum(String(o.owner), 'merged'),
        });
      expect(await chartsDrawn(page)).toBeGreaterThanOrEqual(3);
      await page.screenshot({ path: join(OUTPUT_DIR, 'overview-1280.png'), fullPage: true });

      // Organisation: its repositories, each as the stored rows say.
      await page.getByRole('link', { name: 'acme', exact: true }).click();
      await page.waitForURL(/\/insights\/acme\?/);
      const repos = await tableRows(page, 'repositories');
      expect(repos.length).toBe([...byRepo.keys()].filter((n) => n.startsWith('acme/')).length);
      for (const r of repos)
        expect({ prs: r.prs, blocked: r.blocked, merged: r.merged }, String(r.repository)).toEqual(
          byRepo.get(String(r.repository)),
        );
      await chartsDrawn(page);
      await page.screenshot({ path: join(OUTPUT_DIR, 'organisation-1280.png'), fullPage: true });
      await page.screenshot({ path: join(OUTPUT_DIR, 'organisation-1280-top.png') });

      // CSV of the repositories table: the same rows.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('[data-csv="repositories"]').click(),
      ]);
      const csv = readFileSync(await download.path(), 'utf8')
        .trim()
        .split('\r\n');
      expect(csv[0]).toBe('repository,prs,merged,blocked,blockedPct,p50Lines');
      expect(csv.slice(1).map((line) => line.split(',').slice(0, 4))).toEqual(
        repos.map((r) => [r.repository, String(r.prs), String(r.merged), String(r.blocked)]),
      );
      expect(download.suggestedFilename()).toBe('acme-repositories-2025-12-02-2026-03-01.csv');

      // What-if: 300 lines, 30 files, without the default excludes, per repository.
      await page.getByLabel('max_lines').fill('300');
      await page.getByLabel('max_files').fill('30');
      await page.getByLabel('default excludes').uncheck();
      await page.getByRole('button', { name: 'Try' }).click();
      await page.waitForURL(/max_lines=300/);
      const candidate = whatIf(rows, 300, 30, false);
      const tried = (await tableRows(page, 'what-if')).filter((r) => r.repository !== 'All');
      expect(tried.length).toBe([...candidate.keys()].filter((n) => n.startsWith('acme/')).length);
      for (const r of tried)
        expect({ prs: r.prs, wouldFail: r.wouldFail }, String(r.repository)).toEqual(
          candidate.get(String(r.repository)),
        );
      expect(tried.some((r) => r.wouldFail !== r.failingNow)).toBe(true);
      await page.locator('#what-if').screenshot({ path: join(OUTPUT_DIR, 'what-if-1280.png') });

      // Repository, then its batch-size gate.
      await page.getByRole('link', { name: 'acme/service-001' }).first().click();
      await page.waitForURL(/\/insights\/acme\/service-001\?/);
      const mine = rows.filter((p) => p.repository === 'acme/service-001');
      expect(await figure(page, 'evaluated')).toBe(active(mine).length);
      expect(await figure(page, 'merged')).toBe(headline(mine).merged);
      await chartsDrawn(page);
      await page.screenshot({ path: join(OUTPUT_DIR, 'repository-1280.png'), fullPage: true });
      await page.locator('#table-gates').getByRole('link', { name: 'batch-size' }).click();
      await page.waitForURL(/\/insights\/acme\/service-001\/gates\/batch-size\?/);
      const gateRows = active(mine).filter((p) => (p.gates_evaluated & 1) !== 0);
      expect(await figure(page, 'evaluated')).toBe(gateRows.length);
      expect(await figure(page, 'blocked')).toBe(gateRows.filter((p) => (p.gates_blocked & 1) !== 0).length);
      await expect.poll(() => page.locator('h1').textContent()).toContain('batch-size');
      await page.screenshot({ path: join(OUTPUT_DIR, 'gate-1280.png'), fullPage: true });

      expect(problems).toEqual([]);
      await context.close();
    },
    TIMEOUT,
  );

  it(
    'reads at 390 px and in the dark, without sideways scrolling of the page',
    async () => {
      const context = await browser.newContext({
        viewport: { width: 390, height: 844 },
        colorScheme: 'dark',
        isMobile: true,
      });
      const { page, problems } = await watchedPage(context);
      await signIn(page, t, 'alice', '/insights/acme');
      await chartsDrawn(page);
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgb(13, 17, 23)');
      await page.screenshot({ path: join(OUTPUT_DIR, 'organisation-390-dark.png'), fullPage: true });
      await page.goto(`${t.url}/insights/acme/service-001`);
      await chartsDrawn(page);
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await page.screenshot({ path: join(OUTPUT_DIR, 'repository-390-dark.png'), fullPage: true });
      await page.locator('#activity').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(OUTPUT_DIR, 'repository-390-dark-chart.png') });
      expect(problems).toEqual([]);
      await context.close();
    },
    TIMEOUT,
  );

  it(
    'shows a user without access to a repository neither its name nor counts that include it; its JSON answers 404',
    async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const { page, problems } = await watchedPage(context);
      const rows = await pullRequests(t.opened.db, t.access.get('bob')!);
      await signIn(page, t, 'bob');
      const html = await page.content();
      expect(html).not.toContain('service-001');
      expect(html).not.toContain('globex');
      const expected = headline(rows);
      for (const [key, value] of Object.entries(expected)) expect.soft(await figure(page, key), key).toBe(value);
      const alice = headline(await pullRequests(t.opened.db, t.access.get('alice')!));
      expect(expected.evaluated).toBeLessThan(alice.evaluated);
      await page.goto(`${t.url}/insights/acme`);
      expect((await tableRows(page, 'repositories')).map((r) => r.repository)).not.toContain('acme/service-001');
      expect(await page.content()).not.toContain('service-001');
      await page.screenshot({ path: join(OUTPUT_DIR, 'organisation-without-access-1280.png'), fullPage: true });

      // The JSON API and the pages: 404, as for a repository that does not exist.
      for (const path of [
        '/api/insights/acme/service-001',
        '/api/insights/acme/service-001?table=largest&format=csv',
        '/api/insights/globex',
        '/api/insights/acme/no-such-repo',
      ]) {
        const answer = await page.request.get(`${t.url}${path}`);
        expect(answer.status(), path).toBe(404);
        expect(await answer.text()).not.toContain('service-001"');
      }
      const missing = await page.goto(`${t.url}/insights/acme/service-001`);
      expect(missing?.status()).toBe(404);
      const api = (await (await page.request.get(`${t.url}/api/insights/acme`)).json()) as {
        figures: { evaluated: number };
        tables: Record<string, { rows: { repository?: string }[] }>;
      };
      expect(api.figures.evaluated).toBe(headline(rows.filter((p) => p.repository.startsWith('acme/'))).evaluated);
      expect(JSON.stringify(api)).not.toContain('service-001');
      // The 404 document is the one console error expected here.
      expect(problems.filter((p) => !p.includes('404'))).toEqual([]);
      await context.close();
    },
    TIMEOUT,
  );

  it(
    'signs out: the session ends and its token is revoked at GitHub',
    async () => {
      const context = await browser.newContext();
      const { page, problems } = await watchedPage(context);
      await signIn(page, t, 'carol');
      expect(await figure(page, 'evaluated')).toBe(0);
      const tokensBefore = [...t.github.tokens.values()].filter((u) => u.login === 'carol').length;
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${t.url}/insights/auth/signed-out`);
      expect([...t.github.tokens.values()].filter((u) => u.login === 'carol').length).toBe(tokensBefore - 1);
      const answer = await page.request.get(`${t.url}/api/insights`);
      expect(answer.status()).toBe(401);
      expect(problems.filter((p) => !p.includes('401'))).toEqual([]);
      await context.close();
    },
    TIMEOUT,
  );
});
