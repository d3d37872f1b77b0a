import { describe, expect, it } from 'vitest';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { TICKET_CACHE_MS } from '../../shared/http/admin/ticket-routes.ts';
import { JobSchema } from '../../shared/model/index.ts';
import type { StoredTask, TaskStatus } from '../../shared/model/index.ts';
import { makeJob } from '../contract/fixtures.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';
import { fakeTicketIntegration, ticketJobBody } from '../helpers/fake-ticket-integration.ts';
import type { FakeTarget } from '../helpers/fake-ticket-integration.ts';

const TOKEN = 'tok-77c1-very-secret-value';

const setUp = async (): Promise<{
  deps: MemoryDeps;
  clock: FakeClock;
  target: FakeTarget;
  get: (path: string) => Promise<Response>;
}> => {
  const { integration, target } = fakeTicketIntegration();
  const clock = new FakeClock();
  const deps = memoryDeps({
    integrations: [integration],
    clock,
    secrets: { demo: ['s3cr3t-value'], 'tickets-token': [TOKEN] },
  });
  await deps.jobs.put(
    JobSchema.parse({ id: 'alerts', ...ticketJobBody(), updatedAt: '2026-11-22T09:00:00.000Z' }),
  );
  await deps.jobs.put(makeJob('plain', { integration: 'log-event' }));
  const app = createAdminApp(deps);
  return { deps, clock, target, get: async (path) => app.request(path) };
};

const task = (id: string, status: TaskStatus, createdAt: string): StoredTask => ({
  id,
  status,
  link: `https://tickets.example.com/browse/${id}`,
  dedupeKey: `k-${id}`,
  dedupeCount: 1,
  alertIds: [`a-${id}`],
  queue: '10000:Task',
  createdAt,
  updatedAt: createdAt,
});

describe('GET /admin/jobs/{id}/queues, /fields, /default-mappings', () => {
  it("answers the plugin's queues, fields (for the job's queue by default) and default mappings", async () => {
    // Prepare
    const { target, get } = await setUp();

    // Act
    const queues = await get('/admin/jobs/alerts/queues');
    const fields = await get('/admin/jobs/alerts/fields');
    const otherFields = await get('/admin/jobs/alerts/fields?queue=10001%3ABug');
    const mappings = await get('/admin/jobs/alerts/default-mappings');

    // Assess
    expect(queues.status).toBe(200);
    expect(await queues.json()).toEqual({ items: [{ label: 'Security / Task', value: '10000:Task' }] });
    expect(await fields.json()).toEqual({
      items: [{ label: 'Summary', value: 'summary', type: 'string', required: true }],
    });
    expect(otherFields.status).toBe(200);
    expect(target.calls.getAvailableFields).toEqual(['10000:Task', '10001:Bug']);
    expect(await mappings.json()).toEqual({ items: [{ field: 'summary', value: '$alertName' }] });
    // the plugin saw the token resolved from the secret store
    expect(target.seenParams).toEqual([{ url: 'https://tickets.example.com', apiToken: TOKEN }]);
  });

  it('serves a second call from the cache for 60 s, and asks again after, or once the job changed', async () => {
    // Prepare
    const { deps, clock, target, get } = await setUp();

    // Act
    await get('/admin/jobs/alerts/queues');
    clock.advance(TICKET_CACHE_MS - 1);
    const cached = await get('/admin/jobs/alerts/queues');
    const callsWhileCached = target.calls.getQueues;
    clock.advance(1);
    await get('/admin/jobs/alerts/queues');
    const callsAfterExpiry = target.calls.getQueues;
    const job = await deps.jobs.get('alerts');
    if (job === undefined) throw new Error('job gone');
    await deps.jobs.put({ ...job, updatedAt: '2026-11-22T10:30:00.000Z' });
    await get('/admin/jobs/alerts/queues');

    // Assess
    expect(cached.status).toBe(200);
    expect(await cached.json()).toEqual({ items: [{ label: 'Security / Task', value: '10000:Task' }] });
    expect(callsWhileCached).toBe(1);
    expect(callsAfterExpiry).toBe(2);
    expect(target.calls.getQueues).toBe(3);
  });

  it('caches fields per queue', async () => {
    // Prepare
    const { target, get } = await setUp();

    // Act
    await get('/admin/jobs/alerts/fields?queue=a');
    await get('/admin/jobs/alerts/fields?queue=b');
    await get('/admin/jobs/alerts/fields?queue=a');

    // Assess
    expect(target.calls.getAvailableFields).toEqual(['a', 'b']);
  });

  it('answers a target failure with 502 target_error and its reason, the token redacted, and caches nothing', async () => {
    // Prepare
    const { target, get } = await setUp();
    target.queues = () => {
      throw new Error(`HTTP 503 from tickets.example.com (sent Basic ${TOKEN})`);
    };

    // Act
    const res = await get('/admin/jobs/alerts/queues');
    const text = await res.text();
    target.queues = () => [{ label: 'Back', value: 'b' }];
    const again = await get('/admin/jobs/alerts/queues');

    // Assess
    expect(res.status).toBe(502);
    expect(JSON.parse(text)).toMatchObject({
      error: 'target_error',
      message: expect.stringContaining('fake-tickets: HTTP 503 from tickets.example.com'),
    });
    expect(text).not.toContain(TOKEN);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ items: [{ label: 'Back', value: 'b' }] });
  });

  it('answers 404 job_not_found for an unknown job and 400 not_a_ticket_job for a job of another integration', async () => {
    // Prepare
    const { target, get } = await setUp();

    // Act
    const unknown = await get('/admin/jobs/nope/queues');
    const plain = await get('/admin/jobs/plain/fields');
    const badId = await get('/admin/jobs/Not%20An%20Id/default-mappings');

    // Assess
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'job_not_found' });
    expect(plain.status).toBe(400);
    expect(await plain.json()).toMatchObject({ error: 'not_a_ticket_job' });
    expect(badId.status).toBe(400);
    expect(target.calls.getQueues + target.calls.getDefaultMappings).toBe(0);
  });

  it('answers 400 invalid_params when the job’s token secret is gone, without calling the target', async () => {
    // Prepare
    const { deps, target, get } = await setUp();
    delete deps.secrets.values['tickets-token'];

    // Act
    const res = await get('/admin/jobs/alerts/queues');

    // Assess
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_params' });
    expect(target.calls.getQueues).toBe(0);
  });
});

describe('GET /admin/jobs/{id}/tasks', () => {
  it('lists the tasks newest first, page by page, and by status', async () => {
    // Prepare
    const { deps, get } = await setUp();
    await deps.tasks.put('alerts', task('SEC-1', 'closed', '2026-11-22T08:00:00.000Z'));
    await deps.tasks.put('alerts', task('SEC-2', 'new', '2026-11-22T08:01:00.000Z'));
    await deps.tasks.put('alerts', {
      ...task('SEC-3', 'new', '2026-11-22T08:02:00.000Z'),
      syncedAt: '2026-11-22T08:03:00.000Z',
    });
    await deps.tasks.put('other', task('X-1', 'new', '2026-11-22T08:05:00.000Z'));

    // Act
    const first = await get('/admin/jobs/alerts/tasks?limit=2');
    const firstBody = (await first.json()) as { items: StoredTask[]; nextCursor?: string };
    const second = await get(
      `/admin/jobs/alerts/tasks?limit=2&cursor=${encodeURIComponent(firstBody.nextCursor ?? '')}`,
    );
    const open = await get('/admin/jobs/alerts/tasks?status=new');

    // Assess
    expect(first.status).toBe(200);
    expect(firstBody.items.map((t) => t.id)).toEqual(['SEC-3', 'SEC-2']);
    expect(firstBody.items[0]).toEqual({
      id: 'SEC-3',
      status: 'new',
      link: 'https://tickets.example.com/browse/SEC-3',
      dedupeKey: 'k-SEC-3',
      dedupeCount: 1,
      alertIds: ['a-SEC-3'],
      queue: '10000:Task',
      createdAt: '2026-11-22T08:02:00.000Z',
      updatedAt: '2026-11-22T08:02:00.000Z',
      syncedAt: '2026-11-22T08:03:00.000Z',
    });
    expect(firstBody.nextCursor).toBeDefined();
    expect(await second.json()).toEqual({
      items: [expect.objectContaining({ id: 'SEC-1', status: 'closed' })],
    });
    expect(((await open.json()) as { items: StoredTask[] }).items.map((t) => t.id)).toEqual([
      'SEC-3',
      'SEC-2',
    ]);
  });

  it('answers a task’s human key beside its id (a ServiceNow incident number)', async () => {
    // Prepare
    const { deps, get } = await setUp();
    const sysId = 'cdbdfbc0c3a03210f0b8f5ec05013175';
    await deps.tasks.put('alerts', { ...task(sysId, 'new', '2026-11-22T08:00:00.000Z'), key: 'INC0010002' });

    // Act
    const res = await get('/admin/jobs/alerts/tasks');

    // Assess
    expect(await res.json()).toEqual({
      items: [expect.objectContaining({ id: sysId, key: 'INC0010002' })],
    });
  });

  it('answers 400 not_a_ticket_job for a job without tickets that has no tasks', async () => {
    // Prepare
    const { get } = await setUp();

    // Act
    const res = await get('/admin/jobs/plain/tasks');

    // Assess
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'not_a_ticket_job' });
  });

  it('takes 25 a page by default', async () => {
    // Prepare
    const { deps, get } = await setUp();
    for (let i = 0; i < 30; i++) {
      await deps.tasks.put(
        'alerts',
        task(`SEC-${i}`, 'new', new Date(Date.UTC(2026, 10, 22, 8, i)).toISOString()),
      );
    }

    // Act
    const res = await get('/admin/jobs/alerts/tasks');

    // Assess
    const body = (await res.json()) as { items: StoredTask[]; nextCursor?: string };
    expect(body.items).toHaveLength(25);
    expect(body.nextCursor).toBeDefined();
  });

  it('answers 400 invalid_status / invalid_limit, 404 job_not_found for an unknown job, [] for a job without tasks', async () => {
    // Prepare
    const { deps, get } = await setUp();

    // Act
    const status = await get('/admin/jobs/alerts/tasks?status=open');
    const zero = await get('/admin/jobs/alerts/tasks?limit=0');
    const big = await get('/admin/jobs/alerts/tasks?limit=101');
    const unknown = await get('/admin/jobs/nope/tasks');
    const empty = await get('/admin/jobs/alerts/tasks');
    await deps.tasks.put('deleted-job', task('SEC-9', 'new', '2026-11-22T08:00:00.000Z'));
    const orphan = await get('/admin/jobs/deleted-job/tasks');

    // Assess
    expect(status.status).toBe(400);
    expect(await status.json()).toMatchObject({ error: 'invalid_status' });
    expect(zero.status).toBe(400);
    expect(await zero.json()).toMatchObject({ error: 'invalid_limit' });
    expect(big.status).toBe(400);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'job_not_found' });
    expect(await empty.json()).toEqual({ items: [] });
    // a deleted job's tasks stay listed
    expect(orphan.status).toBe(200);
  });
});
