import { describe, expect, it } from 'vitest';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';
import { fakeTicketIntegration, ticketJobBody } from '../helpers/fake-ticket-integration.ts';
import type { FakeTarget } from '../helpers/fake-ticket-integration.ts';

const TOKEN = 'tok-3f9a-very-secret-value';

const setUp = (): {
  deps: MemoryDeps;
  target: FakeTarget;
  put: (body: Record<string, unknown>, query?: string) => Promise<Response>;
} => {
  const { integration, target } = fakeTicketIntegration();
  const deps = memoryDeps({
    integrations: [integration],
    secrets: { demo: ['s3cr3t-value'], 'tickets-token': [TOKEN] },
  });
  const app = createAdminApp(deps);
  return {
    deps,
    target,
    put: (body, query = '') =>
      Promise.resolve(
        app.request(`/admin/jobs/alerts${query}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      ),
  };
};

describe('PUT /admin/jobs/{id}: a ticket job is checked with its target before it is stored', () => {
  it('stores the job once validate answers success, with the token resolved from the secret store', async () => {
    // Prepare
    const { deps, target, put } = setUp();

    // Act
    const res = await put(ticketJobBody());

    // Assess
    expect(res.status).toBe(201);
    expect(target.calls.validate).toBe(1);
    expect(target.seenParams).toEqual([{ url: 'https://tickets.example.com', apiToken: TOKEN }]);
    expect(await deps.jobs.get('alerts')).toMatchObject({ tickets: { queue: '10000:Task' } });
  });

  it("refuses with 400 ticket_validation_failed, the target's reason and the parameter, and stores nothing", async () => {
    // Prepare
    const { deps, target, put } = setUp();
    target.validate = () => ({
      success: false,
      message: 'Jira answered 401: the API token is wrong',
      param: 'apiToken',
    });

    // Act
    const res = await put(ticketJobBody({ tickets: { queue: '10000:Task', sync: { every: 15 } } }));

    // Assess
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'ticket_validation_failed',
      message: 'fake-tickets: Jira answered 401: the API token is wrong',
      param: 'apiToken',
    });
    expect(await deps.jobs.get('alerts')).toBeUndefined();
    // nothing armed either: its sync would otherwise be a schedule
    expect(await deps.schedules.get('alerts')).toBeUndefined();
  });

  it('answers a validate that throws with its message, the token redacted, and stores nothing', async () => {
    // Prepare
    const { deps, target, put } = setUp();
    target.validate = (params) => {
      throw new Error(`401 from https://tickets.example.com with Authorization: Bearer ${params.apiToken}`);
    };

    // Act
    const res = await put(ticketJobBody());
    const text = await res.text();

    // Assess
    expect(res.status).toBe(400);
    expect(JSON.parse(text)).toMatchObject({ error: 'ticket_validation_failed' });
    expect(text).toContain('fake-tickets: 401 from https://tickets.example.com');
    expect(text).not.toContain(TOKEN);
    expect(await deps.jobs.get('alerts')).toBeUndefined();
  });

  it('?verify=false stores the job without calling the target; the local checks still run', async () => {
    // Prepare
    const { deps, target, put } = setUp();
    target.validate = () => ({ success: false, message: 'unreachable' });

    // Act
    const stored = await put(ticketJobBody(), '?verify=false');
    const badRule = await put(
      ticketJobBody({ tickets: { queue: 'q', rule: { $where: 'x' } } }),
      '?verify=false',
    );
    const badFlag = await put(ticketJobBody(), '?verify=maybe');

    // Assess
    expect(stored.status).toBe(201);
    expect(badRule.status).toBe(400);
    expect(badFlag.status).toBe(400);
    expect(target.calls.validate).toBe(0);
    expect((await deps.jobs.get('alerts'))?.tickets?.queue).toBe('10000:Task');
  });

  it('refuses a rule the rule check rejects with 400 invalid_rule, before any call, storing nothing', async () => {
    // Prepare
    const { deps, target, put } = setUp();

    // Act
    const res = await put(ticketJobBody({ tickets: { queue: 'q', rule: { $where: 'this.a > 1' } } }));

    // Assess
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid_rule',
      message: 'invalid job: tickets.rule: $where: $where (JavaScript) is not allowed',
    });
    expect(target.calls.validate).toBe(0);
    expect(await deps.jobs.get('alerts')).toBeUndefined();
  });

  it('refuses tickets on an integration without the ticket contract: 400 not_a_ticket_integration', async () => {
    // Prepare
    const { deps, put } = setUp();

    // Act
    const res = await put(ticketJobBody({ integration: 'log-event', params: {} }), '?verify=false');

    // Assess
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'not_a_ticket_integration' });
    expect(await deps.jobs.get('alerts')).toBeUndefined();
  });

  it('refuses a job whose token secret does not exist (400 invalid_params, naming it), storing nothing', async () => {
    // Prepare
    const { deps, target, put } = setUp();

    // Act
    const res = await put(
      ticketJobBody({ params: { url: 'https://t.example.com', apiToken: { secret: 'missing' } } }),
    );

    // Assess
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: 'invalid_params',
      message: expect.stringContaining('"missing"'),
    });
    expect(target.calls.validate).toBe(0);
    expect(await deps.jobs.get('alerts')).toBeUndefined();
  });

  it('checks nothing more for a job without tickets (no call, no secret read)', async () => {
    // Prepare
    const { target, put } = setUp();

    // Act
    const res = await put({ name: 'Plain', integration: 'log-event', auth: { secret: 'demo' } });

    // Assess
    expect(res.status).toBe(201);
    expect(target.calls.validate).toBe(0);
  });
});
