import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredTask, TaskStatus } from '../../shared/model/index.ts';
import { secretFilePath } from '../../shared/secrets/local-secret-store.ts';
import type { ConsoleBrowser } from '../helpers/browser.ts';
import { chromiumOrSkip, openBrowser } from '../helpers/browser.ts';
import { fakeTicketIntegration, ticketJobBody } from '../helpers/fake-ticket-integration.ts';
import { flakyTarget } from '../helpers/flaky-target.ts';
import type { InProcessStack } from '../helpers/local-stack.ts';
import { startInProcessStack } from '../helpers/local-stack.ts';

const chromiumPath = chromiumOrSkip();

/** The dead-letter job's target: down (retryably) until the test fixes it. */
const world = { retryableDown: true, permanentDown: false, calls: 0 };

/**
 * Every form a value could reach the browser in besides itself: URL-encoded, JSON-escaped,
 * base64 and base64url at each of the three alignments it can have inside a longer text
 * (the groups at either end mix with the bytes around it, so they are cut off).
 */
const leakForms = (value: string): string[] => {
  const forms = [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)];
  for (let pad = 0; pad < 3; pad++) {
    for (const encoding of ['base64', 'base64url'] as const) {
      const text = Buffer.from('\0'.repeat(pad) + value).toString(encoding);
      forms.push(text.slice(pad === 0 ? 0 : 4, -4));
    }
  }
  return forms;
};

describe.skipIf(chromiumPath === undefined)('the console: tasks, global parameters, dead letters', () => {
  let stack: InProcessStack;
  let b: ConsoleBrowser;
  const tickets = fakeTicketIntegration();

  beforeAll(async () => {
    stack = await startInProcessStack({ integrations: [flakyTarget(world), tickets.integration] });
    b = await openBrowser(chromiumPath!);
  });
  afterAll(async () => {
    await b?.close();
    await stack?.stop();
  });

  const admin = (path: string, init: RequestInit = {}) => fetch(`${stack.url}/admin${path}`, init);
  /** A fresh load of the page at `route` (a goto that only changes the hash would not load it again). */
  const open = async (route: string): Promise<void> => {
    await b.page.goto('about:blank');
    await b.page.goto(`${stack.url}/console#${route}`);
  };
  const dialog = (name: string) => b.page.getByRole('dialog', { name });

  describe('global parameters', () => {
    // Characters that URL-encoding and JSON change, long enough for every base64 alignment.
    const FIRST = 'Msk/9+q=Zx "first" canary-7Hd2';
    const SECOND = 'Msk/4&r?Wy second canary-Qp81';

    /** Nowhere the browser holds or received anything: every response, the page, its URL, its storage. */
    const expectNowhereInBrowser = async (value: string): Promise<void> => {
      // The page's own storage, read in the page (this file's types are Node's, not the DOM's).
      const storage = await b.page.evaluate<string>(
        'JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } })',
      );
      const inputs = (
        await b.page
          .locator('input')
          .evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value))
      ).join('\n');
      const html = await b.page.content();
      for (const form of leakForms(value)) {
        for (const r of b.responses) {
          expect(r.body, `${r.url} answered ${form}`).not.toContain(form);
          expect(r.url).not.toContain(form);
        }
        expect(html).not.toContain(form);
        expect(b.page.url()).not.toContain(form);
        expect(storage).not.toContain(form);
        expect(inputs).not.toContain(form);
      }
    };

    it('a masked global added, edited and deleted in the console never reaches the browser', async () => {
      // Prepare
      await open('/globals');
      await b.page.getByText('No global parameters yet').waitFor();

      // Act: add it masked
      await b.page.getByRole('button', { name: 'Add global' }).click();
      const add = dialog('Add a global parameter');
      await add.getByLabel('Name').fill('jiraToken');
      await add.getByLabel('Masked').check();
      const valueType = await add.getByLabel('Value').getAttribute('type');
      await add.getByLabel('Value').fill(FIRST);
      await add.getByRole('button', { name: 'Save' }).click();
      await b.page.getByText('Added jiraToken (masked).').waitFor();
      const row = b.page.getByRole('row', { name: /jiraToken/ });
      const rowText = await row.textContent();
      const storedFirst = await readFile(secretFilePath(stack.dataDir, 'global/jiraToken'), 'utf8');

      // Assess: stored in the secret store, shown as dots and "masked", in no response, page, URL or storage
      expect(valueType).toBe('password');
      expect(storedFirst.trim()).toBe(FIRST);
      expect(rowText).toContain('••••••••');
      expect(rowText).toContain('masked');
      expect(await add.count()).toBe(0);
      await expectNowhereInBrowser(FIRST);

      // Act: edit it (a new value only: it stays masked)
      await row.getByRole('button', { name: 'Edit jiraToken' }).click();
      const edit = dialog('Edit jiraToken');
      const maskedBox = edit.getByLabel('Masked');
      const locked = { checked: await maskedBox.isChecked(), disabled: await maskedBox.isDisabled() };
      const shownBefore = await edit.getByLabel('New value').inputValue();
      const editHelp = await edit.textContent();
      await edit.getByLabel('New value').fill(SECOND);
      await edit.getByRole('button', { name: 'Save' }).click();
      await b.page.getByText('Saved jiraToken (masked).').waitFor();
      const storedSecond = await readFile(secretFilePath(stack.dataDir, 'global/jiraToken'), 'utf8');

      // Assess
      expect(locked).toEqual({ checked: true, disabled: true });
      expect(shownBefore).toBe('');
      expect(editHelp).toContain('cannot be unmasked');
      expect(storedSecond.trim()).toBe(SECOND);
      await expectNowhereInBrowser(FIRST);
      await expectNowhereInBrowser(SECOND);

      // Act: delete it, confirmed
      await b.page.getByRole('button', { name: 'Delete jiraToken' }).click();
      await dialog('Delete jiraToken?').getByRole('button', { name: 'Delete jiraToken' }).click();
      await b.page.getByText('Deleted jiraToken.').waitFor();
      const after = (await (await admin('/globals')).json()) as { items: unknown[] };

      // Assess
      expect(after.items).toEqual([]);
      expect(await b.page.getByRole('row', { name: /jiraToken/ }).count()).toBe(0);
      await expectNowhereInBrowser(FIRST);
      await expectNowhereInBrowser(SECOND);
    });

    it("shows a plain global's value, and the API's refusals beside the field they are about", async () => {
      // Prepare
      await open('/globals');
      await b.page.getByRole('button', { name: 'Add global' }).click();
      const add = dialog('Add a global parameter');

      // Act: a name the API refuses, then a masked value too short to redact, then a good plain one
      await add.getByLabel('Name').fill('9lives');
      await add.getByLabel('Value').fill('https://tickets.example.com');
      await add.getByRole('button', { name: 'Save' }).click();
      const nameError = await add.locator('#global-name-error').textContent();
      await add.getByLabel('Name').fill('apiBase');
      await add.getByLabel('Masked').check();
      await add.getByLabel('Value').fill('abc');
      await add.getByRole('button', { name: 'Save' }).click();
      const valueError = await add.locator('#global-value-error').textContent();
      await add.getByLabel('Masked').uncheck();
      await add.getByLabel('Value').fill('https://tickets.example.com');
      await add.getByRole('button', { name: 'Save' }).click();
      await b.page.getByText('Added apiBase.').waitFor();
      const row = await b.page.getByRole('row', { name: /apiBase/ }).textContent();

      // Assess
      expect(nameError).toContain('a letter, then letters, digits, _ and -');
      expect(valueError).toContain('at least 4 characters');
      expect(row).toContain('https://tickets.example.com');
      expect(row).not.toContain('masked');
    });
  });

  describe('tasks', () => {
    const task = (
      id: string,
      status: TaskStatus,
      minute: number,
      over: Partial<StoredTask> = {},
    ): StoredTask => ({
      id,
      status,
      link: `http://127.0.0.1:3101/browse/${id}`,
      dedupeCount: 1,
      alertIds: [`NS-${id}`],
      queue: '10000:Task',
      createdAt: new Date(Date.UTC(2026, 10, 22, 8, minute)).toISOString(),
      updatedAt: new Date(Date.UTC(2026, 10, 22, 9, minute)).toISOString(),
      ...over,
    });

    beforeAll(async () => {
      // The job's token, where the local secret store keeps it (checked when the job is stored).
      await writeFile(secretFilePath(stack.dataDir, 'tickets-token'), 'tok-lists-test-token');
      for (const id of ['alerts', 'quiet-alerts']) {
        const res = await admin(`/jobs/${id}?verify=false`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(ticketJobBody()),
        });
        if (res.status >= 300) throw new Error(`PUT /admin/jobs/${id}: ${res.status} ${await res.text()}`);
      }
      await stack.deps.tasks.put(
        'alerts',
        task('EX-1', 'closed', 1, { dedupeCount: 3, alertIds: ['NS-1', 'NS-2', 'NS-3'] }),
      );
      await stack.deps.tasks.put(
        'alerts',
        task('EX-2', 'in_progress', 2, { syncedAt: new Date().toISOString() }),
      );
      await stack.deps.tasks.put('alerts', task('EX-3', 'new', 3, { link: 'javascript:alert(1)' }));
    });

    it('lists a ticket job’s tasks with status, dedupe count, alerts and a link that opens the target', async () => {
      // Act
      await open('/jobs/alerts/tasks');
      await b.page.getByRole('row', { name: /EX-1/ }).waitFor();
      const rows = await b.page.getByRole('row').allTextContents();
      const link = b.page.getByRole('link', { name: 'http://127.0.0.1:3101/browse/EX-1' });
      const attrs = {
        href: await link.getAttribute('href'),
        target: await link.getAttribute('target'),
        rel: await link.getAttribute('rel'),
      };
      const scriptLinks = await b.page.getByRole('link', { name: 'javascript:alert(1)' }).count();

      // Assess: newest first; a javascript: link is text only
      expect(rows.slice(1).map((r) => r.slice(0, 4))).toEqual(['EX-3', 'EX-2', 'EX-1']);
      expect(rows[3]).toContain('closed');
      expect(rows[3]).toContain('NS-1 (+2)');
      expect(rows[3]).toMatch(/NS-1 \(\+2\).*10000:Task/);
      expect(rows[2]).toContain('in progress');
      expect(attrs).toEqual({
        href: 'http://127.0.0.1:3101/browse/EX-1',
        target: '_blank',
        rel: 'noopener noreferrer',
      });
      expect(rows[1]).toContain('javascript:alert(1)');
      expect(scriptLinks).toBe(0);
    });

    it('filters by status (in the URL), and says what to do where a job has none', async () => {
      // Act
      await open('/jobs/alerts/tasks');
      await b.page.getByRole('row', { name: /EX-1/ }).waitFor();
      await b.page.getByLabel('Status').selectOption('closed');
      await expect.poll(() => b.page.getByRole('row').count(), { timeout: 10_000 }).toBe(2);
      const filtered = await b.page.getByRole('row').allTextContents();
      const url = b.page.url();
      await open('/jobs/quiet-alerts/tasks');
      const empty = await b.page.getByRole('status').filter({ hasText: 'No tasks yet' }).textContent();

      // Assess
      expect(filtered[1]).toContain('EX-1');
      expect(url).toContain('#/jobs/alerts/tasks?status=closed');
      expect(empty).toContain(
        'npx triggerhub send quiet-alerts -d @examples/payloads/alert-high.json --wait',
      );
    });

    it('says a job without tickets opens no tasks, with a link back to it', async () => {
      // Act
      await open('/jobs/demo/tasks');
      const note = await b.page.getByRole('status').filter({ hasText: 'not a ticket job' }).textContent();
      const back = await b.page
        .getByRole('link', { name: 'Back to the job', exact: true })
        .getAttribute('href');

      // Assess
      expect(note).toContain('demo is not a ticket job');
      expect(back).toBe('#/jobs/demo');
    });
  });

  describe('dead letters', () => {
    it('lists a run that failed every attempt; Redrive, confirmed, makes a new run that succeeds', async () => {
      // Prepare: three attempts (1 s, 2 s apart), then the queue's redrive policy moves the message
      await stack.putJob('retry-sync', {
        name: 'retry-sync',
        integration: 'flaky-target',
        auth: { secret: 'demo' },
      });
      const runId = await stack.sendWebhook('retry-sync', await stack.secret('demo'));
      await stack.waitForFinishedRun(runId);
      await expect
        .poll(async () => ((await (await admin('/dlq')).json()) as { count: number }).count, {
          timeout: 30_000,
          interval: 250,
        })
        .toBe(1);

      // Act: list it
      await open('/dlq');
      const row = b.page.getByRole('row', { name: new RegExp(runId) });
      await row.waitFor();
      const rowText = await row.textContent();
      const runLink = row.getByRole('link', { name: runId });
      const runAttrs = {
        href: await runLink.getAttribute('href'),
        target: await runLink.getAttribute('target'),
      };
      const jobHref = await row.getByRole('link', { name: 'retry-sync' }).getAttribute('href');

      // Assess
      expect(rowText).toContain('failed');
      expect(rowText).toContain('target answered 503');
      expect(runAttrs).toEqual({ href: `#/runs/${runId}`, target: '_blank' });
      expect(jobHref).toBe('#/jobs/retry-sync');

      // Act: fix the target, redrive all, confirmed
      world.retryableDown = false;
      await b.page.getByRole('button', { name: 'Redrive all' }).click();
      await dialog('Redrive dead letters?').getByRole('button', { name: 'Redrive' }).click();
      const report = b.page.getByRole('status').filter({ hasText: 'Redrive:' });
      await report.waitFor();
      const reportText = await report.textContent();
      const newRunId = await report.getByRole('link').first().textContent();
      const fresh = await stack.waitForFinishedRun(newRunId ?? '');
      await b.page.getByText('No dead letters: a run lands here after its last attempt fails').waitFor();

      // Assess
      expect(reportText).toContain('1 new run, 0 dropped, 0 left in the queue');
      expect(fresh).toMatchObject({ status: 'succeeded', firedBy: 'replay', replayOf: runId });
    });

    it('says so when the stack has no dead-letter queue (503)', async () => {
      // Prepare: the admin API answers as a stack without TRIGGERHUB_DLQ_URL does
      await b.page.route('**/admin/dlq*', (route) =>
        route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: JSON.stringify({
            error: 'unavailable',
            message: 'this stack has no dead-letter queue configured',
          }),
        }),
      );

      // Act
      try {
        await open('/dlq');
        const note = await b.page
          .getByRole('status')
          .filter({ hasText: 'no dead-letter queue' })
          .textContent();
        const redrive = await b.page.getByRole('button', { name: /Redrive/ }).count();

        // Assess
        expect(note).toContain('TRIGGERHUB_DLQ_URL');
        expect(redrive).toBe(0);
      } finally {
        await b.page.unroute('**/admin/dlq*');
      }
    });
  });
});
