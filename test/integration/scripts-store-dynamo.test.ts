import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { S3PayloadStore } from '../../shared/payloads/s3-payload-store.ts';
import { DynamoScriptStore } from '../../shared/store/dynamo-script-store.ts';
import { scriptHeadKey, scriptVersionKey } from '../../shared/store/keys.ts';
import { freshTable, testClients } from '../helpers/aws.ts';

const at = '2026-11-22T10:00:00.000Z';

/** The adapter on its own table and bucket (dynalite, fauxqs's S3), and raw access to both. */
const setup = async () => {
  const table = await freshTable('scripts');
  const { s3 } = testClients();
  const bucket = `scripts-${randomBytes(6).toString('hex')}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const store = new DynamoScriptStore({ ...table, payloads: new S3PayloadStore({ client: s3, bucket }) });
  const item = async (key: { pk: string; sk: string }) =>
    (await table.client.send(new GetCommand({ TableName: table.tableName, Key: key }))).Item;
  return { store, table, item };
};

describe('DynamoScriptStore on dynalite and S3', () => {
  it('keeps the source out of the table: the items hold its hash, size and where it is', async () => {
    // Prepare
    const { store, item } = await setup();
    const source = `// ${'x'.repeat(500_000)}\nmodule.exports = { run: async () => 'big' };\n`;

    // Act: larger than any DynamoDB item may be
    const v1 = await store.put('big', source, { by: 'local', at });

    // Assess
    expect(await store.source('big', 1)).toBe(source);
    const head = await item(scriptHeadKey('big'));
    const version = await item(scriptVersionKey('big', 1));
    expect(JSON.stringify(head).length).toBeLessThan(1000);
    expect(version).toMatchObject({
      sha256: v1.sha256,
      bytes: v1.bytes,
      sourceRef: expect.stringMatching(/^s3:\/\//),
    });
    expect(head).toMatchObject({ latestVersion: 1, gsi1pk: 'SCRIPTS', gsi1sk: 'big' });
  });

  it('serves a version whose item an upload never wrote (it crashed after the head) from the head, and the next upload writes it', async () => {
    // Prepare: as if the upload of v2 died between its head write and its version item
    const { store, table, item } = await setup();
    await store.put('sync', 'module.exports = { run: async () => 1 };', { by: 'alice', at });
    const v2 = await store.put('sync', 'module.exports = { run: async () => 2 };', { by: 'bob', at });
    await table.client.send(
      new DeleteCommand({ TableName: table.tableName, Key: scriptVersionKey('sync', 2) }),
    );

    // Act
    const read = await store.get('sync', 2);
    const source = await store.source('sync', 2);
    await store.put('sync', 'module.exports = { run: async () => 3 };', { by: 'carol', at });

    // Assess
    expect(read).toEqual(v2);
    expect(source).toBe('module.exports = { run: async () => 2 };');
    expect(await item(scriptVersionKey('sync', 2))).toBeDefined();
    expect((await store.versions('sync')).items.map((v) => [v.version, v.uploadedBy])).toEqual([
      [3, 'carol'],
      [2, 'bob'],
      [1, 'alice'],
    ]);
  });
});
