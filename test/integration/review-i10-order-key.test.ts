// Review of issue 10: a SecureChange ticket id is text from the posted XML. The order key made
// of it goes into the turn's sort key (DynamoDB: at most 1024 bytes): it must be bounded in
// bytes, not in UTF-16 characters, or a ticket id of multi-byte characters fails the ingest.
import { describe, expect, it } from 'vitest';
import { JobSchema } from '../../shared/model/index.ts';
import { DynamoTurnStore } from '../../shared/store/dynamo-turn-store.ts';
import { orderKeyOf } from '../../shared/tickets/order-key.ts';
import { freshTable } from '../helpers/aws.ts';
import { webhookEvent } from '../helpers/runs.ts';
import { makeJob } from '../helpers/samples.ts';

const RUN = '01JABCDEFGHJKMNPQRSTVWXYZ0';

describe('order key of a hostile SecureChange ticket id', () => {
  it('fits a turn’s sort key whatever characters the ticket id is made of', async () => {
    // Prepare
    const job = JobSchema.parse(makeJob({ source: 'securechange' }));
    const event = webhookEvent({
      source: 'securechange',
      trigger: 'ADVANCE',
      ticket: { id: '票'.repeat(600) },
    });
    const turns = new DynamoTurnStore(await freshTable('turns'));

    // Act
    const key = orderKeyOf(job, event);
    if (key === undefined) throw new Error('expected an order key');
    await turns.enter(job.id, key, RUN, new Date(Date.now() + 86_400_000).toISOString());

    // Assess
    expect(Buffer.byteLength(key, 'utf8')).toBeLessThanOrEqual(512);
    expect(await turns.head(job.id, key, 2)).toEqual([RUN]);
  });

  it('keeps two long ids that differ only at their end apart', () => {
    const job = JobSchema.parse(makeJob({ source: 'securechange' }));
    const keyOf = (id: string) =>
      orderKeyOf(job, webhookEvent({ source: 'securechange', trigger: 'ADVANCE', ticket: { id } }));
    expect(keyOf(`${'x'.repeat(600)}a`)).not.toBe(keyOf(`${'x'.repeat(600)}b`));
  });
});
