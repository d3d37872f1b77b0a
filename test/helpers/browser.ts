// A real headless Chromium for the console's tests, driven by playwright-core. No browser is
// downloaded: a system Chromium or Chrome is used (Debian: `apt-get install chromium`).
// Where none is found the browser suite says so loudly and skips — unless CI is set (or
// TRIGGERHUB_REQUIRE_BROWSER=1), where a missing browser fails the suite: it can never
// silently not run there.
import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { chromium } from 'playwright-core';

/** Where a system browser usually is; `TRIGGERHUB_CHROMIUM` names another. */
const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

/** The browser executable to drive, or undefined when this machine has none. */
export const findChromium = (env: NodeJS.ProcessEnv = process.env): string | undefined => {
  const named = env.TRIGGERHUB_CHROMIUM;
  if (named !== undefined && named !== '') return existsSync(named) ? named : undefined;
  return CANDIDATES.find((path) => existsSync(path));
};

/** True where a missing browser must fail the suite: CI, or TRIGGERHUB_REQUIRE_BROWSER=1. */
export const browserRequired = (env: NodeJS.ProcessEnv = process.env): boolean =>
  (env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0') ||
  env.TRIGGERHUB_REQUIRE_BROWSER === '1';

export const MISSING_BROWSER =
  'NO BROWSER: the console tests (test/browser) need Chromium or Chrome and were SKIPPED. ' +
  'Install one (Debian/Ubuntu: sudo apt-get install -y chromium; macOS: install Google Chrome) ' +
  'or point TRIGGERHUB_CHROMIUM at its executable. In CI (CI=true or TRIGGERHUB_REQUIRE_BROWSER=1) ' +
  'a missing browser fails the suite.';

/**
 * The executable, or undefined after printing the loud skip notice; throws where the
 * browser is required. Call at a test file's top level: `describe.skipIf(!chromiumPath)`.
 */
export const chromiumOrSkip = (): string | undefined => {
  const path = findChromium();
  if (path !== undefined) return path;
  if (browserRequired()) throw new Error(MISSING_BROWSER);
  const bar = '!'.repeat(78);
  process.stderr.write(`\n${bar}\n${MISSING_BROWSER}\n${bar}\n\n`);
  return undefined;
};

export interface ConsoleBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Every response the browser received, with its body (for "nothing secret reached the page"). */
  responses: { url: string; status: number; body: string }[];
  close(): Promise<void>;
}

/**
 * Headless Chromium with a fresh profile (playwright's own temporary one), none of its background traffic (this machine's
 * network is closed), and every response's body kept in `responses`.
 */
export const openBrowser = async (executablePath: string): Promise<ConsoleBrowser> => {
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--disable-extensions',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1366, height: 860 } });
  const responses: ConsoleBrowser['responses'] = [];
  const pending: Promise<void>[] = [];
  const keep = (response: Response): void => {
    pending.push(
      response
        .body()
        .then(
          (b) =>
            void responses.push({ url: response.url(), status: response.status(), body: b.toString('utf8') }),
        )
        .catch(() => undefined),
    );
  };
  context.on('response', keep);
  const page = await context.newPage();
  return {
    browser,
    context,
    page,
    responses,
    close: async () => {
      await Promise.all(pending);
      await browser.close();
    },
  };
};
