import { describe, expect, it } from 'vitest';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { runForTest } from '../../shared/sdk/testing.ts';

const echo = defineIntegration({
  id: 'echo-test',
  name: 'Echo',
  version: '1.0.0',
  description: '',
  parameters: {
    token: { type: 'password', mandatory: true },
    label: { type: 'text', default: 'none' },
  },
  async run({ event, params, logger, globals, checkpoint, jobId }) {
    logger.info(`token ${params.token}`);
    const answer = await fetch('http://127.0.0.1:9/never');
    return {
      message: `${params.label}: ${String(event.payload)} (${jobId})`,
      output: { globals: { ...globals }, cursor: checkpoint.cursor ?? null, status: answer.status },
    };
  },
});

describe('runForTest', () => {
  it('runs through the real runtime: params resolved from secrets, and the secret redacted from the log', async () => {
    // Prepare
    const fetched: string[] = [];
    const fakeFetch: typeof fetch = (input) => {
      fetched.push(new Request(input).url);
      return Promise.resolve(new Response('ok', { status: 201 }));
    };
    const realFetch = globalThis.fetch;

    // Act
    const outcome = await runForTest(echo, {
      event: { payload: 'hi' },
      params: { token: { secret: 'tok' }, label: 'L' },
      secrets: { tok: 'canary-secret-1' },
      globals: { region: 'eu' },
      checkpoint: { cursor: 'c-7' },
      fetch: fakeFetch,
    });

    // Assess
    expect(outcome).toMatchObject({
      status: 'succeeded',
      message: 'L: hi (echo-test)',
      output: { globals: { region: 'eu' }, cursor: 'c-7', status: 201 },
    });
    expect(outcome.logs.map((l) => l.message)).toEqual(['token ***']);
    expect(fetched).toEqual(['http://127.0.0.1:9/never']);
    expect(globalThis.fetch).toBe(realFetch);
  });

  it('gives a failure as an outcome: a missing mandatory parameter fails permanently', async () => {
    // Act
    const outcome = await runForTest(echo);

    // Assess
    expect(outcome.status).toBe('failed');
    expect(outcome.retryable).toBe(false);
    expect(outcome.error).toContain('token');
  });

  it('runs decide for an integration without run, as a decision job', async () => {
    // Prepare
    const gate = defineIntegration({
      id: 'gate-test',
      name: 'Gate',
      version: '1.0.0',
      description: '',
      parameters: {},
      decide: ({ event }) => ({ allow: event.trigger === 'ok', message: event.trigger }),
    });

    // Act
    const allowed = await runForTest(gate, { event: { trigger: 'ok' } });
    const denied = await runForTest(gate, { event: { trigger: 'no' } });

    // Assess
    expect(allowed.verdict).toEqual({ allow: true, message: 'ok' });
    expect(denied.verdict).toEqual({ allow: false, message: 'no' });
  });

  it('refuses ctx.state, as outside a run', async () => {
    // Prepare
    const stateful = defineIntegration({
      id: 'stateful-test',
      name: 'Stateful',
      version: '1.0.0',
      description: '',
      parameters: {},
      run: async ({ state }) => ({ message: String(await state.get('k')) }),
    });

    // Act
    const outcome = await runForTest(stateful);

    // Assess
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toContain('ctx.state');
  });
});
