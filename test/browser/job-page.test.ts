// The job page in a real browser: the definition and webhook URL, an edit saved and kept,
// the API's validation message beside its field, the schedule editor's next five
// occurrences, a password parameter shown as dots (its value never reaching the browser),
// and a script job's upload and download.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MockJira } from '../../cli/mocks/jira.ts';
import { startMockJira } from '../../cli/mocks/jira.ts';
import type { ConsoleBrowser } from '../helpers/browser.ts';
import { chromiumOrSkip, openBrowser } from '../helpers/browser.ts';
import type { InProcessStack } from '../helpers/local-stack.ts';
import { startInProcessStack } from '../helpers/local-stack.ts';

const chromiumPath = chromiumOrSkip();

/** The password parameter's secret value: it must never reach the browser. */
const CANARY = 'canary-job-page-Qx7-secret-value';
const SCRIPT_V1 = 'exports.run = async () => ({ message: "v1" });\n';
const SCRIPT_V2 =
  '// v2 — with a non-ASCII dash\nexports.run = async (args) => ({ message: `v2 ${args.arguments.region}` });\n';

describe.skipIf(chromiumPath === undefined)('the job page', () => {
  let stack: InProcessStack;
  let b: ConsoleBrowser;
  let jira: MockJira;
  const pageErrors: string[] = [];

  const open = async (hash: string): Promise<void> => {
    await b.page.goto(`${stack.url}/console#${hash}`);
  };

  beforeAll(async () => {
    stack = await startInProcessStack();
    await mkdir(join(stack.dataDir, 'secrets'), { recursive: true });
    await writeFile(join(stack.dataDir, 'secrets', 'fwd-token'), CANARY, { mode: 0o600 });
    await stack.putJob('forward', {
      name: 'Forward alerts',
      integration: 'http-forward',
      auth: { type: 'shared-secret', secret: 'demo' },
      params: {
        url: 'https://tickets.example.com/alerts',
        secret: { secret: 'fwd-token' },
        secretFormat: 'bearer',
      },
    });
    const pushed = await fetch(`${stack.url}/admin/scripts/nightly`, {
      method: 'PUT',
      headers: { 'content-type': 'application/javascript' },
      body: SCRIPT_V1,
    });
    expect(pushed.status).toBe(201);
    await stack.putJob('nightly', {
      name: 'Nightly script',
      script: { id: 'nightly' },
      webhook: false,
      params: { region: 'eu' },
    });
    // Two ticket jobs: one whose target lists its queues, one whose target cannot be reached.
    jira = await startMockJira();
    await writeFile(join(stack.dataDir, 'secrets', 'jira'), jira.apiToken, { mode: 0o600 });
    const ticketJob = JSON.parse(
      await readFile(new URL('../../examples/tickets/alerts-to-jira.json', import.meta.url), 'utf8'),
    ) as {
      params: Record<string, unknown>;
    };
    await stack.putJob('to-jira', {
      ...ticketJob,
      id: 'to-jira',
      params: { ...ticketJob.params, url: jira.url },
    });
    const nowhere = await fetch(`${stack.url}/admin/jobs/to-nowhere?verify=false`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ...ticketJob,
        id: 'to-nowhere',
        params: { ...ticketJob.params, url: 'http://127.0.0.1:1' },
      }),
    });
    expect(nowhere.status).toBe(201);
    b = await openBrowser(chromiumPath!);
    b.page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await b?.close();
    await stack?.stop();
    await jira?.close();
  });

  it('shows the definition with the webhook URL and the auth header, never a secret value', async () => {
    // Act
    await open('/jobs/demo');

    // Assess
    const { page } = b;
    await page.getByRole('heading', { level: 1, name: 'Demo: log every event' }).waitFor();
    await page.getByText(`POST ${stack.url}/hooks/demo`).waitFor();
    await page.getByText('shared secret in header').waitFor();
    expect(await page.locator('dl.facts').innerText()).toContain('X-Shared-Secret');
    const demoSecret = await stack.secret('demo');
    expect(await page.content()).not.toContain(demoSecret);
  });

  it('runs the job now and links the run, to open in its own tab', async () => {
    // Prepare
    const { page } = b;
    await open('/jobs/demo');

    // Act
    await page.getByRole('button', { name: 'Run now' }).click();

    // Assess
    const link = page.getByRole('link', { name: /^run [0-9A-Z]{26}$/ });
    await link.waitFor();
    expect(await link.getAttribute('target')).toBe('_blank');
    const runId = (await link.innerText()).replace('run ', '');
    expect(await link.getAttribute('href')).toBe(`#/runs/${runId}`);
    expect((await stack.waitForFinishedRun(runId)).status).toBe('succeeded');
  });

  it('creates a job from #/jobs/new and opens its page', async () => {
    // Prepare
    const { page } = b;
    await open('/jobs/new');
    await page.getByRole('heading', { level: 1, name: 'New job' }).waitFor();

    // Act
    await page.getByLabel('Job id *', { exact: true }).fill('created');
    await page.getByLabel('Name *', { exact: true }).fill('Created in the console');
    await page.getByLabel('Integration *').selectOption('log-event');
    await page.getByLabel('Line prefix').fill('[console] ');
    await page.getByLabel('Secret name *').fill('demo');
    await page.getByRole('button', { name: 'Create job' }).click();

    // Assess
    await page.getByRole('heading', { level: 1, name: 'Created in the console' }).waitFor();
    expect(page.url()).toMatch(/#\/jobs\/created$/);
    const stored = (await (await fetch(`${stack.url}/admin/jobs/created`)).json()) as Record<string, unknown>;
    expect(stored).toMatchObject({
      integration: 'log-event',
      auth: { type: 'shared-secret', secret: 'demo', header: 'X-Shared-Secret' },
      params: { prefix: '[console] ' },
    });

    // Act: the same id again is refused before anything is replaced
    await open('/jobs/new');
    await page.getByLabel('Job id *', { exact: true }).fill('created');
    await page.getByLabel('Name *', { exact: true }).fill('Another');
    await page.getByLabel('Integration *').selectOption('log-event');
    await page.getByLabel('Secret name *').fill('demo');
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.locator('#f-id-error').filter({ hasText: 'exists already' }).waitFor();
    const kept = (await (await fetch(`${stack.url}/admin/jobs/created`)).json()) as { name: string };
    expect(kept.name).toBe('Created in the console');
  });

  it('saves an edited description, which a reload still shows', async () => {
    // Prepare
    const { page } = b;
    await open('/jobs/demo');
    const description = page.getByLabel('Description', { exact: true });
    await description.waitFor();

    // Act
    await description.fill('Edited in the console');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await page.reload();

    // Assess
    await expect
      .poll(() => page.getByLabel('Description', { exact: true }).inputValue(), { timeout: 15_000 })
      .toBe('Edited in the console');
    expect(await page.locator('dl.facts').innerText()).toContain('Edited in the console');
    const stored = (await (await fetch(`${stack.url}/admin/jobs/demo`)).json()) as { description: string };
    expect(stored.description).toBe('Edited in the console');
  });

  it("shows the API's message beside the field its param names", async () => {
    // Prepare
    const { page } = b;
    await open('/jobs/demo');
    const timeout = page.getByLabel('Timeout (seconds)');
    await timeout.waitFor();

    // Act
    await timeout.fill('999');
    await page.getByRole('button', { name: 'Save' }).click();

    // Assess: the message is the field's (its id, and the input points at it), and sits in the top summary too.
    const fieldError = page.locator('#f-timeoutSeconds-error');
    await fieldError.waitFor();
    expect(await fieldError.innerText()).toMatch(/timeoutSeconds/);
    expect(await timeout.getAttribute('aria-describedby')).toContain('f-timeoutSeconds-error');
    expect(await timeout.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('form .error[role="alert"]').innerText()).toMatch(
      /invalid job: timeoutSeconds/,
    );
    const stored = (await (await fetch(`${stack.url}/admin/jobs/demo`)).json()) as {
      timeoutSeconds?: number;
    };
    expect(stored.timeoutSeconds).toBeUndefined();
  });

  it('previews a schedule: five increasing occurrences two hours apart, and a bad field named', async () => {
    // Prepare
    const { page } = b;
    await open('/jobs/demo');
    const repeats = page.getByLabel('Repeats', { exact: true });
    await repeats.waitFor();

    // Act
    await repeats.selectOption('frequency');
    await page.getByLabel('Every', { exact: true }).fill('2');
    await page.getByLabel('Frequency', { exact: true }).selectOption('hourly');

    // Assess
    const list = page.getByRole('list', { name: 'Next occurrences' });
    const times = list.locator('li time');
    await expect.poll(() => times.count(), { timeout: 15_000 }).toBe(5);
    await page.getByText(/Runs every 2 hours/).waitFor();
    const instants: number[] = [];
    for (let i = 0; i < 5; i++)
      instants.push(Date.parse((await times.nth(i).getAttribute('datetime')) ?? ''));
    expect(instants.every((t) => t > Date.now() - 60_000)).toBe(true);
    for (let i = 1; i < instants.length; i++) expect(instants[i]! - instants[i - 1]!).toBe(2 * 3_600_000);

    // Act: a value the API refuses
    await page.getByLabel('Every', { exact: true }).fill('0');

    // Assess: the preview's message beside the field
    const everyError = page.locator('#f-schedule-every-error');
    await everyError.waitFor({ timeout: 15_000 });
    expect(await everyError.innerText()).toMatch(/schedule\.every/);
    expect(await page.getByLabel('Every', { exact: true }).getAttribute('aria-describedby')).toContain(
      'f-schedule-every-error',
    );
  });

  it('shows a password parameter as dots and its secret name; its value reaches no response', async () => {
    // Act
    const { page } = b;
    await open('/jobs/forward');
    await page.getByRole('heading', { level: 1, name: 'Forward alerts' }).waitFor();

    // Assess
    const facts = await page.locator('dl.facts').innerText();
    expect(facts).toContain('••••••••');
    expect(facts).toContain('fwd-token');
    const nameInput = page.getByLabel('Secret (secret name)');
    expect(await nameInput.inputValue()).toBe('fwd-token');
    await page.getByText('npx triggerhub secrets set fwd-token').waitFor();
    expect(b.responses.length).toBeGreaterThan(0);
    expect(b.responses.filter((r) => r.body.includes(CANARY)).map((r) => r.url)).toEqual([]);
    expect(await page.content()).not.toContain(CANARY);
  });

  it("offers a ticket job's queues from its target as a choice, and links its tasks", async () => {
    // Act
    const { page } = b;
    await open('/jobs/to-jira');
    await page.getByRole('heading', { level: 1, name: 'Alerts to Jira' }).waitFor();

    // Assess
    const queue = page.getByRole('combobox', { name: 'Queue *' });
    await expect.poll(() => queue.locator('option').count(), { timeout: 15_000 }).toBeGreaterThan(1);
    expect(await queue.inputValue()).toBe('10000:Task');
    expect(await page.getByRole('link', { name: 'Tasks' }).getAttribute('href')).toBe('#/jobs/to-jira/tasks');
  });

  it("says why a ticket job's target listed no queues, keeps a text field, and saves without verifying", async () => {
    // Prepare
    const { page } = b;
    await open('/jobs/to-nowhere');
    await page.getByText(/did not list its queues: .*target_error/).waitFor({ timeout: 20_000 });
    expect(await page.getByRole('textbox', { name: 'Queue *' }).inputValue()).toBe('10000:Task');

    // Act: saved with the target's check, which cannot reach it
    await page.getByRole('button', { name: 'Save' }).click();

    // Assess
    await page
      .locator('form .error[role="alert"]')
      .filter({ hasText: 'ticket_validation_failed' })
      .waitFor({ timeout: 20_000 });

    // Act: without it
    await page.getByLabel('Verify with the target').uncheck();
    await page.getByLabel('Description', { exact: true }).fill('Saved without the target');
    await page.getByRole('button', { name: 'Save' }).click();

    // Assess
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    const stored = (await (await fetch(`${stack.url}/admin/jobs/to-nowhere`)).json()) as {
      description: string;
    };
    expect(stored.description).toBe('Saved without the target');
  });

  it("uploads a script's new version, lists it, and downloads it byte for byte", async () => {
    // Prepare
    const { page } = b;
    await open('/jobs/nightly');
    await page.getByRole('heading', { level: 2, name: 'Script nightly' }).waitFor();
    await page.getByRole('cell', { name: 'v1', exact: true }).waitFor();

    // Act: upload
    await page.getByLabel('Upload a new version (.js)').setInputFiles({
      name: 'nightly.js',
      mimeType: 'application/javascript',
      buffer: Buffer.from(SCRIPT_V2, 'utf8'),
    });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();

    // Assess
    await page.getByText('Uploaded version 2.').waitFor();
    await page.getByRole('cell', { name: 'v2', exact: true }).waitFor();

    // Act: download it
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 15_000 }),
      page.getByRole('button', { name: 'Download version 2' }).click(),
    ]);

    // Assess
    expect(download.suggestedFilename()).toBe('nightly-v2.js');
    const path = await download.path();
    expect(Buffer.compare(await readFile(path), Buffer.from(SCRIPT_V2, 'utf8'))).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
