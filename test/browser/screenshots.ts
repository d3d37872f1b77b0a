// `npm run screenshots`: every page of the console, on realistic data, into docs/console/*.png
// (shown in README's "Screenshots"). A script, not a test (vitest collects only *.test.ts):
// it builds the console from its sources, starts the local stack in this process on a fresh
// data folder, seeds it through the admin API and the stores, and shoots each page in the
// system's headless Chromium at 1366×860.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { writeConsoleAssets } from '../../cli/console/build.ts';
import { writeIntegrationRegistry } from '../../cli/integrations/registry-file.ts';
import { PermanentError } from '../../shared/errors.ts';
import type { StoredTask, TaskStatus } from '../../shared/model/index.ts';
import { useLocalLogFormat } from '../../shared/runtime/platform-logger.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import type { ConsoleBrowser } from '../helpers/browser.ts';
import type { InProcessStack } from '../helpers/local-stack.ts';
import { MISSING_BROWSER, findChromium, openBrowser } from '../helpers/browser.ts';
import { fakeTicketIntegration, ticketJobBody } from '../helpers/fake-ticket-integration.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const OUT = join(ROOT, 'docs', 'console');
const VIEWPORT = { width: 1366, height: 860 };
/** How long one page may take to show its content on a loaded machine. */
const WAIT_MS = 30_000;

/** The CRM job's target, as the seeding sets it: its token expires mid-way. */
const crm = { tokenExpired: false, synced: 0 };

/** A contact sync whose manifest has one parameter of each type: the job form shows them all. */
const crmContacts = defineIntegration({
  id: 'crm-contacts',
  name: 'CRM contacts',
  version: '1.2.0',
  description: 'Pushes new and changed contacts to the CRM, in batches.',
  parameters: {
    baseUrl: {
      type: 'text',
      label: 'CRM API URL',
      description: 'The base URL of the CRM’s REST API.',
      mandatory: true,
    },
    token: { type: 'password', label: 'API token', description: 'A CRM API token.', mandatory: true },
    batchSize: {
      type: 'number',
      label: 'Batch size',
      description: 'Contacts per request (1–500).',
      default: 100,
    },
    region: { type: 'choice', label: 'Region', choices: ['eu', 'us', 'apac'], default: 'eu' },
    fields: {
      type: 'multichoice',
      label: 'Fields to sync',
      choices: ['email', 'phone', 'company', 'owner'],
      default: ['email', 'company'],
    },
    dryRun: {
      type: 'boolean',
      label: 'Dry run',
      description: 'Log what would be sent; send nothing.',
      default: false,
    },
  },
  run: async ({ params, logger, notifier }) => {
    const count = 40 + ((crm.synced * 37) % 90);
    logger.info(`fetching contacts changed since the last run (region ${params.region})`);
    logger.info(
      `${count} contacts to push in ${Math.ceil(count / params.batchSize)} batch(es) of ${params.batchSize}`,
    );
    logger.info(`POST ${params.baseUrl}/contacts/batch (${params.fields.join(', ')})`);
    if (crm.tokenExpired) {
      logger.warn('the CRM refused the token: rotate it with npx triggerhub secrets set crm-token');
      throw new PermanentError('CRM answered 401: token expired');
    }
    crm.synced++;
    const skipped = crm.synced % 2 === 0 ? 3 : 0;
    if (skipped > 0) await notifier.warn(`${skipped} contacts skipped: no e-mail address`);
    logger.info(`created ${count - 12 - skipped}, updated 12, skipped ${skipped}`);
    return {
      message: `synced ${count - skipped} contacts`,
      output: { created: count - 12 - skipped, updated: 12 },
    };
  },
});

/** A warehouse that is down for every attempt: its run ends in the dead-letter queue. */
const warehousePush = defineIntegration({
  id: 'warehouse-push',
  name: 'Warehouse push',
  version: '1.0.0',
  description: 'Loads the event into the data warehouse.',
  parameters: {},
  run: ({ logger }) => {
    logger.info('loading 1 event into analytics.events');
    return Promise.reject(new Error('warehouse answered 503: Service Unavailable'));
  },
});

/** A ticket of the ticket job, `minutes` ago. */
const task = (
  id: string,
  status: TaskStatus,
  minutes: number,
  over: Partial<StoredTask> = {},
): StoredTask => {
  const at = new Date(Date.now() - minutes * 60_000).toISOString();
  return {
    id,
    status,
    link: `https://tickets.example.com/browse/${id}`,
    dedupeCount: 1,
    alertIds: [`NS-${id.slice(4)}`],
    queue: '10000:Task',
    createdAt: at,
    updatedAt: at,
    ...over,
  };
};

/** Polls `done` every `everyMs` until it holds, for at most WAIT_MS. */
const waitFor = async (what: string, done: () => Promise<boolean>, everyMs = 250): Promise<void> => {
  const end = Date.now() + WAIT_MS;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
};

interface Seeded {
  failedRunId: string;
  longRunId: string;
}

/** Jobs, runs, a long run still running, globals, tasks, notifications and a dead letter. */
const seed = async (stack: InProcessStack): Promise<Seeded> => {
  const admin = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`${stack.url}/admin${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...init.headers },
    });
    if (res.status >= 300)
      throw new Error(`${init.method ?? 'GET'} /admin${path}: ${res.status} ${await res.text()}`);
    return (res.status === 204 ? undefined : await res.json()) as T;
  };
  const put = (path: string, body: unknown) => admin(path, { method: 'PUT', body: JSON.stringify(body) });
  const demoSecret = await stack.secret('demo');
  const hook = async (jobId: string, payload: unknown): Promise<string> => {
    const res = await fetch(`${stack.url}/hooks/${jobId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shared-secret': demoSecret },
      body: JSON.stringify(payload),
    });
    if (res.status !== 202) throw new Error(`POST /hooks/${jobId}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { runId: string }).runId;
  };
  const runNow = async (jobId: string): Promise<string> =>
    (await admin<{ runId: string }>(`/jobs/${jobId}/runs`, { method: 'POST' })).runId;
  const finished = (runId: string) => stack.waitForFinishedRun(runId);

  // Secrets the jobs name, where the local secret store keeps them.
  await mkdir(join(stack.dataDir, 'secrets'), { recursive: true });
  for (const [name, value] of [
    ['crm-token', 'crm-screenshot-token-0000'],
    ['tickets-token', 'tickets-screenshot-token-0000'],
  ]) {
    await writeFile(join(stack.dataDir, 'secrets', name!), value!, { mode: 0o600 });
  }

  // Globals: two plain ones and a masked one.
  await put('/globals/crmBaseUrl', { value: 'https://crm.example.com/api/v2' });
  await put('/globals/slackChannel', { value: '#secops-alerts' });
  await put('/globals/crmToken', { value: 'crm-global-token-0000', masked: true });

  // The CRM sync: every hour and on the CRM's webhooks; some runs succeed, then its token expires.
  await put('/jobs/crm-sync', {
    name: 'Sync contacts to the CRM',
    description: 'Pushes new and changed contacts to the CRM every hour and when the CRM calls.',
    integration: 'crm-contacts',
    auth: { type: 'shared-secret', secret: 'demo' },
    schedule: { frequency: 'hourly', every: 1, startOn: '2026-01-05T08:30', timezone: 'Europe/Berlin' },
    params: {
      baseUrl: 'https://crm.example.com/api/v2',
      token: { secret: 'crm-token' },
      batchSize: 50,
      region: 'eu',
      fields: ['email', 'company', 'owner'],
    },
  });
  await finished(await hook('crm-sync', { event: 'contact.updated', contactId: 'C-10481' }));
  await finished(await runNow('crm-sync'));
  await finished(await hook('crm-sync', { event: 'contact.created', contactId: 'C-10482' }));
  crm.tokenExpired = true;
  await finished(await hook('crm-sync', { event: 'contact.updated', contactId: 'C-10377' }));
  await finished(await runNow('crm-sync'));
  // The third failure in a row raises job_failing.
  const failedRunId = await hook('crm-sync', { event: 'contact.deleted', contactId: 'C-09921' });
  await finished(failedRunId);
  // The token rotated, the last failure replayed: it succeeds, and job_recovered says so.
  crm.tokenExpired = false;
  const replay = await admin<{ runId: string }>(`/runs/${failedRunId}/replay`, { method: 'POST' });
  await finished(replay.runId);

  // The demo job: a few webhooks, as the README's quick start sends them.
  for (const payload of [{ hello: 'world' }, { alert: 'port scan', host: '10.1.4.17' }, { ping: 1 }]) {
    await finished(await hook('demo', payload));
  }

  // A ticket job with a few tasks (its target is in memory: not verified).
  await put('/jobs/alerts-to-tickets?verify=false', {
    ...ticketJobBody(),
    name: 'Netskope alerts to tickets',
    description: 'Opens a ticket for each high-severity alert; repeats of one alert add to it.',
  });
  await stack.deps.tasks.put(
    'alerts-to-tickets',
    task('SEC-101', 'closed', 300, { dedupeCount: 3, alertIds: ['NS-7731', 'NS-7735', 'NS-7740'] }),
  );
  await stack.deps.tasks.put(
    'alerts-to-tickets',
    task('SEC-102', 'in_progress', 140, { syncedAt: new Date(Date.now() - 20 * 60_000).toISOString() }),
  );
  await stack.deps.tasks.put(
    'alerts-to-tickets',
    task('SEC-103', 'on_hold', 55, { dedupeCount: 2, alertIds: ['NS-7802', 'NS-7811'] }),
  );
  await stack.deps.tasks.put('alerts-to-tickets', task('SEC-104', 'new', 4));

  // A dead letter: three attempts (1 s, then 2 s apart), then the queue's redrive policy.
  await put('/jobs/events-to-warehouse', {
    name: 'Load events into the warehouse',
    integration: 'warehouse-push',
    auth: { type: 'shared-secret', secret: 'demo' },
  });
  await finished(await hook('events-to-warehouse', { event: 'login', user: 'alice' }));
  // (Seldom: each listing receives the messages, and counts in the receive count the page shows.)
  await waitFor('the dead letter', async () => (await admin<{ count: number }>('/dlq')).count > 0, 1000);

  // A long run, still running while the pages are shot (stopped at the end).
  await put('/jobs/nightly-export', {
    name: 'Nightly export',
    description: 'Exports the day’s events; takes a few minutes.',
    integration: 'log-event',
    webhook: false,
    timeoutSeconds: 280,
    schedule: { frequency: 'daily', startOn: '2026-01-05T02:00', timezone: 'Europe/Berlin' },
    params: { prefix: '[export] ', waitSeconds: 240 },
  });
  const longRunId = await runNow('nightly-export');
  await waitFor(
    'the long run to start',
    async () => (await admin<{ status: string }>(`/runs/${longRunId}`)).status === 'running',
  );
  return { failedRunId, longRunId };
};

/** Opens `route` afresh (a goto that only changes the hash would not load the page again). */
const open = async (page: Page, url: string, route: string): Promise<void> => {
  await page.goto('about:blank');
  await page.goto(`${url}/console#${route}`);
};

type Scrollable = { scrollIntoView(o: { block: string }): void };
/** Scrolls `locator` to the top of the window (a section of a long page). */
const toTop = (locator: Locator): Promise<void> =>
  locator.evaluate((el) => (el as unknown as Scrollable).scrollIntoView({ block: 'start' }));
/** Scrolls `locator` to the middle of the window. */
const centre = (locator: Locator): Promise<void> =>
  locator.evaluate((el) => (el as unknown as Scrollable).scrollIntoView({ block: 'center' }));

const shoot = async (page: Page, name: string): Promise<string> => {
  const path = join(OUT, `${name}.png`);
  // Let fonts and the last render settle: what the user would see, not a half-painted frame.
  await page.evaluate('document.fonts.ready.then(() => true)');
  await page.screenshot({ path, fullPage: false, animations: 'disabled', caret: 'hide' });
  return path;
};

const shootAll = async (context: BrowserContext, url: string, seeded: Seeded): Promise<string[]> => {
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const shots: string[] = [];
  const row = (text: string | RegExp) => page.getByRole('row').filter({ hasText: text });
  const h1 = (name: string) => page.getByRole('heading', { level: 1, name });

  // The jobs grid, with the long run open (its red stop button).
  await open(page, url, '/jobs');
  await row('Sync contacts to the CRM').waitFor();
  await row('Nightly export').getByRole('button', { name: /^Stop/ }).waitFor();
  shots.push(await shoot(page, 'jobs'));

  // A job: its definition, the password parameter as dots.
  await open(page, url, '/jobs/crm-sync');
  await h1('Sync contacts to the CRM').waitFor();
  await page.getByLabel('Batch size').waitFor();
  // The schedule's sentence comes from the server's preview: `…` until it answers.
  await waitFor(
    'the schedule sentence',
    async () => (await page.getByText('…', { exact: true }).count()) === 0,
  );
  shots.push(await shoot(page, 'job'));

  // Its form with the API's refusal beside the field.
  const timeout = page.getByLabel('Timeout (seconds)');
  await timeout.fill('900');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#f-timeoutSeconds-error').waitFor();
  await centre(timeout);
  shots.push(await shoot(page, 'job-edit'));

  // The schedule editor with the next five occurrences.
  await open(page, url, '/jobs/crm-sync');
  const next = page.getByRole('list', { name: 'Next occurrences' });
  await waitFor('five occurrences', async () => (await next.locator('li time').count()) === 5);
  await toTop(page.getByRole('group', { name: 'Schedule', exact: true }));
  shots.push(await shoot(page, 'schedule'));

  // The job's history: successes, failures, triggers.
  await open(page, url, '/jobs/crm-sync/history');
  await row('CRM answered 401').first().waitFor();
  shots.push(await shoot(page, 'history'));

  // A failed run with its log lines (its own tab, in the console).
  await open(page, url, `/runs/${seeded.failedRunId}`);
  await page.getByText('CRM answered 401: token expired').first().waitFor();
  await page.getByText(/\[WARN\] – the CRM refused the token/).waitFor();
  shots.push(await shoot(page, 'run'));

  // A ticket job's tasks.
  await open(page, url, '/jobs/alerts-to-tickets/tasks');
  await row('SEC-101').waitFor();
  shots.push(await shoot(page, 'tasks'));

  await open(page, url, '/notifications');
  await page
    .getByText(/failed 3 times|job_failing|in a row/)
    .first()
    .waitFor();
  shots.push(await shoot(page, 'notifications'));

  await open(page, url, '/globals');
  await row('crmToken').waitFor();
  shots.push(await shoot(page, 'globals'));

  await open(page, url, '/dlq');
  await row('warehouse answered 503').waitFor();
  shots.push(await shoot(page, 'dlq'));

  // The grid again, dark: the toggle, as a user switches it (kept in localStorage).
  await open(page, url, '/jobs');
  await row('Sync contacts to the CRM').waitFor();
  await page.getByRole('button', { name: 'Switch to dark theme' }).click();
  await page.getByRole('button', { name: 'Switch to light theme' }).waitFor();
  shots.push(await shoot(page, 'jobs-dark'));
  await page.close();
  return shots;
};

const main = async (): Promise<void> => {
  const chromiumPath = findChromium();
  if (chromiumPath === undefined)
    throw new Error(`npm run screenshots has no browser to drive. ${MISSING_BROWSER}`);
  // What the stack logs (the seeded failures among it) is kept, and shown only if the script fails.
  const logged: string[] = [];
  useLocalLogFormat('text', (line) => void logged.push(line));
  // The console from its sources (and the integration registry the stack loads), as npm start builds them.
  writeIntegrationRegistry();
  const built = writeConsoleAssets();
  const { startInProcessStack } = await import('../helpers/local-stack.ts');
  const tickets = fakeTicketIntegration();
  const stack = await startInProcessStack({
    integrations: [crmContacts, warehousePush, tickets.integration],
  });
  let b: ConsoleBrowser | undefined;
  let seeded: Seeded | undefined;
  try {
    b = await openBrowser(chromiumPath);
    seeded = await seed(stack);
    await mkdir(OUT, { recursive: true });
    // A context of its own: light, UTC, English, 1× pixels — the same pictures on any machine.
    const context = await b.browser.newContext({
      viewport: VIEWPORT,
      deviceScaleFactor: 1,
      colorScheme: 'light',
      timezoneId: 'UTC',
      locale: 'en-US',
      reducedMotion: 'reduce',
    });
    const shots = await shootAll(context, stack.url, seeded);
    for (const path of shots) console.log(`wrote ${relative(process.cwd(), path)}`);
    console.log(`console bundle: ${built.build.bytes.raw} bytes, ${built.build.bytes.gzip} gzip`);
  } catch (e) {
    process.stderr.write(`What the stack logged:\n${logged.join('\n')}\n\n`);
    throw e;
  } finally {
    if (seeded !== undefined) {
      const stop = `${stack.url}/admin/runs/${seeded.longRunId}/stop`;
      await fetch(stop, { method: 'POST' }).catch(() => undefined);
      await stack.waitForRun(seeded.longRunId).catch(() => undefined);
    }
    await b?.close();
    await stack.stop();
  }
};

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
