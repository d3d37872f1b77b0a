import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job, Run } from '../../shared/model/index.ts';
import type { ConsoleBrowser } from '../helpers/browser.ts';
import { chromiumOrSkip, openBrowser } from '../helpers/browser.ts';
import type { InProcessStack } from '../helpers/local-stack.ts';
import { startInProcessStack } from '../helpers/local-stack.ts';

const chromiumPath = chromiumOrSkip();

/** The heartbeat example's name, as the grid shows it. */
const HEARTBEAT = 'Heartbeat: a 20-second run every 2 minutes';
const DEMO = 'Demo: log every event';
/** How long a poll of the page may take on a loaded machine. */
const POLL = { timeout: 25_000, interval: 300 };

/**
 * The jobs grid and the notifications in a real Chromium, against the stack as
 * `npm start` runs it with its example jobs. The scheduler ticks every second
 * on a clock the test can move forward (`schedulerNow`), so the heartbeat's
 * next occurrence comes when the test wants it — a real scheduled run, with
 * its lease — rather than at the next even minute.
 */
describe.skipIf(chromiumPath === undefined)('the jobs grid', () => {
  let stack: InProcessStack;
  let b: ConsoleBrowser;
  let page: Page;
  /**
   * How far ahead of the real clock the scheduler's now is: first 90 s behind, so that the
   * heartbeat never fires by itself while the test reads its countdown.
   */
  let ahead = -90_000;

  beforeAll(async () => {
    stack = await startInProcessStack({
      schedulerIntervalMs: 1000,
      schedulerNow: () => new Date(Date.now() + ahead),
    });
    b = await openBrowser(chromiumPath!);
    page = b.page;
    page.setDefaultTimeout(15_000);
    await page.goto(`${stack.url}/console#/jobs`);
  });
  afterAll(async () => {
    await b?.close();
    await stack?.stop();
  });

  /** The grid's row of a job, by the name a user sees. */
  const row = (name: string): Locator =>
    page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
  const cell = (name: string, column: 'trigger' | 'last' | 'next'): Locator =>
    row(name).getByRole('cell').nth({ trigger: 1, last: 2, next: 3 }[column]);
  /** Clicks Refresh, then reads `read` (for expect.poll). */
  const refreshed =
    <T>(read: () => Promise<T>) =>
    async (): Promise<T> => {
      await page.getByRole('button', { name: 'Refresh', exact: true }).click();
      await page.getByRole('button', { name: 'Refresh', exact: true }).waitFor();
      return read();
    };
  const api = async <T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${stack.url}/admin${path}`, init);
    return { status: res.status, body: (await res.json().catch(() => undefined)) as T };
  };
  /** Clicks `submit` in the Run now dialog; the id of the run the notice then names. */
  const runNow = async (submit: Locator): Promise<string> => {
    const notice = page.getByRole('status');
    const before = (await notice.count()) === 0 ? '' : await notice.innerText();
    await submit.click();
    await expect
      .poll(async () => ((await notice.count()) === 0 ? '' : notice.innerText()), POLL)
      .toMatch(/^Run \S+ queued\.$/);
    await expect.poll(() => notice.innerText(), POLL).not.toBe(before);
    return notice.getByRole('link').innerText();
  };
  /** The run once `done` holds, over a few of waitForRun's rounds (a loaded machine). */
  const runWhen = async (runId: string, done: (status: string) => boolean): Promise<Run> => {
    for (let round = 0; round < 3; round++) {
      try {
        return await stack.waitForRun(runId, done);
      } catch {
        // not yet
      }
    }
    throw new Error(`run ${runId} never got there`);
  };

  it("shows the example jobs, each with its trigger, and the heartbeat's next run counting down", async () => {
    await row(DEMO).waitFor();
    expect(await cell(DEMO, 'trigger').innerText()).toContain('webhook: POST /hooks/demo');
    expect(await cell(DEMO, 'next').innerText()).toBe('on webhook');
    expect(await cell(HEARTBEAT, 'trigger').innerText()).toBe('every 2 minutes');
    expect(await cell('Check Point publish gate', 'trigger').innerText()).toContain('decision: POST');
    // A decision job runs when its caller asks for a verdict: no Run now, unlike the demo.
    expect(await page.getByRole('button', { name: 'Run Check Point publish gate now' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: `Run ${DEMO} now` }).count()).toBe(1);
    // It counts down by itself (useTick), between two reads of the grid.
    const next = cell(HEARTBEAT, 'next').locator('time');
    const at = Date.parse((await next.getAttribute('datetime')) ?? '');
    expect(at).toBe(Date.parse((await stack.deps.schedules.get('heartbeat'))?.nextRunAt ?? ''));
    // (Its occurrence may be due this very second: the sentence is then `now` or `1 second ago`.)
    if (at - Date.now() > 3_000) expect(await next.innerText()).toMatch(/^in \d+ (second|minute)s?$/);
    if (at - Date.now() < 58_000) {
      const before = await next.innerText();
      await expect.poll(() => next.innerText(), POLL).not.toBe(before);
    }
    expect(await page.getByText(/^Updated /).innerText()).toMatch(/^Updated (now|\d+ seconds? ago)$/);
  });

  it('shows a scheduled run as Running while it holds its lease, and stops it with the red button', async () => {
    // Prepare: the scheduler's clock moved to the heartbeat's next occurrence: it fires for real
    const armed = await stack.deps.schedules.get('heartbeat');
    ahead = Math.max(0, Date.parse(armed?.nextRunAt ?? '') - Date.now() + 1_000);

    // Act: the grid, refreshed until the run holds the job's schedule lease
    await expect
      .poll(
        refreshed(() => cell(HEARTBEAT, 'next').innerText()),
        POLL,
      )
      .toBe('Running\n1 open run');
    const stop = page.getByRole('button', { name: `Stop open runs of ${HEARTBEAT}` });
    await stop.click();

    // Assess: the scheduled run ends stopped, and the grid says so
    const runs = await api<{ items: { id: string; firedBy?: string }[] }>(
      '/jobs/heartbeat/runs?firedBy=schedule',
    );
    const runId = runs.body.items[0]?.id ?? '';
    const run = await runWhen(runId, (s) => s === 'stopped');
    expect(run).toMatchObject({ status: 'stopped', firedBy: 'schedule' });
    await expect
      .poll(
        refreshed(() => cell(HEARTBEAT, 'last').innerText()),
        POLL,
      )
      .toMatch(/^stopped /);
    // Its lease is given back just after the run is recorded: the next refresh shows it free.
    await expect
      .poll(
        refreshed(() => cell(HEARTBEAT, 'next').innerText()),
        POLL,
      )
      .toMatch(/^in \d+ minutes?$/);
    expect(await stop.count()).toBe(0);
  });

  it('runs demo now with a changed parameter only, shows the run queued, then succeeded', async () => {
    // Act
    await page.getByRole('button', { name: `Run ${DEMO} now` }).click();
    const dialog = page.getByRole('dialog', { name: `Run ${DEMO} now` });
    await dialog.getByLabel('Line prefix').fill('[console] ');
    const runId = await runNow(dialog.getByRole('button', { name: 'Run now' }));

    // Assess: the notice links the run, in a new tab
    const link = page.getByRole('status').getByRole('link');
    expect(await page.getByRole('status').innerText()).toBe(`Run ${runId} queued.`);
    expect(await link.getAttribute('href')).toBe(`#/runs/${runId}`);
    expect(await link.getAttribute('target')).toBe('_blank');
    const run = await runWhen(runId, (s) => s === 'succeeded');
    // Only the changed field was sent: the wait the form also showed stays the job's.
    expect(run.paramOverrides).toEqual({ prefix: '[console] ' });
    expect(run.logs.every((l) => l.message.startsWith('[console] '))).toBe(true);
    await expect
      .poll(
        refreshed(() => cell(DEMO, 'last').innerText()),
        POLL,
      )
      .toMatch(/^succeeded /);
    expect(
      await row(DEMO)
        .getByRole('link', { name: /^Last run of/ })
        .getAttribute('href'),
    ).toBe(`#/runs/${runId}`);
  });

  it('stops a long run from the red button: the run ends stopped', async () => {
    // Prepare
    await stack.putJob('slow', {
      name: 'Slow job',
      integration: 'log-event',
      webhook: false,
      params: { waitSeconds: 60 },
    });
    await expect
      .poll(
        refreshed(() => row('Slow job').count()),
        POLL,
      )
      .toBe(1);
    expect(await cell('Slow job', 'next').innerText()).toBe('on demand');
    await page.getByRole('button', { name: 'Run Slow job now' }).click();
    const runId = await runNow(page.getByRole('dialog').getByRole('button', { name: 'Run now' }));
    await runWhen(runId, (s) => s === 'running');

    // Act
    const stop = page.getByRole('button', { name: 'Stop open runs of Slow job' });
    await expect
      .poll(
        refreshed(() => stop.count()),
        POLL,
      )
      .toBe(1);
    await stop.click();

    // Assess
    await expect.poll(() => page.getByRole('status').innerText(), POLL).toBe('Slow job: 1 stopping.');
    const run = await runWhen(runId, (s) => s === 'stopped');
    expect(run.logs.map((l) => l.message)).toContain('waiting 60 s');
    await expect
      .poll(
        refreshed(() => cell('Slow job', 'last').innerText()),
        POLL,
      )
      .toMatch(/^stopped /);
  });

  it('disables a job with its switch (Disabled), and enables it again', async () => {
    const enabled = page.getByRole('switch', { name: `Enabled ${DEMO}` });
    expect(await enabled.isChecked()).toBe(true);

    await enabled.uncheck();
    await page.getByRole('status').getByText(`${DEMO} disabled.`).waitFor();
    await expect.poll(() => cell(DEMO, 'next').innerText(), POLL).toBe('Disabled');
    expect((await api<Job>('/jobs/demo')).body.enabled).toBe(false);
    await page.reload();
    expect(await cell(DEMO, 'next').innerText()).toBe('Disabled');

    await page.getByRole('switch', { name: `Enabled ${DEMO}` }).check();
    await page.getByRole('status').getByText(`${DEMO} enabled.`).waitFor();
    await expect.poll(() => cell(DEMO, 'next').innerText(), POLL).toBe('on webhook');
    expect((await api<Job>('/jobs/demo')).body.enabled).toBe(true);
  });

  it('deletes a job after its confirmation', async () => {
    // Prepare
    await stack.putJob('doomed', { name: 'Doomed', integration: 'log-event', webhook: false });
    await expect
      .poll(
        refreshed(() => row('Doomed').count()),
        POLL,
      )
      .toBe(1);

    // Act
    await page.getByRole('button', { name: 'Delete Doomed' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete Doomed' });
    expect(await dialog.innerText()).toContain(
      'Delete job Doomed (doomed)? Its runs stay until they expire.',
    );
    await dialog.getByRole('button', { name: 'Delete job' }).click();

    // Assess
    await expect.poll(() => row('Doomed').count(), POLL).toBe(0);
    expect((await api('/jobs/doomed')).status).toBe(404);
    await expect.poll(() => page.getByRole('status').innerText(), POLL).toBe('Job Doomed deleted.');
  });

  it('lists notifications with their severity, filtered by severity, linking job and run', async () => {
    // Prepare: what the platform records when a job keeps failing, and a recovery
    const at = new Date().toISOString();
    await stack.deps.notifications.add({
      id: '01KZ0000000000000000000002',
      jobId: 'demo',
      runId: '01KZ00000000000000000000R1',
      severity: 'error',
      kind: 'job_failing',
      message: 'job demo is failing: 3 runs in a row failed',
      createdAt: at,
    });
    await stack.deps.notifications.add({
      id: '01KZ0000000000000000000001',
      jobId: 'heartbeat',
      severity: 'info',
      kind: 'job_recovered',
      message: 'job heartbeat recovered',
      createdAt: at,
    });

    // Act
    await page.getByRole('link', { name: 'Notifications' }).click();
    const failing = page.getByRole('row').filter({ hasText: 'job demo is failing' });
    await failing.waitFor();

    // Assess
    expect(await failing.getByRole('cell').nth(1).innerText()).toBe('error');
    expect(await failing.getByRole('link', { name: 'demo' }).getAttribute('href')).toBe('#/jobs/demo');
    const runLink = failing.getByRole('link', { name: /^Run 01KZ00000000000000000000R1/ });
    expect(await runLink.getAttribute('href')).toBe('#/runs/01KZ00000000000000000000R1');
    expect(await runLink.getAttribute('target')).toBe('_blank');
    expect(await page.getByRole('row').filter({ hasText: 'job heartbeat recovered' }).count()).toBe(1);

    await page.getByLabel('Severity').selectOption('error');
    await expect
      .poll(() => page.getByRole('row').filter({ hasText: 'job heartbeat recovered' }).count(), POLL)
      .toBe(0);
    expect(page.url()).toContain('#/notifications?severity=error');
    expect(await failing.count()).toBe(1);
  });
});

describe.skipIf(chromiumPath === undefined)('the jobs grid of a stack without jobs', () => {
  let stack: InProcessStack;
  let b: ConsoleBrowser;
  beforeAll(async () => {
    stack = await startInProcessStack({ examples: false });
    b = await openBrowser(chromiumPath!);
    b.page.setDefaultTimeout(15_000);
  });
  afterAll(async () => {
    await b?.close();
    await stack?.stop();
  });

  it('tells a newcomer how to create a job, and that no notification needed them yet', async () => {
    await b.page.goto(`${stack.url}/console#/jobs`);
    const empty = b.page.getByRole('status').filter({ hasText: 'No jobs yet' });
    await empty.waitFor();
    expect(await empty.getByRole('code').innerText()).toBe(
      'npx triggerhub jobs apply examples/jobs/demo.json',
    );
    expect(await empty.getByRole('link', { name: 'create a job here' }).getAttribute('href')).toBe(
      '#/jobs/new',
    );
    expect(await b.page.getByRole('table').count()).toBe(0);

    await b.page.getByRole('link', { name: 'Notifications' }).click();
    const none = b.page.getByRole('status').filter({ hasText: 'No notifications yet' });
    await none.waitFor();
    expect(await none.getByRole('code').last().innerText()).toBe(
      'npx triggerhub notifications --severity error',
    );
  });
});
