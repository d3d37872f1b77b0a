import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MockServiceNow } from '../helpers/mock-servicenow.ts';
import { startMockServiceNow } from '../helpers/mock-servicenow.ts';
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
 * Issue 10's second "Done when": the Jira walkthrough with ServiceNow —
 * `npm start`, a local mock ServiceNow (`triggerhub mock servicenow`), the
 * example job alerts-to-servicenow applied with the CLI, alerts sent, the
 * incident closed in the mock, one sync, `tasks list`.
 */
describe('alerts to ServiceNow under npm start, with a mock ServiceNow', () => {
  let snow: MockServiceNow;
  let t: TicketStack;
  let first = { sys_id: '', number: '' };

  beforeAll(async () => {
    snow = await startMockServiceNow();
    t = await startTicketStack();
    expect((await t.cli(['secrets', 'set', 'alerts'], 'alerts-shared-secret-0123456789')).code).toBe(0);
  });
  afterAll(async () => {
    await t?.stop();
    await snow?.close();
  });

  const tasks = async (): Promise<TaskItem[]> => {
    const res = await fetch(`${t.stack.url}/admin/jobs/alerts-to-servicenow/tasks`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: TaskItem[] }).items;
  };
  const link = (sysId: string) => `${snow.url}/nav_to.do?uri=incident.do?sys_id=${sysId}`;
  const incidents = () => [...snow.incidents.values()];

  it('jobs apply refuses a wrong password with ServiceNow’s reason, then applies with the right one', async () => {
    const jobFile = t.exampleJob('alerts-to-servicenow', snow.url);
    expect((await t.cli(['secrets', 'set', 'servicenow'], 'not-the-password')).code).toBe(0);
    const refused = await t.cli(['jobs', 'apply', jobFile]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'error: alerts-to-servicenow: servicenow: ServiceNow refused the credentials (401): User Not Authenticated',
    );
    expect(refused.stderr).toContain('(HTTP 400 ticket_validation_failed)');
    expect(refused.stderr).not.toContain('not-the-password');
    expect((await fetch(`${t.stack.url}/admin/jobs/alerts-to-servicenow`)).status).toBe(404);

    expect((await t.cli(['secrets', 'set', 'servicenow'], snow.password)).code).toBe(0);
    const applied = await t.cli(['jobs', 'apply', jobFile]);
    expect(applied.stderr).toBe('');
    expect(applied).toMatchObject({ code: 0, stdout: 'created  alerts-to-servicenow\n' });
  });

  it('turns a matching alert into one incident with the mapped short description, in the group', async () => {
    const sent = await t.cli([
      'send',
      'alerts-to-servicenow',
      '-d',
      `@${EXAMPLES}/payloads/alert-high.json`,
      '--wait',
    ]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(runStatus(sent.stdout)).toBe('succeeded');
    const created = incidents();
    expect(created).toHaveLength(1);
    const record = created[0] as Record<string, unknown>;
    first = { sys_id: String(record.sys_id), number: String(record.number) };
    // Named by its number (the key a person knows), linked by its sys_id.
    expect(runMessage(sent.stdout)).toBe(`created ${first.number} (${link(first.sys_id)})`);
    expect(record.short_description).toBe('Netskope Cloud Storage alert: Upload to personal cloud storage');
    expect(record.description).toContain('Alert ID: NS-48213');
    expect(record.assignment_group).toMatchObject({ value: '287ebd7da9fe198100f92cc8d1d2154e' });
    expect(record.correlation_id).toBe('triggerhub-alerts-to-servicenow.NS-48213');
    expect(await tasks()).toMatchObject([
      {
        id: first.sys_id,
        key: first.number,
        status: 'new',
        link: link(first.sys_id),
        dedupeCount: 1,
        alertIds: ['NS-48213'],
      },
    ]);
  });

  it('the same alert again (alert-high-again: another alert id, the same dedupe key) adds a work note: dedupeCount 2', async () => {
    const sent = await t.cli([
      'send',
      'alerts-to-servicenow',
      '-d',
      `@${EXAMPLES}/payloads/alert-high-again.json`,
      '--wait',
    ]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(runMessage(sent.stdout)).toBe(`commented on ${first.number} (dedupe count 2)`);
    expect(incidents()).toHaveLength(1);
    const notes = snow.workNotes.get(first.sys_id) ?? [];
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('NS-48220');
    expect(await tasks()).toMatchObject([
      { id: first.sys_id, dedupeCount: 2, alertIds: ['NS-48213', 'NS-48220'] },
    ]);
  });

  it('filters a non-matching alert: the run succeeds "filtered out by rule", nothing reaches ServiceNow', async () => {
    const before = snow.requests.length;
    const sent = await t.cli([
      'send',
      'alerts-to-servicenow',
      '-d',
      `@${EXAMPLES}/payloads/alert-low.json`,
      '--wait',
    ]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(runStatus(sent.stdout)).toBe('succeeded');
    expect(runMessage(sent.stdout)).toContain('filtered out by rule');
    expect(snow.requests.length).toBe(before);
  });

  it('marks the task closed at the next sync once the incident is closed in ServiceNow', async () => {
    // By its number, as an agent reads it, through the mock's control route.
    const closed = await fetch(`${snow.url}/_mock/incidents/${first.number}/close`, { method: 'POST' });
    expect(await closed.json()).toEqual({ sys_id: first.sys_id, number: first.number, state: '7' });
    const synced = await t.cli(['jobs', 'run', 'alerts-to-servicenow', '--wait']);
    expect(synced.code, synced.stderr).toBe(0);
    expect(runMessage(synced.stdout)).toBe('synced 1 task (1 closed, 0 deleted) in 1 call');
    const queries = snow.requests
      .filter((r) => r.method === 'GET' && r.url.startsWith('/api/now/table/incident?'))
      .map((r) => new URL(r.url, snow.url).searchParams.get('sysparm_query'))
      .filter((q) => q?.includes('sys_idIN'));
    // One page: the open task's sys_id (the validate calls before it ask for no query).
    expect(queries).toEqual([`sys_idIN${first.sys_id}^ORDERBYsys_id`]);
    expect(await tasks()).toMatchObject([{ id: first.sys_id, status: 'closed', dedupeCount: 2 }]);
  });

  it('opens a new incident for the next matching alert once the first is closed', async () => {
    const sent = await t.cli(
      ['send', 'alerts-to-servicenow', '-d', '-', '--wait'],
      highAlertWithId('NS-48230'),
    );
    expect(sent.code, sent.stderr).toBe(0);
    expect(incidents()).toHaveLength(2);
    const second = incidents().find((r) => r.sys_id !== first.sys_id) as Record<string, unknown>;
    expect(runMessage(sent.stdout)).toBe(`created ${String(second.number)} (${link(String(second.sys_id))})`);
    expect(snow.workNotes.get(first.sys_id)).toHaveLength(1);
  });

  it('triggerhub tasks list alerts-to-servicenow shows the tasks with status and link', async () => {
    const listed = await t.cli(['tasks', 'list', 'alerts-to-servicenow']);
    expect(listed.code, listed.stderr).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TASK\s+STATUS\s+DEDUPE\s+ALERTS\s+UPDATED\s+LINK$/);
    const rows = lines.slice(1).map((l) => l.split(/\s+/));
    expect(rows).toHaveLength(2);
    expect(rows[0]?.slice(1, 4)).toEqual(['new', '1', 'NS-48230']);
    expect(rows[0]?.[0]).toMatch(/^INC\d+$/);
    expect(rows[1]).toEqual([
      first.number,
      'closed',
      '2',
      'NS-48220',
      '(+1)',
      expect.stringMatching(/^\d{4}-/),
      link(first.sys_id),
    ]);
  });
});
