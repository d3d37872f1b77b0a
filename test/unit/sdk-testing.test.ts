import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PermanentError, StateLimitError, ValidationError } from '../../shared/errors.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { runForTest } from '../../shared/sdk/testing.ts';
import { repoRoot } from '../helpers/samples.ts';

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

  it('runs on the real toolbox: state, notifier, effect and the checkpoint work, and the outcome says what the run left', async () => {
    // Prepare: a run that counts in ctx.state, notifies, creates a ticket once and pages on
    let created = 0;
    const counter = defineIntegration({
      id: 'counter-test',
      name: 'Counter',
      version: '1.0.0',
      description: '',
      parameters: {},
      async run({ state, notifier, effect, checkpoint }) {
        const count = ((await state.get<number>('count')) ?? 0) + 1;
        await state.set('count', count);
        await notifier.warn(`count is ${count}`);
        const create = () => {
          created++;
          return { id: `T-${count}` };
        };
        const first = await effect('ticket-1', create);
        const again = await effect('ticket-1', create);
        return {
          message: `counted ${count}`,
          output: { first, again, previous: checkpoint.cursor ?? null },
          cursor: `page-${count}`,
        };
      },
    });
    const before = new Date();

    // Act
    const outcome = await runForTest(counter, {
      state: { count: 4 },
      checkpoint: { cursor: 'page-4', lastSuccessfulRunAt: '2026-01-01T00:00:00Z' },
    });

    // Assess: the run
    expect(outcome).toMatchObject({
      status: 'succeeded',
      message: 'counted 5',
      output: { first: { id: 'T-5' }, again: { id: 'T-5' }, previous: 'page-4' },
    });
    // the counter moved once, from the seeded value
    expect(outcome.state).toEqual({ count: 5 });
    // the notification, as stored
    expect(outcome.notifications).toEqual([
      expect.objectContaining({
        jobId: 'counter-test',
        runId: 'test-run',
        kind: 'integration',
        severity: 'warn',
        message: 'count is 5',
      }),
    ]);
    // the effect's function ran once; the second call got the recorded result
    expect(created).toBe(1);
    expect(outcome.effects).toEqual({
      'ticket-1': expect.objectContaining({ status: 'done', runId: 'test-run', resultJson: '{"id":"T-5"}' }),
    });
    // the success moved the cursor and lastSuccessfulRunAt
    expect(outcome.checkpoint.cursor).toBe('page-5');
    expect(outcome.checkpoint.lastSuccessfulRunAt?.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(outcome.checkpoint.lastRunAt).toEqual(outcome.checkpoint.lastSuccessfulRunAt);
  });

  it('answers a seeded effect from the ledger, without calling its function', async () => {
    // Prepare
    let called = 0;
    const once = defineIntegration({
      id: 'once-test',
      name: 'Once',
      version: '1.0.0',
      description: '',
      parameters: {},
      run: async ({ effect }) => ({
        output: await effect('ticket-1', () => {
          called++;
          return { id: 'T-new' };
        }),
      }),
    });

    // Act
    const outcome = await runForTest(once, { effects: { 'ticket-1': { id: 'T-old' } } });

    // Assess
    expect(outcome.status).toBe('succeeded');
    expect(outcome.output).toEqual({ id: 'T-old' });
    expect(called).toBe(0);
    expect(outcome.effects['ticket-1']).toMatchObject({ status: 'done', runId: 'earlier-run' });
  });

  it('records a failed run as the last attempt: the cursor stays, run_failed is raised, notifications are redacted', async () => {
    // Prepare
    const failing = defineIntegration({
      id: 'failing-test',
      name: 'Failing',
      version: '1.0.0',
      description: '',
      parameters: { token: { type: 'password', mandatory: true } },
      async run({ notifier, params }) {
        await notifier.error(`token ${params.token} refused`);
        throw new PermanentError('target said no');
      },
    });

    // Act
    const outcome = await runForTest(failing, {
      params: { token: { secret: 'tok' } },
      secrets: { tok: 'canary-secret-2' },
      checkpoint: { cursor: 'page-4', lastRunAt: new Date('2026-01-01T00:00:00Z') },
    });

    // Assess
    expect(outcome.status).toBe('failed');
    expect(outcome.checkpoint.cursor).toBe('page-4');
    expect(outcome.checkpoint.lastSuccessfulRunAt).toBeUndefined();
    expect(outcome.checkpoint.lastRunAt?.getTime()).toBeGreaterThan(Date.parse('2026-01-01T00:00:00Z'));
    expect(outcome.notifications.map((n) => [n.kind, n.severity, n.message])).toEqual([
      ['integration', 'error', 'token *** refused'],
      ['run_failed', 'error', 'run test-run failed: target said no'],
    ]);
  });

  it('refuses a seed no job could hold', async () => {
    // Prepare
    const noop = defineIntegration({
      id: 'noop-test',
      name: 'Noop',
      version: '1.0.0',
      description: '',
      parameters: {},
      run: () => ({}),
    });

    // Act / Assess
    await expect(runForTest(noop, { state: { '': 1 } })).rejects.toThrow(StateLimitError);
    await expect(runForTest(noop, { globals: { 'api.base': 'x' } })).rejects.toThrow(ValidationError);
    await expect(runForTest(noop, { effects: { '': 1 } })).rejects.toThrow(ValidationError);
    await expect(runForTest(noop, { checkpoint: { lastRunAt: 'yesterday' } })).rejects.toThrow(
      'checkpoint.lastRunAt',
    );
  });
});

describe('the in-memory stores of runForTest', () => {
  /** Every import of a source file (not a test), resolved from the repository root. */
  const importsOf = (file: string): string[] =>
    ts
      .preProcessFile(readFileSync(path.join(repoRoot, file), 'utf8'), true, true)
      .importedFiles.map((f) => f.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => path.posix.join(path.posix.dirname(file), name));

  it('are imported by shared/sdk/testing.ts only, and it by tests only: no function bundles them', () => {
    // Prepare: every source a Lambda bundle could reach, and the CLI and infra
    const sources = ['shared', 'functions', 'integrations', 'cli', 'infra'].flatMap((dir) =>
      readdirSync(path.join(repoRoot, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
        .map((f) => path.posix.join(dir, f.split(path.sep).join('/'))),
    );

    // Act
    const importers = sources.flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith('shared/testing/') || target === 'shared/sdk/testing.ts')
        .map((target) => `${file} → ${target}`),
    );

    // Assess
    expect(sources).toContain('shared/sdk/testing.ts');
    expect(importers.length).toBeGreaterThan(0);
    expect(importers.filter((line) => !line.startsWith('shared/sdk/testing.ts → shared/testing/'))).toEqual(
      [],
    );
  });
});
