import { lazy, minLength, object, string } from './zod.ts';
import { ValidationError } from '../errors.ts';

/** What travels on the queue: ids only, the run carries the rest. */
export interface RunMessage {
  runId: string;
  jobId: string;
}

const RunMessageSchema = lazy(() =>
  object({ runId: string().check(minLength(1)), jobId: string().check(minLength(1)) }),
);

/**
 * Parses a queue message body into a RunMessage; throws ValidationError
 * (the worker reports such a message as failed rather than retrying it forever).
 */
export const parseRunMessage = (body: string): RunMessage => {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new ValidationError('queue message is not JSON', 'invalid_message');
  }
  const parsed = RunMessageSchema.safeParse(json);
  if (!parsed.success) throw new ValidationError('queue message is not a run message', 'invalid_message');
  return { runId: parsed.data.runId, jobId: parsed.data.jobId };
};
