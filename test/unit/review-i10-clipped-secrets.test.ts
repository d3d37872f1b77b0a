// Review of issue 10: a target's refusal is quoted in errors, validate messages and run logs,
// shortened first. A target (or a proxy before it) that echoes the request puts the secret in
// that text; shortened before the secret is hidden, the secret's start is left (the redactor
// knows whole forms only). Each integration must hide the secret before it shortens.
import { describe, expect, it } from 'vitest';
import { createHttpClient } from '../../shared/outbound/create-http-client.ts';
import type { TicketContext, TicketPlugin } from '../../shared/sdk/index.ts';
import { paramsSchema } from '../../shared/sdk/index.ts';
import { runForTest } from '../../shared/sdk/testing.ts';
import jira from '../../integrations/jira/index.ts';
import servicenow from '../../integrations/servicenow/index.ts';
import enrichment from '../../integrations/securechange-enrichment/index.ts';
import { json, loopbacksClosedAfterEach } from '../helpers/loopback-http.ts';

const { open, serve } = loopbacksClosedAfterEach();

const SECRET = 'ATATT3xFfGF0-Zq8x9PqRsTuVwXyZ0123456789abcdef';
/** What must never show: the secret's first 8 characters. */
const START = SECRET.slice(0, 8);
/** Filler that puts the secret across every cut the integrations make (200, 300, 512). */
const around = (at: number) => `${'x'.repeat(at)} seen=${SECRET} (echoed)`;

type Params = Record<string, unknown>;

const contextOf = (manifest: typeof jira.manifest, params: Params): TicketContext<Params> => {
  const made = createHttpClient({
    userAgent: 'triggerhub/test review/1.0.0',
    deadlineAt: Date.now() + 60_000,
    signal: new AbortController().signal,
    logger: { debug: () => undefined, info: () => undefined },
    allowDeferral: true,
    backoffBaseMs: 10,
  });
  open.push(made);
  const log = () => undefined;
  return {
    jobId: 'review',
    params: paramsSchema(manifest, 'run').parse(params),
    http: made.http,
    logger: { debug: log, info: log, warn: log, error: log },
    signal: new AbortController().signal,
  };
};

const messageOf = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    (v) => JSON.stringify(v),
    (e: unknown) => (e instanceof Error ? e.message : String(e)),
  );

describe('a secret echoed by the target is hidden before the text is shortened', () => {
  it.each([180, 250, 280, 480])('jira: validate and createTask (secret after %i characters)', async (at) => {
    // Prepare
    const api = await serve((_req, res) => json(res, 400, { errorMessages: [around(at)] }));
    const ctx = contextOf(jira.manifest, { url: api.origin, email: 'sec@acme.com', apiToken: SECRET });
    const plugin = jira.tickets as TicketPlugin<Params>;

    // Act
    const validated = await messageOf(Promise.resolve(plugin.validate(ctx)));
    const created = await messageOf(
      plugin.createTask(ctx, {
        alert: { id: 'a1', rawAlert: {} },
        fields: { summary: 's' },
        queue: '10000:Task',
        marker: 'triggerhub-review-a1',
      }),
    );

    // Assess
    expect(validated).toContain('xxxx');
    expect(created).toContain('xxxx');
    expect(validated).not.toContain(START);
    expect(created).not.toContain(START);
  });

  it.each([180, 250, 480])('servicenow: validate and createTask (secret after %i characters)', async (at) => {
    // Prepare
    const api = await serve((_req, res) =>
      json(res, 403, { error: { message: around(at), detail: around(at + 20) }, status: 'failure' }),
    );
    const ctx = contextOf(servicenow.manifest, {
      url: api.origin,
      username: 'svc',
      password: SECRET,
      table: 'incident',
    });
    const plugin = servicenow.tickets as TicketPlugin<Params>;

    // Act
    const validated = await messageOf(Promise.resolve(plugin.validate(ctx)));
    const created = await messageOf(
      plugin.createTask(ctx, {
        alert: { id: 'a1', rawAlert: {} },
        fields: { short_description: 's' },
        queue: '0123456789abcdef0123456789abcdef',
        marker: 'triggerhub-review-a1',
      }),
    );

    // Assess
    expect(validated).toContain('xxxx');
    expect(created).toContain('xxxx');
    expect(validated).not.toContain(START);
    expect(created).not.toContain(START);
  });

  it.each([150, 190])('securechange-enrichment: the run’s error (secret after %i characters)', async (at) => {
    // Prepare
    const api = await serve((_req, res) =>
      json(res, 403, { result: { code: 'FORBIDDEN', message: around(at) } }),
    );

    // Act
    const outcome = await runForTest(enrichment, {
      jobId: 'sc-enrich',
      event: { source: 'securechange', trigger: 'CREATE', ticket: { id: '446' } },
      params: {
        url: api.origin,
        username: 'sc-api',
        password: { secret: 'sc' },
        enrichers: ['address-classes'],
      },
      secrets: { sc: SECRET },
    });

    // Assess
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toContain('xxxx');
    expect(JSON.stringify(outcome)).not.toContain(START);
  });
});
