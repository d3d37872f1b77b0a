import { PermanentError } from '../../shared/errors.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';

/** Whether the target is down, retryably or permanently; and how often it was called. */
export interface FlakyWorld {
  retryableDown: boolean;
  permanentDown: boolean;
  calls: number;
}

/**
 * The `flaky-target` integration: fails while `world` says the target is down —
 * retryably (a plain error), or, for a job with `permanent: true`, permanently
 * — and delivers once it is fixed. The replay and redrive tests fix it mid-test.
 */
export const flakyTarget = (world: FlakyWorld) =>
  defineIntegration({
    id: 'flaky-target',
    name: 'Flaky target',
    version: '1.0.0',
    description: 'fails while the target is down: retryably, or permanently',
    parameters: { permanent: { type: 'boolean', default: false } },
    run: ({ params }) => {
      world.calls++;
      if (params.permanent && world.permanentDown) throw new PermanentError('target refused: bad mapping');
      if (!params.permanent && world.retryableDown) throw new Error('target answered 503');
      return Promise.resolve({ message: 'delivered' });
    },
  });
