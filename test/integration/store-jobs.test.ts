import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import { JobSchema } from '../../shared/model/index.ts';
import type { Job, JobInput } from '../../shared/model/index.ts';
import { DynamoJobStore } from '../../shared/store/dynamo-job-store.ts';
import type { TestResources } from '../helpers/aws.ts';
import { freshResources } from '../helpers/aws.ts';

const makeJob = (id: string, over: Partial<JobInput> = {}): Job =>
  JobSchema.parse({ id, name: `Job ${id}`, integration: 'echo', auth: { secret: 'demo' }, ...over });

describe('DynamoJobStore', () => {
  let res: TestResources;
  let store: DynamoJobStore;

  beforeAll(async () => {
    res = await freshResources('store-jobs');
    store = new DynamoJobStore({ client: res.clients.ddb, tableName: res.tableName });
  });

  it('creates, reads back, replaces and deletes a job', async () => {
    // Prepare
    const job = makeJob('crud', { params: { project: 'SEC', labels: ['a', 'b'] }, dedupeWindowSeconds: 60 });

    // Act
    const first = await store.put(job);
    const read = await store.get('crud');
    const second = await store.put({ ...job, name: 'Renamed', enabled: false });
    const replaced = await store.get('crud');
    const deleted = await store.delete('crud');
    const deletedAgain = await store.delete('crud');

    // Assess
    expect(first).toEqual({ created: true });
    expect(read).toEqual(job);
    expect(second).toEqual({ created: false });
    expect(replaced).toEqual({ ...job, name: 'Renamed', enabled: false });
    expect(deleted).toBe(true);
    expect(deletedAgain).toBe(false);
    expect(await store.get('crud')).toBeUndefined();
  });

  it('stores the job under its keys, and returns it without them', async () => {
    // Prepare
    await store.put(makeJob('keys'));

    // Act
    const { Item } = await res.clients.ddb.send(
      new GetCommand({ TableName: res.tableName, Key: { pk: 'JOB#keys', sk: 'JOB' } }),
    );
    const job = await store.get('keys');

    // Assess
    expect(Item).toMatchObject({ pk: 'JOB#keys', sk: 'JOB', gsi1pk: 'JOBS', gsi1sk: 'keys', id: 'keys' });
    expect(Object.keys(job ?? {})).not.toContain('pk');
    expect(Object.keys(job ?? {})).not.toContain('gsi1pk');
  });

  it('answers undefined for an unknown job', async () => {
    expect(await store.get('nope')).toBeUndefined();
  });

  it('lists jobs sorted by id, page by page', async () => {
    // Prepare: a table of its own, so that other tests' jobs do not show
    const own = await freshResources('store-jobs-list');
    const listed = new DynamoJobStore({ client: own.clients.ddb, tableName: own.tableName });
    for (const id of ['e-job', 'b-job', 'd-job', 'a-job', 'c-job']) await listed.put(makeJob(id));

    // Act
    const page1 = await listed.list({ limit: 2 });
    const page2 = await listed.list({ limit: 2, cursor: page1.nextCursor });
    const page3 = await listed.list({ limit: 2, cursor: page2.nextCursor });

    // Assess
    expect(page1.items.map((j) => j.id)).toEqual(['a-job', 'b-job']);
    expect(page2.items.map((j) => j.id)).toEqual(['c-job', 'd-job']);
    expect(page3.items.map((j) => j.id)).toEqual(['e-job']);
    expect(page1.nextCursor).toEqual(expect.any(String));
    expect(page3.nextCursor).toBeUndefined();
    expect(page1.items[0]).toEqual(makeJob('a-job'));
  });

  it('pages by 20 by default and by 100 at most', async () => {
    // Prepare
    const own = await freshResources('store-jobs-limit');
    const listed = new DynamoJobStore({ client: own.clients.ddb, tableName: own.tableName });
    await Promise.all(
      Array.from({ length: 21 }, (_, i) => listed.put(makeJob(`job-${String(i).padStart(2, '0')}`))),
    );

    // Act
    const byDefault = await listed.list();
    const huge = await listed.list({ limit: 1000 });

    // Assess
    expect(byDefault.items).toHaveLength(20);
    expect(byDefault.nextCursor).toEqual(expect.any(String));
    expect(huge.items).toHaveLength(21);
    expect(huge.nextCursor).toBeUndefined();
  });

  it('refuses a cursor that is not one of its own', async () => {
    // Prepare
    const garbage = 'not-a-cursor';
    const otherListing = Buffer.from(
      JSON.stringify({ pk: 'RUN#1', sk: 'RUN', gsi1pk: 'JOB#x', gsi1sk: 'RUN#1' }),
    ).toString('base64url');
    const extraField = Buffer.from(
      JSON.stringify({ pk: 'JOB#a', sk: 'JOB', gsi1pk: 'JOBS', gsi1sk: 'a', admin: true }),
    ).toString('base64url');

    // Act + Assess
    await expect(store.list({ cursor: garbage })).rejects.toThrow(ValidationError);
    await expect(store.list({ cursor: otherListing })).rejects.toThrow('invalid cursor');
    await expect(store.list({ cursor: extraField })).rejects.toThrow('invalid cursor');
    await expect(store.list({ limit: 0 })).rejects.toThrow(ValidationError);
  });
});
