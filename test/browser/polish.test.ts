import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError } from '../../shared/errors.ts';
import { secretFilePath } from '../../shared/secrets/local-secret-store.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import type { ConsoleBrowser } from '../helpers/browser.ts';
import { chromiumOrSkip, openBrowser } from '../helpers/browser.ts';
import { fakeTicketIntegration, ticketJobBody } from '../helpers/fake-ticket-integration.ts';
import type { InProcessStack } from '../helpers/local-stack.ts';
import { startInProcessStack } from '../helpers/local-stack.ts';

// The console's rough edges, smoothed: what a user reads on the job page, the run page, the
// grid, the tasks page and the history after a replay.

const chromiumPath = chromiumOrSkip();

/** A contact sync with a multichoice and a password parameter (with help text); fails at once. */
const contacts = defineIntegration({
  id: 'polish-contacts',
  name: 'Contacts',
  version: '1.0.0',
  description: 'fails at once, permanently',
  parameters: {
    fields: {
      type: 'multichoice',
      label: 'Fields to sync',
      choices: ['email', 'phone', 'company', 'owner'],
    },
    token: { type: 'password', label: 'API token', description: 'A token of the CRM, with write access.' },
  },
  run: () => Promise.reject(new PermanentError('the CRM refused the batch')),
});

describe.skipIf(chromiumPath === undefined)('the console, polished', () => {
  let stack: InProcessStack;
  let b: ConsoleBrowser;
  let page: Page;
  const tickets = fakeTicketIntegration();

  const runNow = async (jobId: string): Promise<string> => {
    const res = await fetch(`${stack.url}/admin/jobs/${jobId}/runs`, { method: 'POST' });
    if (res.status >= 300) throw new Error(`run now ${jobId}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { runId: string }).runId;
  };
  const row = (runId: string) => page.locator(`tr[data-run-id="${runId}"]`);

  beforeAll(async () => {
    stack = await startInProcessStack({ integrations: [contacts, tickets.integration], examples: false });
    await stack.putJob('contacts', {
      name: 'Contacts to CRM',
      integration: 'polish-contacts',
      webhook: false,
      params: { fields: ['email', 'company', 'owner'], token: { secret: 'crm-token' } },
    });
    await mkdir(dirname(secretFilePath(stack.dataDir, 'tickets-token')), { recursive: true });
    await writeFile(secretFilePath(stack.dataDir, 'crm-token'), 'tok-polish-crm-token');
    await writeFile(secretFilePath(stack.dataDir, 'tickets-token'), 'tok-polish-test-token');
    const res = await fetch(`${stack.url}/admin/jobs/alerts?verify=false`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ticketJobBody({ name: 'Alerts to the service desk' })),
    });
    if (res.status >= 300) throw new Error(`PUT /admin/jobs/alerts: ${res.status} ${await res.text()}`);
    const link = `https://tickets.example.com/browse/EX-1?${'view=detail&'.repeat(20)}x=1`;
    await stack.deps.tasks.put('alerts', {
      id: 'EX-1',
      status: 'new',
      link,
      dedupeCount: 1,
      alertIds: ['NS-1'],
      queue: '10000:Task',
      createdAt: new Date(Date.UTC(2026, 10, 22, 8)).toISOString(),
      updatedAt: new Date(Date.UTC(2026, 10, 22, 9)).toISOString(),
    });
    b = await openBrowser(chromiumPath!);
    page = b.page;
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await stack?.stop();
  });

  it("shows a multichoice parameter as a list, and a password's help right under its input", async () => {
    await page.goto(`${stack.url}/console#/jobs/contacts`);
    await page.getByRole('heading', { level: 1, name: 'Contacts to CRM' }).waitFor();

    const facts = await page.locator('dl.facts').innerText();
    expect(facts).toContain('email, company, owner');
    expect(facts).not.toContain('["email"');
    // The help follows the input, before the command that sets the secret's value.
    const top = async (text: string): Promise<number> => (await page.getByText(text).boundingBox())?.y ?? NaN;
    const input = (await page.getByLabel('API token (secret name)').boundingBox())?.y ?? NaN;
    const help = await top('A token of the CRM, with write access.');
    const command = await top('npx triggerhub secrets set crm-token');
    expect(input).toBeLessThan(help);
    expect(help).toBeLessThan(command);
  });

  it("shows a failed run's text once when its error is its message", async () => {
    const runId = await runNow('contacts');
    const run = await stack.waitForFinishedRun(runId);
    expect(run.status).toBe('failed');
    await page.goto(`${stack.url}/console#/runs/${runId}`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    const text = page.getByText('the CRM refused the batch', { exact: true });
    await text.first().waitFor();

    // Once (the log's line says more around it).
    expect(await text.count()).toBe(1);
    expect(await page.locator('dt', { hasText: /^Error$/ }).count()).toBe(0);
  });

  it('offers Tasks in the grid for a ticket job only; its tasks page names the job and keeps a long link on one line', async () => {
    await page.goto(`${stack.url}/console#/jobs`);
    await page.getByRole('link', { name: 'Edit Contacts to CRM' }).waitFor();
    expect(await page.getByRole('link', { name: 'Tasks of Contacts to CRM' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Tasks of Alerts to the service desk' }).click();

    await page.getByRole('heading', { level: 1, name: /Tasks of Alerts to the service desk/ }).waitFor();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toMatch(/alerts$/);
    const link = page.getByRole('link', { name: /^https:\/\/tickets\.example\.com\/browse\/EX-1/ });
    expect(await link.getAttribute('title')).toBe(await link.getAttribute('href'));
    const box = await link.boundingBox();
    expect(box?.height ?? 0).toBeLessThan(30);
  });

  it('shows a replayed run in a filtered history once it matches, without a manual refresh', async () => {
    const failedId = await runNow('contacts');
    await stack.waitForFinishedRun(failedId);
    await page.goto(`${stack.url}/console#/jobs/contacts/history?status=failed`);
    await row(failedId).getByRole('button', { name: 'Replay' }).click();
    const note = row(failedId).getByRole('status');
    await note.getByText('replayed as').waitFor();
    const replayId = (await note.getByRole('link').textContent())!;

    // Queued when the list reloads after the click: it matches `failed` only once it has run.
    await row(replayId).locator('[data-status="failed"]').waitFor({ timeout: 30_000 });
  });
});
