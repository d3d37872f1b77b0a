import { defineIntegration } from '../../shared/sdk/index.ts';
import type { AnyIntegration } from '../../shared/sdk/index.ts';
import type { ValidationResult } from '../../shared/sdk/tickets.ts';
import type { FieldMapping, MappingField, TicketQueue } from '../../shared/model/index.ts';

/** What the fake target answers, and what it was asked: a test sets the first and reads the second. */
export interface FakeTarget {
  calls: {
    validate: number;
    getQueues: number;
    getAvailableFields: (string | undefined)[];
    getDefaultMappings: number;
  };
  /** validate's answer; a function may throw. */
  validate: (params: { url: string; apiToken: string }) => ValidationResult | Promise<ValidationResult>;
  queues: () => TicketQueue[] | Promise<TicketQueue[]>;
  fields: MappingField[];
  mappings: FieldMapping[];
  /** Each params the plugin was called with (the token resolved from the secret store). */
  seenParams: { url: string; apiToken: string }[];
}

/**
 * A ticket integration (`fake-tickets`, params `url` and the password
 * `apiToken`) whose target is in memory: the admin routes and apply-time
 * validation are tested against it without a network.
 */
export const fakeTicketIntegration = (): { integration: AnyIntegration; target: FakeTarget } => {
  const target: FakeTarget = {
    calls: { validate: 0, getQueues: 0, getAvailableFields: [], getDefaultMappings: 0 },
    validate: () => ({ success: true, message: 'ok' }),
    queues: () => [{ label: 'Security / Task', value: '10000:Task' }],
    fields: [{ label: 'Summary', value: 'summary', type: 'string', required: true }],
    mappings: [{ field: 'summary', value: '$alertName' }],
    seenParams: [],
  };
  const integration = defineIntegration({
    id: 'fake-tickets',
    name: 'Fake tickets',
    version: '1.0.0',
    description: 'A ticket integration for tests.',
    parameters: {
      url: { type: 'text', mandatory: true },
      apiToken: { type: 'password', mandatory: true },
    },
    tickets: {
      async validate(ctx) {
        target.calls.validate++;
        target.seenParams.push(ctx.params);
        return target.validate(ctx.params);
      },
      async getQueues(ctx) {
        target.calls.getQueues++;
        target.seenParams.push(ctx.params);
        return target.queues();
      },
      getAvailableFields(_ctx, queue) {
        target.calls.getAvailableFields.push(queue);
        return Promise.resolve(target.fields);
      },
      getDefaultMappings() {
        target.calls.getDefaultMappings++;
        return target.mappings;
      },
      createTask: () => Promise.reject(new Error('not in these tests')),
      updateTask: () => Promise.reject(new Error('not in these tests')),
      syncStates: () => Promise.resolve([]),
      findTask: () => Promise.resolve(undefined),
    },
  }) as unknown as AnyIntegration;
  return { integration, target };
};

/** A job of the fake integration with `tickets`, as a PUT body. */
export const ticketJobBody = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'Alerts to tickets',
  integration: 'fake-tickets',
  auth: { secret: 'demo' },
  params: { url: 'https://tickets.example.com', apiToken: { secret: 'tickets-token' } },
  tickets: { queue: '10000:Task', rule: { severity: { $in: ['high'] } } },
  ...over,
});
