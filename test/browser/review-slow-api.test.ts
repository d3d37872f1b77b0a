import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleBrowser } from '../helpers/browser.ts';
import { chromiumOrSkip, openBrowser } from '../helpers/browser.ts';
import type { InProcessStack } from '../helpers/local-stack.ts';
import { startInProcessStack } from '../helpers/local-stack.ts';

// Review of issue 11: a page that polls (the run page every 2 s while its run is open) must
// still show its data when each answer takes longer than the polling interval — a large run's
// log over a slow link, a cold Lambda. Were every tick to start a new request that supersedes
// the one in flight, no answer would ever be shown.

const chromiumPath = chromiumOrSkip();

/** Longer than the run page's polling interval (2 s). */
const SLOW_MS = 3500;

describe.skipIf(chromiumPath === undefined)('the console over a slow admin API (review)', () => {
  let stack: InProcessStack;
  let b: ConsoleBrowser;
  let runId: string;

  beforeAll(async () => {
    stack = await startInProcessStack();
    b = await openBrowser(chromiumPath!);
    // A run that stays open while the page loads: log-event waiting.
    await stack.putJob('slow', {
      name: 'Slow',
      integration: 'log-event',
      source: 'generic',
      auth: { type: 'shared-secret', secret: 'demo', header: 'X-Shared-Secret' },
      mode: 'async',
      params: { waitSeconds: 120 },
    });
    const res = await fetch(`${stack.url}/hooks/slow`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shared-secret': await stack.secret('demo') },
      body: '{}',
    });
    expect(res.status).toBe(202);
    runId = ((await res.json()) as { runId: string }).runId;
    await stack.waitForRun(runId, (s) => s === 'running');
  });
  afterAll(async () => {
    await b?.close();
    if (runId !== undefined) await fetch(`${stack.url}/admin/runs/${runId}/stop`, { method: 'POST' });
    await stack?.stop();
  });

  it('shows an open run whose every answer takes longer than the polling interval', async () => {
    let calls = 0;
    await b.page.route(`**/admin/runs/${runId}`, async (route) => {
      calls++;
      const response = await route.fetch();
      await sleep(SLOW_MS);
      await route.fulfill({ response });
    });
    try {
      await b.page.goto(`${stack.url}/console#/runs/${encodeURIComponent(runId)}`);
      // The run's facts appear (its heading names its status) once one answer arrives.
      await b.page
        .getByRole('heading', { level: 1 })
        .filter({ hasText: 'running' })
        .waitFor({ timeout: 25_000 });
      expect(calls).toBeGreaterThan(0);
    } finally {
      await b.page.unrouteAll({ behavior: 'ignoreErrors' });
    }
  });
});
