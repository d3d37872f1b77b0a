import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError } from '../../shared/errors.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import type { ConsoleBrowser } from '../helpers/browser.ts';
import { chromiumOrSkip, openBrowser } from '../helpers/browser.ts';
import type { InProcessStack } from '../helpers/local-stack.ts';
import { startInProcessStack } from '../helpers/local-stack.ts';

const chromiumPath = chromiumOrSkip();

/** Fails at once, permanently (no retry): a failed run to replay. */
const failing = defineIntegration({
  id: 'always-fails',
  name: 'Always fails',
  version: '1.0.0',
  description: 'throws a permanent error',
  parameters: {},
  run: ({ logger }) => {
    logger.info('calling upstream');
    return Promise.reject(new PermanentError('boom: upstream said no'));
  },
});

/** Logs `tick N` every 250 ms until stopped (or `seconds` pass): a long run whose log grows. */
const ticker = defineIntegration({
  id: 'ticker',
  name: 'Ticker',
  version: '1.0.0',
  description: 'logs a tick every 250 ms',
  parameters: { seconds: { type: 'number', default: 50 } },
  run: async ({ logger, signal, params }) => {
    const end = Date.now() + params.seconds * 1000;
    for (let i = 1; Date.now() < end && !signal.aborted; i++) {
      logger.info(`tick ${i}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    return { message: 'ticked' };
  },
});

/** A publish gate that always denies: a decision run with a verdict. */
const gate = defineIntegration({
  id: 'deny-gate',
  name: 'Deny gate',
  version: '1.0.0',
  description: 'denies every change',
  parameters: {},
  run: () => Promise.resolve({ allow: false, message: 'rule 12 has no comment' }),
});
const GATE_SECRET = 'gate-secret-for-the-history-test';

/** `[2026-11-29T19:00:00.000Z] [INFO] – tick 3` */
const TICK_LINE = /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] \[INFO\] – tick \d+$/;

describe.skipIf(chromiumPath === undefined)('the console: history and the run page', () => {
  let stack: InProcessStack;
  let b: ConsoleBrowser;
  let page: Page;

  const admin = async <T>(path: string, method = 'GET'): Promise<T> => {
    const res = await fetch(`${stack.url}/admin${path}`, { method });
    if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };
  const runNow = async (jobId: string): Promise<string> =>
    (await admin<{ runId: string }>(`/jobs/${jobId}/runs`, 'POST')).runId;
  const runsOf = async (jobId: string) =>
    (
      await admin<{ items: { id: string; status: string; replayOf?: string; firedBy?: string }[] }>(
        `/jobs/${jobId}/runs`,
      )
    ).items;
  const row = (runId: string) => page.locator(`tr[data-run-id="${runId}"]`);

  beforeAll(async () => {
    // The local secret store reads TRIGGERHUB_SECRET_<NAME> first: the decision job's caller secret.
    process.env.TRIGGERHUB_SECRET_HISTORY_GATE = GATE_SECRET;
    stack = await startInProcessStack({ integrations: [failing, ticker, gate], examples: false });
    await stack.putJob('fails', { name: 'Fails', integration: 'always-fails', webhook: false });
    await stack.putJob('ticks', {
      name: 'Ticks',
      integration: 'ticker',
      webhook: false,
      timeoutSeconds: 120,
    });
    await stack.putJob('quiet', {
      name: 'Quiet',
      integration: 'log-event',
      auth: { type: 'shared-secret', secret: 'quiet' },
    });
    await stack.putJob('gate', {
      name: 'Gate',
      integration: 'deny-gate',
      mode: 'decision',
      auth: { type: 'shared-secret', secret: 'history-gate' },
    });
    b = await openBrowser(chromiumPath!);
    page = b.page;
  }, 60_000);
  afterAll(async () => {
    delete process.env.TRIGGERHUB_SECRET_HISTORY_GATE;
    await b?.close();
    await stack?.stop();
  });

  it('shows a job without runs the send line and the curl line for its shared secret', async () => {
    await page.goto(`${stack.url}/console#/jobs/quiet/history`);
    await page.getByText('No runs yet').waitFor();
    await page.getByText(`npx triggerhub send quiet -d '{"hello":"world"}' --wait`).waitFor();
    await expect(page.getByText('X-Shared-Secret: $(cat .triggerhub/secrets/quiet)').count()).resolves.toBe(
      1,
    );
  });

  it('lists a failed run with its message, replays it, then bulk-replays the failed ones after a dry-run count', async () => {
    const failedId = await runNow('fails');
    await stack.waitForFinishedRun(failedId);
    await page.goto(`${stack.url}/console#/jobs/fails/history`);
    await row(failedId).getByText('boom: upstream said no').waitFor();
    await expect(row(failedId).locator('[data-status]').textContent()).resolves.toBe('failed');

    // Replay: the row says which run it made, and the new run (replayOf) is listed.
    await row(failedId).getByRole('button', { name: 'Replay' }).click();
    const note = row(failedId).getByRole('status');
    await note.getByText('replayed as').waitFor();
    const replayId = (await note.getByRole('link').textContent())!;
    expect((await runsOf('fails')).find((r) => r.id === replayId)).toMatchObject({
      replayOf: failedId,
      firedBy: 'replay',
    });
    await row(replayId).waitFor();
    await stack.waitForFinishedRun(replayId);

    // The status filter lives in the URL; the bulk replay counts first, then replays.
    await page.getByLabel('Status').selectOption('failed');
    await expect.poll(() => page.url(), { timeout: 5000 }).toContain('#/jobs/fails/history?status=failed');
    await row(replayId).locator('[data-status="failed"]').waitFor();
    await page.getByRole('button', { name: 'Replay these…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Replay these runs' });
    await dialog.getByText('This replays 2 runs.').waitFor();
    await dialog.getByRole('button', { name: 'Replay 2 runs' }).click();
    await dialog.getByText('Replayed 2 runs as new runs:').waitFor();
    const newIds = await dialog.getByRole('listitem').allTextContents();
    expect(newIds).toHaveLength(2);
    const runs = await runsOf('fails');
    expect(runs).toHaveLength(4);
    expect(
      runs
        .filter((r) => newIds.includes(r.id))
        .map((r) => r.replayOf)
        .sort(),
    ).toEqual([failedId, replayId].sort());
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();

    // A refused replay says why in words (409 job_disabled).
    await stack.putJob('fails', {
      name: 'Fails',
      integration: 'always-fails',
      webhook: false,
      enabled: false,
    });
    await row(replayId).getByRole('button', { name: 'Replay' }).click();
    await row(replayId)
      .getByRole('alert')
      .getByText('Not replayed: the job is disabled — enable it first.')
      .waitFor();
  });

  it('shows a decision run with its verdict, and offers no replay for it', async () => {
    const res = await fetch(`${stack.url}/hooks/gate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shared-secret': GATE_SECRET },
      body: '{"change":1}',
    });
    expect(res.status).toBe(200);
    const [decision] = await runsOf('gate');
    await page.goto(`${stack.url}/console#/jobs/gate/history`);
    await row(decision!.id).getByText('deny – rule 12 has no comment').waitFor();
    expect(await row(decision!.id).getByRole('button', { name: 'Replay' }).count()).toBe(0);
  });

  it('pages with More past the first 25 runs; time filters (quick pick, To) live in the URL and can empty the list', async () => {
    await stack.putJob('many', { name: 'Many', integration: 'always-fails', webhook: false });
    const ids: string[] = [];
    for (let i = 0; i < 27; i++) ids.push(await runNow('many'));
    await page.goto(`${stack.url}/console#/jobs/many/history`);
    const rows = page.locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(25);
    // Newest first: the last run made heads the list, the first two come with More.
    await row(ids[26]!).waitFor();
    expect(await row(ids[0]!).count()).toBe(0);
    await page.getByRole('button', { name: 'More' }).click();
    await row(ids[0]!).waitFor();
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(27);
    expect(await page.getByRole('button', { name: 'More' }).count()).toBe(0);

    // Time filters: a quick pick puts `from` in the URL; a `to` before every run empties the list.
    await page.getByRole('button', { name: 'Last hour' }).click();
    await expect.poll(() => page.url(), { timeout: 5000 }).toMatch(/[?&]from=\d{4}-/);
    await row(ids[26]!).waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => page.url(), { timeout: 5000 }).not.toContain('from=');
    const dayAgo = new Date(Date.now() - 86_400_000);
    const pad = (n: number) => String(n).padStart(2, '0');
    await page
      .getByLabel('To', { exact: true })
      .fill(
        `${dayAgo.getFullYear()}-${pad(dayAgo.getMonth() + 1)}-${pad(dayAgo.getDate())}T${pad(dayAgo.getHours())}:${pad(dayAgo.getMinutes())}`,
      );
    await page.getByText('No runs match these filters').waitFor();
    expect(new URLSearchParams(page.url().split('#')[1]?.split('?')[1]).get('to')).toBe(
      new Date(Math.floor(dayAgo.getTime() / 60_000) * 60_000).toISOString(),
    );
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await row(ids[26]!).waitFor();
  });

  it('stops a long run from the history; its log opens in a new tab, grows while it runs and ends with the stop', async () => {
    const runId = await runNow('ticks');
    await page.goto(`${stack.url}/console#/jobs/ticks/history`);
    await row(runId).locator('[data-status="running"]').waitFor({ timeout: 15_000 });

    // The log tab: its own page, the lines in the CLI's form, more of them while the run is open.
    const [tab] = await Promise.all([
      b.context.waitForEvent('page'),
      row(runId)
        .getByRole('link', { name: `Log of run ${runId}` })
        .click({ timeout: 10_000 }),
    ]);
    expect(tab.url()).toContain(`/console#/runs/${runId}`);
    const log = tab.getByRole('log', { name: 'Run log' });
    const lines = log.locator('.log-line');
    await lines.first().waitFor({ timeout: 15_000 });
    const seen = await lines.count();
    expect((await lines.first().textContent())!.trimEnd()).toMatch(TICK_LINE);
    await expect.poll(() => lines.count(), { timeout: 20_000 }).toBeGreaterThan(seen);

    // The red square in the history: stopping…, then the row (refreshed on its own) says stopped.
    await row(runId).getByRole('button', { name: 'Stop' }).click();
    await row(runId)
      .getByText(/stopping…|stopped/)
      .waitFor();
    await row(runId).locator('[data-status="stopped"]').waitFor({ timeout: 20_000 });

    // The log tab follows to the end: stopped, with the WARN line.
    await tab.locator('h1 [data-status="stopped"]').waitFor({ timeout: 15_000 });
    const warn = log.locator('.log-line.WARN', { hasText: 'stopped by local' });
    await expect(warn.textContent()).resolves.toMatch(/^\[[^\]]+Z\] \[WARN\] – .*stopped by local/);
    await tab.close();
  });
});
