import type { Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleBrowser } from '../helpers/browser.ts';
import { chromiumOrSkip, openBrowser } from '../helpers/browser.ts';
import type { InProcessStack } from '../helpers/local-stack.ts';
import { startInProcessStack } from '../helpers/local-stack.ts';

// Review of issue 11: the console against hostile data from its own API. A job's name, a
// parameter that prefixes every log line, and a webhook's payload are whatever an operator or
// a webhook sender wrote: markup, a `javascript:` URL, bidi controls, emoji, 200 characters.
// Each page must show them as text — nothing runs, nothing becomes a link — and do so under
// its strict CSP (a violation, e.g. an inline style or script a page injects, is an error).

const chromiumPath = chromiumOrSkip();

/** Runs if any of it were parsed as HTML or followed as a URL. */
const MARKUP =
  '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>' +
  '<a href="javascript:window.__pwned=3">click</a>';
const NAME = `${MARKUP} \u202Eevil\u202C ✓ 🙂 ${'w'.repeat(200)}`.slice(0, 200);

/** The controls of the page without an accessible name, as `tag#id` (evaluated in the page). */
const UNLABELLED = `[...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
  .filter((el) => {
    if (el.getAttribute('aria-label')?.trim() || el.getAttribute('aria-labelledby')) return false;
    if (el.labels && el.labels.length > 0) return false;
    if (el.tagName === 'BUTTON' && el.textContent.trim() !== '') return false;
    return true;
  })
  .map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.name ? '[name=' + el.name + ']' : ''))`;

describe.skipIf(chromiumPath === undefined)('the console against hostile API data (review)', () => {
  let stack: InProcessStack;
  let b: ConsoleBrowser;
  let runId: string;
  /** Content-Security-Policy violations and uncaught errors, from every page visited. */
  const problems: string[] = [];

  beforeAll(async () => {
    stack = await startInProcessStack();
    b = await openBrowser(chromiumPath!);
    b.page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text()))
        problems.push(m.text());
    });
    b.page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await stack.putJob('hostile', {
      name: NAME,
      description: MARKUP,
      integration: 'log-event',
      source: 'generic',
      auth: { type: 'shared-secret', secret: 'demo', header: 'X-Shared-Secret' },
      mode: 'async',
      params: { prefix: `${MARKUP} ` },
    });
    const res = await fetch(`${stack.url}/hooks/hostile`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shared-secret': await stack.secret('demo') },
      body: JSON.stringify({ link: 'javascript:window.__pwned=4', html: MARKUP, text: '\u202Eevil 🙂' }),
    });
    expect(res.status).toBe(202);
    runId = ((await res.json()) as { runId: string }).runId;
    await stack.waitForFinishedRun(runId);
  });
  afterAll(async () => {
    await b?.close();
    await stack?.stop();
  });

  /** A fresh load of the page at `route`. */
  const open = async (route: string): Promise<void> => {
    await b.page.goto('about:blank');
    await b.page.goto(`${stack.url}/console#${route}`);
  };
  const pwned = () => b.page.evaluate<string>('String(globalThis.__pwned)');

  it('shows the markup as text on the grid, the job page, the history and the run page; nothing runs', async () => {
    await open('/jobs');
    await b.page.getByRole('link', { name: NAME, exact: true }).first().waitFor({ timeout: 15_000 });

    await open('/jobs/hostile');
    await b.page.getByRole('heading', { level: 1 }).waitFor({ timeout: 15_000 });
    await b.page.getByText(MARKUP, { exact: true }).first().waitFor({ timeout: 15_000 });

    await open('/jobs/hostile/history');
    await b.page.getByRole('heading', { level: 1 }).waitFor({ timeout: 15_000 });
    await b.page.getByRole('row').filter({ hasText: 'succeeded' }).first().waitFor({ timeout: 15_000 });

    await open(`/runs/${encodeURIComponent(runId)}`);
    const log = b.page.getByRole('log', { name: 'Run log' });
    await log.waitFor({ timeout: 15_000 });
    // The prefix and the payload arrive in the log as the characters they are.
    await expect.poll(() => log.textContent(), { timeout: 15_000 }).toContain(MARKUP);
    expect(await log.textContent()).toContain('javascript:window.__pwned=4');
    // No element came out of the data: no image, no script, no javascript: link anywhere.
    expect(await b.page.locator('img[src="x"], a[href^="javascript:"], main script').count()).toBe(0);
    expect(await pwned()).toBe('undefined');
  });

  it('renders every page with no CSP violation and no uncaught error', async () => {
    for (const route of [
      '/jobs',
      '/jobs/new',
      '/jobs/hostile',
      '/jobs/hostile/history',
      '/jobs/hostile/tasks',
      `/runs/${encodeURIComponent(runId)}`,
      '/notifications',
      '/globals',
      '/dlq',
    ]) {
      await open(route);
      await b.page.getByRole('heading', { level: 1 }).first().waitFor({ timeout: 15_000 });
      // One <h1> per page (the contract's headings rule).
      expect.soft(await b.page.getByRole('heading', { level: 1 }).count(), route).toBe(1);
      // Every control has a name: a label, aria-label(ledby), or (a button) its text.
      expect.soft(await b.page.evaluate<string[]>(UNLABELLED), route).toEqual([]);
    }
    expect(problems).toEqual([]);
    expect(await pwned()).toBe('undefined');
  });

  it('every answer the browser got from the stack carries the security headers', async () => {
    const seen: { url: string; headers: Record<string, string> }[] = [];
    const keep = (r: Response): void => void seen.push({ url: r.url(), headers: r.headers() });
    b.page.on('response', keep);
    try {
      await open('/jobs/hostile');
      await b.page.getByText(MARKUP, { exact: true }).first().waitFor({ timeout: 15_000 });
      // A refusal of the admin API too (a job that is not there).
      await open('/jobs/no-such-job');
      await b.page.getByRole('heading', { level: 1 }).waitFor({ timeout: 15_000 });
    } finally {
      b.page.off('response', keep);
    }
    const ours = seen.filter((r) => r.url.startsWith(stack.url));
    expect(ours.some((r) => r.url.includes('/admin/'))).toBe(true);
    for (const { url, headers } of ours) {
      expect.soft(headers['x-content-type-options'], url).toBe('nosniff');
      expect.soft(headers['referrer-policy'], url).toBe('no-referrer');
      expect.soft(headers['x-frame-options'], url).toBe('DENY');
      const csp = headers['content-security-policy'] ?? '';
      expect.soft(csp, url).toContain("frame-ancestors 'none'");
      expect.soft(csp, url).not.toMatch(/unsafe-inline|unsafe-eval/);
      if (url.includes('/admin/')) expect.soft(headers['cache-control'], url).toBe('no-store');
    }
  });
});
