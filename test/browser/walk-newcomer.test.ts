import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleBrowser } from '../helpers/browser.ts';
import { chromiumOrSkip, openBrowser } from '../helpers/browser.ts';
import type { InProcessStack } from '../helpers/local-stack.ts';
import { startInProcessStack } from '../helpers/local-stack.ts';

const chromiumPath = chromiumOrSkip();

const DEMO = 'Demo: log every event';
/**
 * Well under the grid's one-minute refresh: what shows within this came from the grid
 * following its own actions, not from the minute's refresh.
 */
const POLL = { timeout: 25_000, interval: 300 };

/**
 * What a newcomer tripped over on a first walk through the console (`npm start`, the
 * example jobs), in a real Chromium. The Refresh button is never clicked here: a user who
 * pressed Run now or Stop expects the grid to show what happened by itself.
 */
describe.skipIf(chromiumPath === undefined)('a newcomer in the console', () => {
  let stack: InProcessStack;
  let b: ConsoleBrowser;
  let page: Page;

  beforeAll(async () => {
    // The scheduler 90 s behind: the heartbeat never runs here, so nothing else is open.
    stack = await startInProcessStack({ schedulerNow: () => new Date(Date.now() - 90_000) });
    b = await openBrowser(chromiumPath!);
    page = b.page;
    page.setDefaultTimeout(15_000);
    await page.goto(`${stack.url}/console#/jobs`);
  });
  afterAll(async () => {
    await b?.close();
    await stack?.stop();
  });

  const row = (name: string): Locator =>
    page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
  const lastRun = (name: string): Locator => row(name).getByRole('cell').nth(2);

  it('follows a long Run now and its Stop in the grid until it shows stopped, without Refresh', async () => {
    // Prepare: a demo run that waits 60 s after logging (the demo's Wait parameter)
    await row(DEMO).waitFor();
    await page.getByRole('button', { name: `Run ${DEMO} now` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Wait (seconds)').fill('60');
    await dialog.getByRole('button', { name: 'Run now' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /queued/ })
      .waitFor();

    // Act: the red stop, once the grid shows the run open
    const stop = page.getByRole('button', { name: `Stop open runs of ${DEMO}` });
    await stop.waitFor({ timeout: POLL.timeout });
    await expect.poll(() => row(DEMO).innerText(), POLL).toContain('1 open run');
    await stop.click();
    await page.getByRole('status').filter({ hasText: /stop/ }).waitFor();

    // Assess: the grid re-reads by itself until the run has ended stopped and nothing is open
    await expect.poll(() => lastRun(DEMO).innerText(), POLL).toMatch(/^stopped /);
    await expect.poll(() => stop.count(), POLL).toBe(0);
    expect(await row(DEMO).innerText()).not.toContain('open run');

    // Its page, in its own tab, says what fired it without stuttering "manual (manual, async)"
    const [tab] = await Promise.all([
      b.context.waitForEvent('page'),
      lastRun(DEMO).getByRole('link').click(),
    ]);
    const firedBy = tab
      .getByRole('term')
      .filter({ hasText: /^Fired by$/ })
      .locator('xpath=following-sibling::dd[1]');
    await firedBy.waitFor();
    expect(await firedBy.innerText()).toBe('manual (async)');
    await tab.close();
  });

  it("shows a refused job timeout beside the job's Timeout, not beside an integration parameter of the same name", async () => {
    // Prepare: an http-forward job (its manifest has a per-request `timeoutSeconds` too)
    await stack.putJob('forward', {
      name: 'Forward',
      integration: 'http-forward',
      auth: { type: 'shared-secret', secret: 'forward' },
      params: { url: 'https://example.com/hook' },
    });
    await page.goto(`${stack.url}/console#/jobs/forward`);
    const jobTimeout = page.getByLabel('Timeout (seconds)', { exact: true });
    const requestTimeout = page.getByLabel('Time-out per request (seconds)', { exact: true });
    await requestTimeout.waitFor();

    // (Its password parameter names no secret: no dots stand for a value that is not there.)
    const secretValue = page
      .getByRole('term')
      .filter({ hasText: /^Secret$/ })
      .locator('xpath=following-sibling::dd[1]');
    expect(await secretValue.innerText()).toBe('not set');
    expect(await page.getByText('No secret named yet: type its name below.').count()).toBe(1);

    // Act: a run deadline the API refuses (1–280)
    await jobTimeout.fill('999');
    await page.getByRole('button', { name: 'Save', exact: true }).click();

    // Assess: the API's message is the job's Timeout field's, and only its
    await expect.poll(() => jobTimeout.getAttribute('aria-invalid'), POLL).toBe('true');
    const described = (await jobTimeout.getAttribute('aria-describedby')) ?? '';
    const texts = await Promise.all(
      described.split(' ').map((id) => page.locator(`[id="${id}"]`).innerText()),
    );
    expect(texts.join(' ')).toContain('timeoutSeconds: Too big');
    expect(await requestTimeout.getAttribute('aria-invalid')).toBeNull();
  });

  it('says that triggerhub did not answer when the stack has stopped, not "Failed to fetch"', async () => {
    // Prepare: the grid shown, then the stack stopped under it
    await page.goto(`${stack.url}/console#/jobs`);
    await row(DEMO).waitFor();
    await stack.stop();

    // Act
    await page.getByRole('button', { name: 'Refresh', exact: true }).click();

    // Assess
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(
      /^triggerhub did not answer \(.+\): check that it is running — locally, npm start — and try again\.$/,
    );
  });
});
