import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Deps } from '../../shared/runtime/deps.ts';
import { platformLogger } from '../../shared/runtime/platform-logger.ts';
import { processRunMessage } from '../../shared/runtime/worker.ts';

/**
 * The worker's SQS batch handler: each record is one run; failed records are
 * reported as batch item failures so only they are retried.
 */
export const createWorkerHandler = (deps: Deps) => {
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = (record: SQSRecord): Promise<void> =>
    processRunMessage(deps, {
      body: record.body,
      receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1,
      receiptHandle: record.receiptHandle,
    });
  return (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    platformLogger.addContext(context);
    return processPartialResponse(event, recordHandler, processor, {
      context,
      throwOnFullBatchFailure: false,
    });
  };
};
