import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError } from '../errors.ts';
import { storeError } from './errors.ts';
import type { TableKey } from './keys.ts';
import { JOB_PK_PREFIX } from './keys.ts';

/** BatchGetItem takes at most 100 keys a call. */
const BATCH_GET_MAX = 100;
/** Rounds of a BatchGetItem's unprocessed keys followed at most (throttling): a bound, not a limit. */
const MAX_BATCH_ROUNDS = 5;

/** The job a per-job item belongs to, from its partition key (`JOB#<jobId>`). */
export const jobIdOfPk = (pk: unknown): string | undefined =>
  typeof pk === 'string' && pk.startsWith(JOB_PK_PREFIX) ? pk.slice(JOB_PK_PREFIX.length) : undefined;

/**
 * The items at `keys` that exist, read with one BatchGetItem per 100 keys
 * (eventually consistent: for display, the jobs grid). Keys DynamoDB leaves
 * unprocessed (throttled reads) are asked again after a short, growing pause;
 * still unprocessed after {@link MAX_BATCH_ROUNDS} rounds → ServiceUnavailableError.
 * `projection`: only these attributes (with `#name` placeholders in `names`).
 */
export const batchGetItems = async (
  ddb: DynamoDBDocumentClient,
  table: string,
  keys: readonly TableKey[],
  operation: string,
  projection?: { expression: string; names: Record<string, string> },
): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_MAX) {
    let pending: Record<string, unknown>[] = keys.slice(i, i + BATCH_GET_MAX).map((k) => ({ ...k }));
    for (let round = 0; pending.length > 0; round++) {
      if (round === MAX_BATCH_ROUNDS) {
        throw new ServiceUnavailableError(
          `store unavailable (${operation}): ${pending.length} keys left unprocessed`,
        );
      }
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** round));
      let output;
      try {
        output = await ddb.send(
          new BatchGetCommand({
            RequestItems: {
              [table]: {
                Keys: pending,
                ...(projection === undefined
                  ? {}
                  : {
                      ProjectionExpression: projection.expression,
                      ExpressionAttributeNames: projection.names,
                    }),
              },
            },
          }),
        );
      } catch (e) {
        throw storeError(e, operation);
      }
      items.push(...(output.Responses?.[table] ?? []));
      pending = output.UnprocessedKeys?.[table]?.Keys ?? [];
    }
  }
  return items;
};
