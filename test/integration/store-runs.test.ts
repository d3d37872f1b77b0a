import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoRunStore } from '../../shared/store/dynamo-run-store.ts';
import { openShard } from '../../shared/store/keys.ts';
import { GSI1_NAME } from '../../shared/store/table-definition.ts';
import type { TestResources } from '../helpers/aws.ts';
import { freshResources } from '../helpers/aws.ts';
import { T0, finishOf, iso, line, makeRun } from '../contract/fixtures.ts';

// What every RunStore does is in test/contract/run-store.contract.ts (run against this
// adapter by store-contract-dynamo.test.ts); here: how runs are laid out in the table.
describe('DynamoRunStore', () => {
  let res: TestResources;
  let store: DynamoRunStore;

  beforeAll(async () => {
    res = await freshResources('store-runs');
    store = new DynamoRunStore({ client: res.clients.ddb, tableName: res.tableName, retentionDays: 30 });
  });

  describe('create', () => {
    it('stores a run that reads back equal, expiring retentionDays after its creation', async () => {
      // Prepare
      const run = makeRun('create-job', {
        deliveryId: 'd-1',
        event: {
          source: 'generic',
          trigger: 'webhook',
          deliveryId: 'd-1',
          receivedAt: iso(0),
          headers: { 'content-type': 'application/json' },
          query: {},
          payload: { hello: 'world', n: [1, 2, 3] },
        },
      });

      // Act
      await store.create(run);
      const read = await store.get(run.id);
      const { Item } = await res.clients.ddb.send(
        new GetCommand({ TableName: res.tableName, Key: { pk: `RUN#${run.id}`, sk: 'RUN' } }),
      );

      // Assess
      expect(read).toEqual(run);
      expect(Item).toMatchObject({ gsi1pk: 'JOB#create-job', gsi1sk: `RUN#${run.id}` });
      expect(Item?.expiresAt).toBe(T0 / 1000 + 30 * 86_400);
      // The event is JSON text: DynamoDB maps nest at most 32 levels, payloads may nest deeper.
      expect(typeof Item?.eventJson).toBe('string');
      expect(Item?.event).toBeUndefined();
    });

    it('round-trips an event nested deeper than DynamoDB maps allow', async () => {
      // Prepare
      let payload: unknown = 'leaf';
      for (let i = 0; i < 50; i++) payload = { [`k${i}`]: payload, '': i };
      const event = {
        source: 'generic' as const,
        trigger: 'webhook',
        deliveryId: 'd',
        receivedAt: iso(0),
        headers: {},
        query: {},
        payload,
      };
      const run = makeRun('deep-job', { event });

      // Act
      await store.create(run);

      // Assess
      expect((await store.get(run.id))?.event).toEqual(event);
    });
  });

  describe('log', () => {
    const rawItem = async (runId: string) =>
      (
        await res.clients.ddb.send(
          new GetCommand({ TableName: res.tableName, Key: { pk: `RUN#${runId}`, sk: 'RUN' } }),
        )
      ).Item;

    it('writes no attribute for an empty log, and the log as one JSON text when there is one', async () => {
      // Prepare
      const run = makeRun('log-job');
      await store.create(run);
      const created = await rawItem(run.id);
      await store.start(run.id, { startedAt: iso(1000), staleBefore: iso(1000) });

      // Act
      await store.finish(run.id, finishOf(1, { logs: [line('one'), line('two', 'WARN')] }));

      // Assess
      expect(Object.keys(created ?? {}).sort()).toEqual(
        [
          'pk',
          'sk',
          'gsi1pk',
          'gsi1sk',
          'gsi2pk',
          'gsi2sk',
          'id',
          'jobId',
          'source',
          'trigger',
          'mode',
          'status',
          'attempt',
          'createdAt',
          'expiresAt',
        ].sort(),
      );
      const finished = await rawItem(run.id);
      expect(finished?.logs).toBeUndefined();
      expect(JSON.parse(String(finished?.logsJson))).toEqual([line('one'), line('two', 'WARN')]);
      expect((await store.get(run.id))?.logs).toEqual([line('one'), line('two', 'WARN')]);
    });

    it('reads the `logs` list of a run written before logsJson, and a later write’s logsJson over it', async () => {
      // Prepare: an item as the previous writer left it (the log as a list of maps)
      const run = makeRun('old-log-job', { status: 'running', attempt: 1, startedAt: iso(1000) });
      await res.clients.ddb.send(
        new PutCommand({
          TableName: res.tableName,
          Item: {
            pk: `RUN#${run.id}`,
            sk: 'RUN',
            id: run.id,
            jobId: run.jobId,
            source: run.source,
            trigger: run.trigger,
            mode: run.mode,
            status: run.status,
            attempt: run.attempt,
            createdAt: run.createdAt,
            startedAt: run.startedAt,
            logs: [line('before the upgrade')],
          },
        }),
      );

      // Act
      const before = await store.get(run.id);
      await store.finish(run.id, finishOf(1, { logs: [line('before the upgrade'), line('after')] }));
      const after = await store.get(run.id);

      // Assess
      expect(before?.logs).toEqual([line('before the upgrade')]);
      expect(after?.logs).toEqual([line('before the upgrade'), line('after')]);
    });
  });

  describe('history index (gsi1)', () => {
    it('holds a run’s summary only: no event, output or log is copied to the index', async () => {
      // Prepare
      const run = makeRun('gsi1-job', {
        logs: [line('from ingest')],
        event: {
          source: 'generic',
          trigger: 'webhook',
          deliveryId: 'd-1',
          receivedAt: iso(0),
          headers: {},
          query: {},
          payload: { big: 'x'.repeat(2000) },
        },
      });
      await store.create(run);
      await store.start(run.id, { startedAt: iso(1000), staleBefore: iso(1000) });
      await store.finish(run.id, finishOf(1, { output: { ticket: 'SEC-1' } }));

      // Act: the index read raw, as listByJob reads it
      const { Items } = await res.clients.ddb.send(
        new QueryCommand({
          TableName: res.tableName,
          IndexName: GSI1_NAME,
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': 'JOB#gsi1-job' },
        }),
      );
      const { Item } = await res.clients.ddb.send(
        new GetCommand({ TableName: res.tableName, Key: { pk: `RUN#${run.id}`, sk: 'RUN' } }),
      );

      // Assess
      expect(Item).toHaveProperty('eventJson');
      expect(Item).toHaveProperty('outputJson');
      expect(Item).toHaveProperty('logsJson');
      expect(Items).toHaveLength(1);
      expect(Items?.[0]).toMatchObject({ id: run.id, status: 'succeeded', message: 'done' });
      expect(Object.keys(Items?.[0] ?? {}).sort()).toEqual(
        Object.keys(Item ?? {})
          .filter((name) => !['eventJson', 'outputJson', 'logsJson', 'expiresAt'].includes(name))
          .sort(),
      );
    });
  });

  describe('index of open runs (sparse gsi2)', () => {
    const item = async (runId: string) =>
      (
        await res.clients.ddb.send(
          new GetCommand({ TableName: res.tableName, Key: { pk: `RUN#${runId}`, sk: 'RUN' } }),
        )
      ).Item;

    it('files an open run under OPEN#<kind>#<shard> by when it last moved, in the same write that moves it, and drops it when finished', async () => {
      // Prepare
      const run = makeRun('index-job');
      const open = (kind: string) => `OPEN#${kind}#${openShard(run.id)}`;

      // Act
      await store.create(run);
      const created = await item(run.id);
      await store.markRequeued(run.id, iso(60_000));
      const requeued = await item(run.id);
      await store.start(run.id, { startedAt: iso(61_000), staleBefore: iso(61_000) });
      const started = await item(run.id);
      await store.release(run.id, { attempt: 1, error: 'transient' });
      const released = await item(run.id);
      await store.start(run.id, { startedAt: iso(62_000), staleBefore: iso(62_000) });
      await store.finish(run.id, finishOf(2));
      const finished = await item(run.id);

      // Assess
      expect(created).toMatchObject({ gsi2pk: open('queued'), gsi2sk: `${run.createdAt}#${run.id}` });
      expect(created).not.toHaveProperty('requeues');
      expect(requeued).toMatchObject({
        gsi2pk: open('queued'),
        gsi2sk: `${iso(60_000)}#${run.id}`,
        requeues: 1,
      });
      expect(started).toMatchObject({
        gsi2pk: open('running'),
        gsi2sk: `${iso(61_000)}#${run.id}`,
        requeues: 1,
      });
      expect(released).toMatchObject({ gsi2pk: open('queued'), gsi2sk: `${iso(61_000)}#${run.id}` });
      expect(finished).not.toHaveProperty('gsi2pk');
      expect(finished).not.toHaveProperty('gsi2sk');
      // The count is the table's own bookkeeping: never part of the run.
      expect(await store.get(run.id)).not.toHaveProperty('requeues');
    });

    it('files an open decision under OPEN#decision#<shard>', async () => {
      // Prepare
      const run = makeRun('index-decision-job', {
        mode: 'decision',
        status: 'running',
        attempt: 1,
        startedAt: iso(0),
      });

      // Act
      await store.create(run);

      // Assess
      expect(await item(run.id)).toMatchObject({
        gsi2pk: `OPEN#decision#${openShard(run.id)}`,
        gsi2sk: `${iso(0)}#${run.id}`,
      });
    });

    it('creates a finished run (a decision recorded at once) outside the index', async () => {
      // Prepare
      const run = makeRun('index-final-job', { status: 'succeeded', attempt: 1, startedAt: iso(0) });

      // Act
      await store.create(run);
      const Item = await item(run.id);

      // Assess
      expect(Item).toBeDefined();
      expect(Item).not.toHaveProperty('gsi2pk');
    });
  });
});
