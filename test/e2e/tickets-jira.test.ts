import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adfText } from '../../cli/mocks/http.ts';
import type { MockJira } from '../helpers/mock-jira.ts';
import { startMockJira } from '../helpers/mock-jira.ts';
import type { TicketStack } from '../helpers/tickets-e2e.ts';
import {
  EXAMPLES,
  highAlertWithId,
  runMessage,
  runStatus,
  startTicketStack,
} from '../helpers/tickets-e2e.ts';

interface TaskItem {
  id: string;
  status: string;
  link: string;
  dedupeCount: number;
  alertIds: string[];
}

/**
 * Issue 10's first "Done when", as a new user tries it: `npm start`, a local
 * mock Jira (`triggerhub mock jira`), the example job alerts-to-jira applied
 * with the CLI (its `validate` calls the mock), alerts sent with `send`, the
 * issue closed in the mock, one scheduled sync (the scheduler's clock moved
 * to it, as in schedule-local.test.ts), and `tasks list`. The ServiceNow file
 * syncs with `jobs run` instead (a manual run syncs at once).
 */
describe('alerts to Jira under npm start, with a mock Jira', () => {
  let jira: MockJira;
  let t: TicketStack;
  let jobFile = '';
  /** The scheduler's now (the rest of the stack keeps the real clock): moved to the next sync by the test. */
  let simulated = Date.now();

  beforeAll(async () => {
    jira = await startMockJira();
    t = await startTicketStack({ schedulerIntervalMs: 100, schedulerNow: () => new Date(simulated) });
    jobFile = t.exampleJob('alerts-to-jira', jira.url);
    // The webhook's shared secret, as README's walkthrough makes it.
    expect((await t.cli(['secrets', 'set', 'alerts'], 'alerts-shared-secret-0123456789')).code).toBe(0);
  });
  afterAll(async () => {
    await t?.stop();
    await jira?.close();
  });

  const tasks = async (): Promise<TaskItem[]> => {
    const res = await fetch(`${t.stack.url}/admin/jobs/alerts-to-jira/tasks`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: TaskItem[] }).items;
  };
  const send = (body: string) => t.cli(['send', 'alerts-to-jira', '-d', '-', '--wait'], body);

  it('jobs apply of the job while its Jira is down says why: could not reach <host>: connection refused', async () => {
    // A port that was just free: nothing listens there.
    const gone = await startMockJira();
    await gone.close();
    expect((await t.cli(['secrets', 'set', 'jira'], 'not-the-token')).code).toBe(0);
    const refused = await t.cli(['jobs', 'apply', t.exampleJob('alerts-to-jira', gone.url)]);
    jobFile = t.exampleJob('alerts-to-jira', jira.url);
    expect(refused.code).toBe(1);
    // Not the CLI's own time-out, nor "fetch failed": the stack's answer, naming the host and the cause.
    expect(refused.stderr).toBe(
      `error: alerts-to-jira: jira: could not reach ${new URL(gone.url).host}: connection refused (parameter url) (HTTP 400 ticket_validation_failed)\n` +
        'error: 1 of 1 jobs not applied: alerts-to-jira\n',
    );
  });

  it('jobs apply refuses a wrong API token with Jira’s reason, then applies with the right one', async () => {
    expect((await t.cli(['secrets', 'set', 'jira'], 'not-the-token')).code).toBe(0);
    const refused = await t.cli(['jobs', 'apply', jobFile]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'error: alerts-to-jira: jira: Jira refused the credentials (401): Client must be authenticated to access this resource.',
    );
    expect(refused.stderr).toContain('(HTTP 400 ticket_validation_failed)');
    expect(refused.stderr).not.toContain('not-the-token');
    expect((await fetch(`${t.stack.url}/admin/jobs/alerts-to-jira`)).status).toBe(404);

    expect((await t.cli(['secrets', 'set', 'jira'], jira.apiToken)).code).toBe(0);
    const applied = await t.cli(['jobs', 'apply', jobFile]);
    expect(applied.stderr).toBe('');
    expect(applied).toMatchObject({ code: 0, stdout: 'created  alerts-to-jira\n' });
    expect(jira.requests.filter((r) => r.path === '/rest/api/3/myself')).toHaveLength(2);
  });

  it('turns a matching alert into one Jira issue with the mapped summary', async () => {
    const sent = await t.cli([
      'send',
      'alerts-to-jira',
      '-d',
      `@${EXAMPLES}/payloads/alert-high.json`,
      '--wait',
    ]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(runStatus(sent.stdout)).toBe('succeeded');
    expect(runMessage(sent.stdout)).toBe(`created EX-1 (${jira.url}/browse/EX-1)`);
    expect([...jira.issues.keys()]).toEqual(['EX-1']);
    const issue = jira.issues.get('EX-1');
    expect(issue?.fields.summary).toBe('Netskope Cloud Storage alert: Upload to personal cloud storage');
    expect(adfText(issue?.fields.description)).toContain('Alert ID: NS-48213');
    expect(issue?.labels).toContain('triggerhub');
    expect(await tasks()).toMatchObject([
      { id: 'EX-1', status: 'new', link: `${jira.url}/browse/EX-1`, dedupeCount: 1, alertIds: ['NS-48213'] },
    ]);
  });

  it('the same alert again (alert-high-again: another alert id, the same dedupe key) adds a comment: dedupeCount 2', async () => {
    const sent = await t.cli([
      'send',
      'alerts-to-jira',
      '-d',
      `@${EXAMPLES}/payloads/alert-high-again.json`,
      '--wait',
    ]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(runMessage(sent.stdout)).toBe('commented on EX-1 (dedupe count 2)');
    expect(jira.issues.size).toBe(1);
    const comments = jira.issues.get('EX-1')?.comments.map(adfText) ?? [];
    expect(comments).toHaveLength(1);
    expect(comments[0]).toContain('NS-48220');
    expect(await tasks()).toMatchObject([{ id: 'EX-1', dedupeCount: 2, alertIds: ['NS-48213', 'NS-48220'] }]);
  });

  it('filters a non-matching alert: the run succeeds "filtered out by rule", nothing reaches Jira', async () => {
    const before = jira.requests.length;
    const sent = await t.cli([
      'send',
      'alerts-to-jira',
      '-d',
      `@${EXAMPLES}/payloads/alert-low.json`,
      '--wait',
    ]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(runStatus(sent.stdout)).toBe('succeeded');
    expect(runMessage(sent.stdout)).toContain('filtered out by rule');
    expect(jira.requests.length).toBe(before);
    expect(jira.issues.size).toBe(1);
  });

  it('marks the task closed at the next sync (tickets.sync.every) once the issue is closed in Jira', async () => {
    // As a person would with curl: the mock's control route.
    const closed = await fetch(`${jira.url}/_mock/issues/EX-1/close`, { method: 'POST' });
    expect(closed.status).toBe(200);
    // The job has no schedule of its own: its sync (every 15 minutes) is its schedule, armed when applied.
    const next = Date.parse((await t.stack.deps.schedules.get('alerts-to-jira'))?.nextRunAt ?? '');
    expect(next % (15 * 60_000)).toBe(0);
    // Wait one sync: the scheduler's clock moves a little past it.
    simulated = next + 2_000;
    let synced: { id: string; status: string; firedBy: string; message?: string } | undefined;
    for (let i = 0; i < 200 && synced?.status !== 'succeeded'; i++) {
      const res = await fetch(`${t.stack.url}/admin/jobs/alerts-to-jira/runs?limit=100`);
      const { items } = (await res.json()) as { items: NonNullable<typeof synced>[] };
      synced = items.find((r) => r.firedBy === 'schedule');
      if (synced?.status !== 'succeeded') await new Promise((r) => setTimeout(r, 100));
    }
    expect(synced).toMatchObject({
      status: 'succeeded',
      message: 'synced 1 task (1 closed, 0 deleted) in 1 call',
    });
    const search = jira.requests.filter((r) => r.path === '/rest/api/3/search/jql');
    expect(search.map((r) => (r.body as { jql: string }).jql)).toEqual(['key in ("EX-1")']);
    expect(await tasks()).toMatchObject([{ id: 'EX-1', status: 'closed', dedupeCount: 2 }]);
  });

  it('opens a new issue for the next matching alert once the first is closed', async () => {
    const sent = await send(highAlertWithId('NS-48230'));
    expect(sent.code, sent.stderr).toBe(0);
    expect(runMessage(sent.stdout)).toBe(`created EX-2 (${jira.url}/browse/EX-2)`);
    expect([...jira.issues.keys()]).toEqual(['EX-1', 'EX-2']);
    expect(jira.issues.get('EX-1')?.comments).toHaveLength(1);
  });

  it('triggerhub tasks list alerts-to-jira shows the tasks with status and link', async () => {
    const listed = await t.cli(['tasks', 'list', 'alerts-to-jira']);
    expect(listed.code, listed.stderr).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TASK\s+STATUS\s+DEDUPE\s+ALERTS\s+UPDATED\s+LINK$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/))).toEqual([
      ['EX-2', 'new', '1', 'NS-48230', expect.stringMatching(/^\d{4}-/), `${jira.url}/browse/EX-2`],
      [
        'EX-1',
        'closed',
        '2',
        'NS-48220',
        '(+1)',
        expect.stringMatching(/^\d{4}-/),
        `${jira.url}/browse/EX-1`,
      ],
    ]);
  });
});
