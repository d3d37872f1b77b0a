// Review findings of issue 10 (hostile input from the SecureChange answer).
import { afterEach, describe, expect, it } from 'vitest';
import { runForTest } from '../../shared/sdk/testing.ts';
import type { MockSecureChange } from '../../test/helpers/mock-securechange.ts';
import { startMockSecureChange } from '../../test/helpers/mock-securechange.ts';
import integration from './index.ts';

const PASSWORD = 'sc-pass-Zq8!x';
let sc: MockSecureChange | undefined;
afterEach(async () => {
  await sc?.close();
  sc = undefined;
});

type Node = Record<string, unknown>;
const list = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : v === undefined ? [] : [v as Node]);

/** The Enrichment field of ticket 446's current step, as the mock serves it. */
const enrichmentField = (mock: MockSecureChange): Node => {
  const ticket = mock.state.tickets.get('446');
  for (const step of list((ticket?.steps as Node | undefined)?.step)) {
    for (const task of list((step.tasks as Node | undefined)?.task)) {
      for (const field of list((task.fields as Node | undefined)?.field)) {
        if (field.name === 'Enrichment') return field;
      }
    }
  }
  throw new Error('the sample ticket 446 has no Enrichment field');
};

describe('securechange-enrichment: ids from the answer in the write path', () => {
  it.each([
    ['a dot-dot path', '55813/../../../../../445/steps/1/tasks/2/fields/3'],
    ['a query', '55813?x=1'],
    ['a fragment', '55813#x'],
    ['an encoded slash', '55813%2F..%2F1'],
  ])('writes nowhere when a field id holds %s', async (_what, hostileId) => {
    // Prepare: SecureChange (or whoever answers as it) names a field id that is no id
    sc = await startMockSecureChange({ username: 'sc-api', password: PASSWORD });
    enrichmentField(sc).id = hostileId;

    // Act
    const outcome = await runForTest(integration, {
      jobId: 'sc-enrich',
      event: { source: 'securechange', trigger: 'CREATE', ticket: { id: '446' } },
      params: {
        url: sc.url,
        username: 'sc-api',
        password: { secret: 'securechange-api' },
        enrichers: ['address-classes'],
      },
      secrets: { 'securechange-api': PASSWORD },
    });

    // Assess: the run fails plainly, and nothing was sent but the ticket's read
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toContain('is not a SecureChange id');
    expect(sc.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /securechangeworkflow/api/securechange/tickets/446',
    ]);
  });
});
