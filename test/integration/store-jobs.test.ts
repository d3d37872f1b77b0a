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

// What every JobStore does is in test/contract/job-store.contract.ts (run against this
// adapter by store-contract-dynamo.test.ts); here: how it lays jobs out in the table.
describe('DynamoJobStore', () => {
  let res: TestResources;
  let store: DynamoJobStore;

  beforeAll(async () => {
    res = await freshResources('store-jobs');
    store = new DynamoJobStore({ client: res.clients.ddb, tableName: res.tableName });
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

  it('refuses a cursor that names another listing’s keys, or more than keys', async () => {
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
