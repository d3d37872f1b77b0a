import { describe, expect, it } from 'vitest';
import { createAdminDeps } from '../../functions/admin/deps.ts';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { JobSchema } from '../../shared/model/index.ts';
import type { StoredTask, TaskStatus } from '../../shared/model/index.ts';
import { useFixedAwsCredentials } from '../helpers/aws-credentials.ts';
import { freshResources, resourcesConfig } from '../helpers/aws.ts';

useFixedAwsCredentials();

/**
 * `GET /admin/jobs/{id}/tasks` through the admin function's own wiring
 * (DynamoTaskStore on dynalite): newest first, the table's opaque cursor
 * passed back page by page, the status filter, and the job's tasks only.
 */
const task = (id: string, status: TaskStatus, minute: number): StoredTask => {
  const at = new Date(Date.UTC(2026, 10, 22, 8, minute)).toISOString();
  return {
    id,
    status,
    link: `https://acme.atlassian.net/browse/${id}`,
    dedupeKey: `key-${id}`,
    dedupeCount: 1,
    alertIds: [`alert-${id}`],
    queue: '10000:Task',
    createdAt: at,
    updatedAt: at,
  };
};

describe('GET /admin/jobs/{id}/tasks on DynamoDB', () => {
  it('pages newest first with the cursor, filters by status, and keeps to the job', async () => {
    // Prepare
    const res = await freshResources('tasks-route');
    const deps = createAdminDeps(resourcesConfig(res));
    await deps.jobs.put(
      JobSchema.parse({
        id: 'alerts',
        name: 'Alerts',
        integration: 'log-event',
        auth: { secret: 'demo' },
      }),
    );
    for (let i = 1; i <= 5; i++)
      await deps.tasks.put('alerts', task(`SEC-${i}`, i === 2 ? 'closed' : 'new', i));
    await deps.tasks.put('other', task('OTHER-1', 'new', 30));
    const app = createAdminApp(deps);
    const get = async (path: string) => {
      const r = await app.request(path);
      return { status: r.status, body: (await r.json()) as { items: StoredTask[]; nextCursor?: string } };
    };

    // Act
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await get(
        `/admin/jobs/alerts/tasks?limit=2${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((t) => t.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor !== undefined && pages < 10);
    const open = await get('/admin/jobs/alerts/tasks?status=new');
    const closed = await get('/admin/jobs/alerts/tasks?status=closed');
    const unknown = await app.request('/admin/jobs/nope/tasks');

    // Assess
    expect(seen).toEqual(['SEC-5', 'SEC-4', 'SEC-3', 'SEC-2', 'SEC-1']);
    expect(open.body.items.map((t) => t.id)).toEqual(['SEC-5', 'SEC-4', 'SEC-3', 'SEC-1']);
    expect(closed.body.items).toEqual([
      {
        id: 'SEC-2',
        status: 'closed',
        link: 'https://acme.atlassian.net/browse/SEC-2',
        dedupeKey: 'key-SEC-2',
        dedupeCount: 1,
        alertIds: ['alert-SEC-2'],
        queue: '10000:Task',
        createdAt: '2026-11-22T08:02:00.000Z',
        updatedAt: '2026-11-22T08:02:00.000Z',
      },
    ]);
    expect(unknown.status).toBe(404);
  });
});
