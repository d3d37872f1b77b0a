import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { JobSchema } from '../../shared/model/index.ts';
import type { StoredTask, TaskStatus } from '../../shared/model/index.ts';
import { emptyCliFolder, runCli } from '../helpers/cli.ts';
import { fakeTicketIntegration, ticketJobBody } from '../helpers/fake-ticket-integration.ts';
import type { FakeTarget } from '../helpers/fake-ticket-integration.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';

/** The secrets of `ticketJobBody`, where the CLI's local secret store finds them. */
const CLI_SECRETS = { TRIGGERHUB_SECRET_DEMO: 'x', TRIGGERHUB_SECRET_TICKETS_TOKEN: 'x' };

/** The CLI against the real admin app over memory ports, every request recorded. */
const stack = (): {
  deps: MemoryDeps;
  target: FakeTarget;
  /** The CLI's own secret store (what `jobs apply` checks) holds the job's secrets unless `env` says otherwise. */
  cli: (args: string[], cwd?: string, env?: Record<string, string>) => ReturnType<typeof runCli>;
  requests: string[];
} => {
  const { integration, target } = fakeTicketIntegration();
  const deps = memoryDeps({
    integrations: [integration],
    secrets: { demo: ['s3cr3t-value'], 'tickets-token': ['tok-cli-very-secret'] },
  });
  const app = createAdminApp(deps);
  const requests: string[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    requests.push(`${request.method} ${url.pathname}${url.search}`);
    return app.fetch(request);
  };
  return {
    deps,
    target,
    requests,
    cli: (args, cwd, env = CLI_SECRETS) =>
      runCli(args, { fetch, env, ...(cwd === undefined ? {} : { cwd }) }),
  };
};

const task = (id: string, status: TaskStatus, minute: number, alertIds = [`a-${id}`]): StoredTask => ({
  id,
  status,
  link: `https://acme.atlassian.net/browse/${id}`,
  dedupeKey: `k-${id}`,
  dedupeCount: alertIds.length,
  alertIds,
  queue: '10000:Task',
  createdAt: new Date(Date.UTC(2026, 10, 22, 8, minute)).toISOString(),
  updatedAt: new Date(Date.UTC(2026, 10, 22, 9, minute)).toISOString(),
});

describe('triggerhub tasks list', () => {
  it('prints TASK STATUS DEDUPE ALERTS UPDATED LINK, newest first, and the API page with --json', async () => {
    // Prepare
    const { deps, cli } = stack();
    await deps.jobs.put(JobSchema.parse({ id: 'alerts', ...ticketJobBody() }));
    await deps.tasks.put('alerts', task('SEC-1', 'closed', 1));
    await deps.tasks.put('alerts', task('SEC-2', 'new', 2, ['a-1', 'a-2', 'a-3']));

    // Act
    const table = await cli(['tasks', 'list', 'alerts']);
    const json = await cli(['--json', 'tasks', 'list', 'alerts']);

    // Assess
    expect(table.code).toBe(0);
    expect(table.stderr).toBe('');
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^TASK +STATUS +DEDUPE +ALERTS +UPDATED +LINK$/);
    expect(lines[1]).toMatch(
      /^SEC-2 +new +3 +a-3 \(\+2\) +2026-11-22T09:02:00\.000Z +https:\/\/acme\.atlassian\.net\/browse\/SEC-2$/,
    );
    expect(lines[2]).toMatch(/^SEC-1 +closed +1 +a-SEC-1 +2026-11-22T09:01:00\.000Z +https:\/\/.*SEC-1$/);
    expect(JSON.parse(json.stdout)).toEqual({
      items: [
        expect.objectContaining({ id: 'SEC-2', dedupeCount: 3 }),
        expect.objectContaining({ id: 'SEC-1' }),
      ],
    });
  });

  it('pages with --status, --limit and --cursor, printing the next page’s command', async () => {
    // Prepare
    const { deps, cli, requests } = stack();
    for (let i = 1; i <= 3; i++) await deps.tasks.put('alerts', task(`SEC-${i}`, 'new', i));
    await deps.tasks.put('alerts', task('SEC-9', 'closed', 9));

    // Act
    const first = await cli(['tasks', 'list', 'alerts', '--status', 'new', '--limit', '2']);
    const cursor = /--cursor (\S+)/.exec(first.stdout)?.[1] ?? '';
    const second = await cli([
      'tasks',
      'list',
      'alerts',
      '--status',
      'new',
      '--limit',
      '2',
      '--cursor',
      cursor,
    ]);

    // Assess
    expect(first.stdout).toContain(
      `More results: triggerhub tasks list alerts --status new --limit 2 --cursor ${cursor}`,
    );
    expect(first.stdout).toContain('SEC-3');
    expect(first.stdout).toContain('SEC-2');
    expect(second.stdout).toContain('SEC-1');
    expect(second.stdout).not.toContain('SEC-9');
    expect(second.stdout).not.toContain('More results');
    expect(requests).toContain('GET /admin/jobs/alerts/tasks?status=new&limit=2');
  });

  it('says so when there are none, exits 1 for an unknown job, and 2 for a status that is none', async () => {
    // Prepare
    const { deps, cli } = stack();
    await deps.jobs.put(JobSchema.parse({ id: 'alerts', ...ticketJobBody() }));

    // Act
    const none = await cli(['tasks', 'list', 'alerts', '--status', 'closed']);
    const unknown = await cli(['tasks', 'list', 'nope']);
    const badStatus = await cli(['tasks', 'list', 'alerts', '--status', 'open']);

    // Assess
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('No tasks of alerts in status closed.\n');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('job_not_found');
    expect(badStatus.code).toBe(2);
  });

  it('shows a task’s human key in TASK (a ServiceNow incident number), and both with --json', async () => {
    // Prepare
    const { deps, cli } = stack();
    const sysId = 'cdbdfbc0c3a03210f0b8f5ec05013175';
    await deps.tasks.put('alerts', { ...task(sysId, 'new', 1), key: 'INC0010002' });

    // Act
    const table = await cli(['tasks', 'list', 'alerts']);
    const json = await cli(['--json', 'tasks', 'list', 'alerts']);

    // Assess
    expect(table.stdout.split('\n')[1]).toMatch(/^INC0010002 +new +/);
    expect(table.stdout).not.toMatch(new RegExp(`^${sysId}`, 'm'));
    expect(JSON.parse(json.stdout)).toEqual({
      items: [expect.objectContaining({ id: sysId, key: 'INC0010002' })],
    });
  });

  it('fails (exit 1, not_a_ticket_job) for a job without tickets', async () => {
    // Prepare
    const { deps, cli } = stack();
    await deps.jobs.put(
      JobSchema.parse({ id: 'demo', name: 'Demo', integration: 'log-event', auth: { secret: 'demo' } }),
    );

    // Act
    const out = await cli(['tasks', 'list', 'demo']);

    // Assess
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('not_a_ticket_job');
  });

  it('--help names the columns and the options', async () => {
    // Act
    const help = await runCli(['tasks', 'list', '--help']);

    // Assess
    expect(help.code).toBe(0);
    for (const text of ['--status', '"in_progress"', '"deleted"', '--limit', '--cursor', 'DEDUPE']) {
      expect(help.stdout).toContain(text);
    }
  });
});

/** A folder holding `alerts.json`: the job `alerts` with this body. */
const writeJob = (body: Record<string, unknown>): { cwd: string } => {
  const cwd = emptyCliFolder();
  writeFileSync(join(cwd, 'alerts.json'), JSON.stringify({ id: 'alerts', ...body }));
  return { cwd };
};

describe('triggerhub jobs apply and ticket jobs', () => {
  it("prints the target's refusal and applies nothing; --no-verify applies without asking the target", async () => {
    // Prepare
    const { deps, target, cli, requests } = stack();
    target.validate = () => ({ success: false, message: 'the API token is wrong', param: 'apiToken' });
    // No rule: the rule check (the tickets core's) is not what this is about.
    const { cwd } = writeJob(ticketJobBody({ tickets: { queue: '10000:Task' } }));

    // Act
    const refused = await cli(['jobs', 'apply', 'alerts.json'], cwd);
    const storedAfterRefusal = await deps.jobs.get('alerts');
    const applied = await cli(['jobs', 'apply', 'alerts.json', '--no-verify'], cwd);

    // Assess
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'error: alerts: fake-tickets: the API token is wrong (parameter apiToken) (HTTP 400 ticket_validation_failed)',
    );
    expect(storedAfterRefusal).toBeUndefined();
    // (stderr in the comparison: it says why, should it fail)
    expect({ code: applied.code, stderr: applied.stderr }).toEqual({
      code: 0,
      stderr: expect.not.stringContaining('error'),
    });
    expect(applied.stdout).toContain('created  alerts');
    expect(target.calls.validate).toBe(1);
    expect(requests.filter((r) => r.startsWith('PUT '))).toEqual([
      'PUT /admin/jobs/alerts',
      'PUT /admin/jobs/alerts?verify=false',
    ]);
  });

  it('refuses a ticket job whose secret does not exist with one error (no warning first); --no-verify applies it with the warning', async () => {
    // Prepare: the CLI's store has the webhook secret, not the token's
    const { deps, target, cli, requests } = stack();
    const { cwd } = writeJob(ticketJobBody({ tickets: { queue: '10000:Task' } }));
    const env = { TRIGGERHUB_SECRET_DEMO: 'x' };

    // Act
    const refused = await cli(['jobs', 'apply', 'alerts.json'], cwd, env);
    const storedAfterRefusal = await deps.jobs.get('alerts');
    const applied = await cli(['jobs', 'apply', 'alerts.json', '--no-verify'], cwd, env);

    // Assess
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `error: alerts: secret "tickets-token" does not exist (${join('.triggerhub', 'secrets', 'tickets-token')}); ` +
        'create it with: triggerhub secrets set tickets-token (a ticket job is checked with its target, ' +
        'which needs it; --no-verify applies it without the check)\n' +
        'error: 1 of 1 jobs not applied: alerts\n',
    );
    expect(storedAfterRefusal).toBeUndefined();
    expect(applied.code).toBe(0);
    expect(applied.stderr).toMatch(/^warning: job alerts: secret "tickets-token" does not exist/);
    expect(applied.stdout).toContain('created  alerts');
    expect(target.calls.validate).toBe(0);
    expect(requests.filter((r) => r.startsWith('PUT '))).toEqual(['PUT /admin/jobs/alerts?verify=false']);
  });

  it('--help tells of --no-verify', async () => {
    // Act
    const help = await runCli(['jobs', 'apply', '--help']);

    // Assess
    expect(help.stdout).toContain('--no-verify');
    expect(help.stdout).toContain('checked by the stack with its target');
    expect(help.stdout).toContain('a ticket job whose secret does not exist is not\napplied');
  });
});

describe('triggerhub jobs list and a ticket job', () => {
  it('shows a ticket job’s tickets.sync as its schedule', async () => {
    // Prepare
    const { cli } = stack();
    const { cwd } = writeJob(ticketJobBody({ tickets: { queue: 'q', sync: { every: 15 } } }));
    await cli(['jobs', 'apply', 'alerts.json', '--no-verify'], cwd);

    // Act
    const list = await cli(['jobs', 'list']);

    // Assess
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[1]).toMatch(/^alerts +every 15 minutes +/);
  });
});
