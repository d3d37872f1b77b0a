// Review of issue 10: a ticket is opened (or commented) once. A gateway's 502/504 may come after
// the target did what the request asked: ctx.http must not resend a POST/PATCH on it (the
// effect keeps the key pending and the next attempt reconciles by the task's marker instead).
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../shared/model/index.ts';
import { createHttpClient } from '../../shared/outbound/create-http-client.ts';
import { secretPins } from '../../shared/outbound/pins.ts';
import { isRetryableFailure } from '../../shared/outbound/classify.ts';
import type { TicketPlugin } from '../../shared/sdk/index.ts';
import { paramsSchema } from '../../shared/sdk/index.ts';
import jira from '../../integrations/jira/index.ts';
import { json, loopbacksClosedAfterEach } from '../helpers/loopback-http.ts';

const { open, serve } = loopbacksClosedAfterEach();

const client = () => {
  const made = createHttpClient({
    userAgent: 'triggerhub/test review/1.0.0',
    deadlineAt: Date.now() + 60_000,
    signal: new AbortController().signal,
    logger: { debug: () => undefined, info: () => undefined },
    allowDeferral: true,
    backoffBaseMs: 10,
  });
  open.push(made);
  return made;
};

const failure = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );

describe('ctx.http: no resend of a POST or PATCH after a gateway error', () => {
  it.each([
    ['post', 502],
    ['post', 504],
    ['patch', 502],
    ['patch', 504],
  ] as const)(
    '%s answered %i is sent once, and the failure stays retryable for the run',
    async (method, status) => {
      // Prepare: a gateway that answers an error after the target behind it did the work
      const api = await serve((_req, res, i) => json(res, i === 0 ? status : 201, { ok: true }));

      // Act
      const e = await failure(client().http[method](`${api.origin}/rest/api/3/issue`, { json: { a: 1 } }));

      // Assess
      expect(api.received).toHaveLength(1);
      expect(isRetryableFailure(e)).toBe(true);
    },
  );

  it('still resends a POST on 502 when it carries an Idempotency-Key, and a GET on 504', async () => {
    // Prepare
    const api = await serve((_req, res, i) => json(res, i % 2 === 0 ? 502 : 200, { ok: true }));
    const c = client();

    // Act
    await c.http.post(`${api.origin}/x`, { json: {}, headers: { 'idempotency-key': 'k1' } });
    await c.http.get(`${api.origin}/y`);

    // Assess
    expect(api.received.map((r) => r.method)).toEqual(['POST', 'POST', 'GET', 'GET']);
  });

  it('jira createTask: a 504 after Jira created the issue opens no second issue', async () => {
    // Prepare: Jira behind a gateway; the first create reaches Jira, the gateway answers 504
    let created = 0;
    const api = await serve((req, res) => {
      if (req.method === 'POST' && req.url === '/rest/api/3/issue') {
        created += 1;
        return created === 1
          ? json(res, 504, { message: 'Gateway Timeout' })
          : json(res, 201, { id: '10001', key: `EX-${created}` });
      }
      return json(res, 404, { errorMessages: ['no route'] });
    });
    const params = paramsSchema(jira.manifest, 'run').parse({
      url: api.origin,
      email: 'sec@acme.com',
      apiToken: 'jira-token-Zx81',
    });
    const made = createHttpClient({
      userAgent: 'triggerhub/test jira/1.0.0',
      deadlineAt: Date.now() + 60_000,
      signal: new AbortController().signal,
      logger: { debug: () => undefined, info: () => undefined },
      pins: secretPins(jira.manifest, { apiToken: { secret: 'jira' } }, params),
      allowDeferral: true,
      backoffBaseMs: 10,
    });
    open.push(made);
    const log = () => undefined;
    const ctx = {
      jobId: 'alerts-to-jira',
      params,
      http: made.http,
      logger: { debug: log, info: log, warn: log, error: log },
      signal: new AbortController().signal,
    };
    const alert: Alert = { id: 'a1', rawAlert: {} };
    const plugin = jira.tickets as TicketPlugin<Record<string, unknown>>;

    // Act
    const e = await failure(
      plugin.createTask(ctx, {
        alert,
        fields: { summary: 's' },
        queue: '10000:Task',
        marker: 'triggerhub-alerts-to-jira-a1',
      }),
    );

    // Assess: one create reached Jira; the attempt fails retryably (the effect reconciles by marker)
    expect(created).toBe(1);
    expect(isRetryableFailure(e)).toBe(true);
  });
});
