import { afterEach, describe, expect, it } from 'vitest';
import type { Job, TriggerEvent } from '../../shared/model/index.ts';
import { JobSchema } from '../../shared/model/index.ts';
import type { ExecutionRequest } from '../../shared/runtime/execute.ts';
import { executeIntegration } from '../../shared/runtime/execute.ts';
import { forgetKnownSecrets } from '../../shared/runtime/known-secrets.ts';
import { platformLogger, resetLogFormat, useLocalLogFormat } from '../../shared/runtime/platform-logger.ts';
import type { PreparedToolbox, RunScope } from '../../shared/runtime/toolbox/index.ts';
import { emptyToolbox } from '../../shared/runtime/toolbox/index.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { leaksIn } from '../helpers/leak-forms.ts';
import { FakeClock, MemorySecrets } from '../helpers/memory-deps.ts';

// Execute hides one set of secrets everywhere a run's text leaves: the password
// parameters (every version), the toolbox's masked globals, and — new — the job's
// own auth secret (every version), each in every encoded form.

const PARAM = 'p4ram-secret-v1';
const AUTH = 'auth-current-v2';
const AUTH_PREVIOUS = 'auth-previous-v1';
const MASKED = 'masked-global-v1';
const ALL = [PARAM, AUTH, AUTH_PREVIOUS, MASKED];

const basic = (s: string): string => `Basic ${Buffer.from(`me:${s}`).toString('base64')}`;

/** Writes every secret it is handed (its param, and the payload's `leak`s) everywhere it can. */
const leaky = defineIntegration({
  id: 'leaky',
  name: 'Leaky',
  version: '1.0.0',
  description: 'leaks on purpose',
  parameters: { token: { type: 'password', mandatory: true } },
  run: ({ params, logger, event }) => {
    const secrets = [params.token, ...((event.payload as { leak: string[] }).leak ?? [])];
    const forms = secrets.flatMap((s) => [s, basic(s), encodeURIComponent(s), JSON.stringify({ s })]);
    logger.info(`line ${forms.join(' ')}`, { forms });
    if (event.trigger === 'fail') throw new Error(`failed with ${forms.join(' ')}`);
    return { message: `done ${forms.join(' ')}`, output: { forms }, allow: true };
  },
});

const job = (mode: 'async' | 'decision' = 'async'): Job =>
  JobSchema.parse({
    id: 'j1',
    name: 'J',
    integration: 'leaky',
    mode,
    auth: { secret: 'hook' },
    params: { token: { secret: 'tok' } },
  });

const event = (trigger: string): TriggerEvent => ({
  source: 'generic',
  trigger,
  deliveryId: 'D1',
  receivedAt: '2026-11-29T10:00:00.000Z',
  headers: {},
  query: {},
  payload: { leak: [AUTH, AUTH_PREVIOUS, MASKED] },
});

/** The empty toolbox, with masked global values, recording the scope it was built with. */
const toolboxWith = (secretValues: string[]): PreparedToolbox & { scopes: RunScope[] } => {
  const base = emptyToolbox();
  const scopes: RunScope[] = [];
  return {
    ...base,
    secretValues,
    scopes,
    build: (scope) => {
      scopes.push(scope);
      return base.build(scope);
    },
  };
};

const execute = (over: Partial<ExecutionRequest> & { trigger?: string } = {}) =>
  executeIntegration({
    integration: leaky,
    job: job(),
    runId: 'R1',
    event: event(over.trigger ?? 'ok'),
    entry: 'run',
    secrets: new MemorySecrets({ tok: [PARAM], hook: [AUTH, AUTH_PREVIOUS] }),
    clock: new FakeClock(),
    toolbox: toolboxWith([MASKED]),
    ...over,
  });

const lines: string[] = [];

afterEach(() => {
  forgetKnownSecrets();
  resetLogFormat();
  lines.length = 0;
});

describe('execute: one redactor for the whole run', () => {
  it('hides params, masked globals and the job auth secret (both versions) in log, message and output', async () => {
    // Prepare
    useLocalLogFormat('json', (line) => lines.push(line));

    // Act
    const outcome = await execute();

    // Assess
    expect(outcome.status).toBe('succeeded');
    const text = JSON.stringify(outcome) + lines.join('\n');
    expect(text).toContain('***');
    for (const s of ALL) expect(leaksIn(text, s), s).toEqual([]);
  });

  it('hides them in the error of a failed run', async () => {
    const outcome = await execute({ trigger: 'fail' });
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(/^failed with \*\*\*/);
    for (const s of ALL) expect(leaksIn(JSON.stringify(outcome), s), s).toEqual([]);
  });

  it('hides them in a decision’s verdict', async () => {
    const outcome = await execute({ job: job('decision'), decision: true });
    expect(outcome.verdict?.allow).toBe(true);
    expect(outcome.verdict?.message).toMatch(/^done \*\*\*/);
    for (const s of ALL) expect(leaksIn(JSON.stringify(outcome.verdict), s), s).toEqual([]);
  });

  it('hands the toolbox the same redaction (notifications go through it)', async () => {
    // Prepare
    const toolbox = toolboxWith([MASKED]);

    // Act
    await execute({ toolbox });

    // Assess
    const redact = toolbox.scopes[0]?.redact ?? ((s: string) => s);
    expect(redact(`n ${PARAM} ${basic(AUTH)} ${MASKED}`)).toBe('n *** Basic bWU6*** ***');
  });

  it('makes the platform logger hide the run’s secrets from later lines of the process', async () => {
    // Prepare
    useLocalLogFormat('json', (line) => lines.push(line));
    await execute();
    lines.length = 0;

    // Act: a line some platform code writes after the run.
    platformLogger.warn(`later ${PARAM} ${AUTH_PREVIOUS} ${MASKED}`);

    // Assess
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('later *** *** ***');
  });

  it('reads the auth secret once per run, and a job whose auth secret is gone still runs', async () => {
    // Prepare
    const secrets = new MemorySecrets({ tok: [PARAM] });
    const asked: string[] = [];
    const counting = { getVersions: (name: string) => (asked.push(name), secrets.getVersions(name)) };

    // Act
    const outcome = await execute({ secrets: counting });

    // Assess
    expect(outcome.status).toBe('succeeded');
    expect(asked.sort()).toEqual(['hook', 'tok']);
  });
});
