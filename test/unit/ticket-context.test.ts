import { afterEach, describe, expect, it } from 'vitest';
import { JobSchema } from '../../shared/model/index.ts';
import type { Job } from '../../shared/model/index.ts';
import { ticketContextFor } from '../../shared/tickets/ticket-context.ts';
import { TRIGGERHUB_VERSION } from '../../shared/version.ts';
import { fakeTicketIntegration, ticketJobBody } from '../helpers/fake-ticket-integration.ts';
import { json, startForwardProxy, startLoopback } from '../helpers/loopback-http.ts';
import type { Loopback } from '../helpers/loopback-http.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';

const TOKEN = 'tok-5d2e-very-secret-value';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

const server = async (): Promise<Loopback> => {
  const s = await startLoopback((_req, res) => json(res, 200, { ok: true }));
  closers.push(() => s.close());
  return s;
};

const jobFor = (url: string, over: Record<string, unknown> = {}): Job =>
  JobSchema.parse({
    id: 'alerts',
    ...ticketJobBody({ params: { url, apiToken: { secret: 'tickets-token' } } }),
    ...over,
  });

const setUp = () => {
  const { integration } = fakeTicketIntegration();
  const deps = memoryDeps({ integrations: [integration], secrets: { 'tickets-token': [TOKEN] } });
  return { deps, integration };
};

describe('ticketContextFor: a ticket call outside a run gets what a run gets', () => {
  it('resolves the params from the secret store and sends with the user agent of a run', async () => {
    // Prepare
    const target = await server();
    const { deps, integration } = setUp();
    const ctx = await ticketContextFor<{ url: string; apiToken: string }>(
      deps,
      jobFor(target.origin),
      integration,
    );

    // Act
    const answer = await ctx.http
      .get(`${ctx.params.url}/rest/api/3/myself`, {
        headers: { authorization: `Bearer ${ctx.params.apiToken}` },
      })
      .json();
    ctx.close();

    // Assess
    expect(ctx.jobId).toBe('alerts');
    expect(ctx.params).toEqual({ url: target.origin, apiToken: TOKEN });
    expect(answer).toEqual({ ok: true });
    expect(target.received[0]?.headers['user-agent']).toBe(
      `triggerhub/${TRIGGERHUB_VERSION} fake-tickets/1.0.0`,
    );
    expect(ctx.redact(`token ${TOKEN} in a message`)).toBe('token *** in a message');
  });

  it("keeps to the job's egress allow-list", async () => {
    // Prepare
    const target = await server();
    const { deps, integration } = setUp();
    const job = jobFor(target.origin, { egress: { allowedHosts: ['tickets.example.com'] } });
    const ctx = await ticketContextFor(deps, job, integration);

    // Act
    const call = ctx.http.get(`${target.origin}/x`);

    // Assess
    await expect(call).rejects.toThrow(/not in the job's egress\.allowedHosts/);
    expect(target.received).toHaveLength(0);
    ctx.close();
  });

  it('never sends a pinned secret to another host', async () => {
    // Prepare
    const target = await server();
    const { deps, integration } = setUp();
    const job = jobFor(target.origin, {
      params: {
        url: target.origin,
        apiToken: { secret: 'tickets-token', allowedHosts: ['tickets.example.com'] },
      },
    });
    const ctx = await ticketContextFor<{ apiToken: string }>(deps, job, integration);

    // Act
    const call = ctx.http.get(`${target.origin}/x`, {
      headers: { authorization: `Bearer ${ctx.params.apiToken}` },
    });

    // Assess
    await expect(call).rejects.toThrow(/password parameter "apiToken"/);
    expect(target.received).toHaveLength(0);
    ctx.close();
  });

  it('goes through the proxy the `proxy` global names when the job names none', async () => {
    // Prepare
    const target = await server();
    const proxy = await startForwardProxy();
    closers.push(() => proxy.close());
    const { deps, integration } = setUp();
    await deps.globals.put({
      name: 'proxy',
      masked: false,
      value: `http://127.0.0.1:${proxy.port}`,
      at: deps.clock.now().toISOString(),
    });
    const ctx = await ticketContextFor(deps, jobFor(target.origin), integration);

    // Act
    await ctx.http.get(`${target.origin}/via-proxy`);
    ctx.close();

    // Assess
    expect(proxy.seen.map((s) => s.line)).toEqual([`CONNECT ${target.host}`]);
    expect(target.received.map((r) => r.url)).toEqual(['/via-proxy']);
  });

  it('cuts a call the target never answers before the deadline', async () => {
    // Prepare
    const silent = await startLoopback(() => undefined);
    closers.push(() => silent.close());
    const { deps, integration } = setUp();
    const ctx = await ticketContextFor(deps, jobFor(silent.origin), integration, { deadlineMs: 1_500 });

    // Act
    const call = ctx.http.get(`${silent.origin}/hang`, { retry: 0 });
    const error: unknown = await call.catch((e: unknown) => e);
    ctx.close();

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      `could not reach ${new URL(silent.origin).host}: no answer in time`,
    );
    expect(ctx.reasonOf(error)).toBe('no answer from the target within 2 s');
    expect(ctx.reasonOf(new Error(`401 for ${TOKEN}`))).toBe('401 for ***');
  });

  it('aborts with the caller’s signal', async () => {
    // Prepare
    const { deps, integration } = setUp();
    const caller = new AbortController();
    const ctx = await ticketContextFor(deps, jobFor('https://tickets.example.com'), integration, {
      signal: caller.signal,
    });

    // Act
    caller.abort();

    // Assess
    expect(ctx.signal.aborted).toBe(true);
    ctx.close();
  });
});
