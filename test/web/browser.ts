/**
 * Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it), driven by playwright-core:
 * no browser download. Without it the browser tests are skipped, except under CI, where they fail.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p): p is string => !!p && existsSync(p),
);
if (!CHROMIUM) {
  if (process.env.CI)
    throw new Error(
      'Chromium is not installed; .ci/run installs it (apt-get install chromium). The insights browser tests cannot be skipped in CI.',
    );
  console.warn('Chromium not found: skipping the insights browser tests (install it with `apt-get install chromium`)');
}

/** Where the screenshots go (gitignored). */
export const OUTPUT_DIR = join(process.cwd(), 'test-results', 'insights');

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
  return chromium.launch({
    executablePath: CHROMIUM!,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}
