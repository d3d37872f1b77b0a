import { afterEach, describe, expect, it } from 'vitest';
import { runForTest } from '../../shared/sdk/testing.ts';
import type { Enricher } from '../../shared/sdk/index.ts';
import { defineEnricher, isIntegration } from '../../shared/sdk/index.ts';
import type { MockSecureChange } from '../../test/helpers/mock-securechange.ts';
import { startMockSecureChange } from '../../test/helpers/mock-securechange.ts';
import addressClasses from './enrichers/address-classes.ts';
import {
  createEnrichmentIntegration,
  markerOf,
  parametersFor,
  prefixedName,
  reconcileEnrichment,
} from './enrichment.ts';
import integration from './index.ts';

const PASSWORD = 'sc-pass-Zq8!x';

let sc: MockSecureChange | undefined;
afterEach(async () => {
  await sc?.close();
  sc = undefined;
});

const start = async (): Promise<MockSecureChange> => {
  sc = await startMockSecureChange({ username: 'sc-api', password: PASSWORD });
  return sc;
};

/** A Create trigger of this ticket, through the real runtime, against the mock. */
const runOn = (
  mock: MockSecureChange,
  ticketId: string,
  options: {
    params?: Record<string, unknown>;
    effects?: Record<string, unknown>;
    using?: ReturnType<typeof createEnrichmentIntegration>;
  } = {},
) =>
  runForTest(options.using ?? integration, {
    jobId: 'sc-enrich',
    event: { source: 'securechange', trigger: 'CREATE', ticket: { id: ticketId } },
    params: {
      url: mock.url,
      username: 'sc-api',
      password: { secret: 'securechange-api' },
      enrichers: ['address-classes'],
      ...options.params,
    },
    secrets: { 'securechange-api': PASSWORD },
    ...(options.effects && { effects: options.effects }),
  });

const enricher = (id: string, getData: Enricher['getData']): Enricher =>
  defineEnricher({ id, name: `The ${id}`, parameters: {}, getData });

describe('securechange-enrichment', () => {
  it('is a registered integration whose manifest lists the enrichers found and their prefixed parameters', () => {
    expect(isIntegration(integration)).toBe(true);
    const { parameters } = integration.manifest;
    expect(parameters.enrichers).toMatchObject({
      type: 'multichoice',
      choices: ['address-classes', 'servicenow-cmdb'],
    });
    expect(parameters.password).toMatchObject({ type: 'password', hostFrom: 'url', mandatory: true });
    // An enricher's mandatory parameter is checked when it runs, not when a job without it is saved.
    expect(parameters.servicenowCmdbUrl).toMatchObject({
      type: 'text',
      label: 'ServiceNow CMDB: ServiceNow URL',
    });
    expect(parameters.servicenowCmdbUrl).not.toHaveProperty('mandatory');
    expect(parameters.servicenowCmdbPassword).toMatchObject({
      type: 'password',
      hostFrom: 'servicenowCmdbUrl',
    });
  });

  it('posts one comment listing each address’s class to the current step’s task, Basic auth and JSON', async () => {
    // Prepare
    const mock = await start();

    // Act
    const outcome = await runOn(mock, '446');

    // Assess
    expect(outcome.status, outcome.error).toBe('succeeded');
    expect(outcome.message).toBe(
      'ticket 446: enrichment written to "Enrichment" of step "Technical Design" (1954) (1 added)',
    );
    expect(mock.comments).toHaveLength(1);
    const [comment] = mock.comments;
    expect(comment).toMatchObject({
      ticketId: '446',
      stepId: '1954',
      taskId: '2021',
      fieldId: '55813',
      name: 'Enrichment',
    });
    expect(comment?.text).toBe(
      [
        '— Address classes —',
        'Request 1',
        '  Sources:',
        '    10.20.30.0/24: private (RFC 1918), 256 addresses',
        '    192.168.1.10/32: private (RFC 1918), 1 address',
        '  Destinations:',
        '    8.8.8.8/32: public, 1 address',
        '    100.64.1.0/24: carrier-grade NAT shared space (RFC 6598), 256 addresses',
        '',
        markerOf('sc-enrich', '1954'),
      ].join('\n'),
    );
    const get = mock.requests[0];
    expect(get).toMatchObject({
      method: 'GET',
      path: '/securechangeworkflow/api/securechange/tickets/446',
      authorized: true,
      accept: 'application/json',
    });
    expect(mock.requests[1]).toMatchObject({
      method: 'PUT',
      path: '/securechangeworkflow/api/securechange/tickets/446/steps/1954/tasks/2021/fields/55813',
      contentType: 'application/xml',
    });
    expect(mock.requests[1]?.body).toContain(
      '<field xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="text_area"><id>55813</id>',
    );
    expect(outcome.output).toMatchObject({
      written: true,
      enrichers: [{ id: 'address-classes', status: 'added' }],
    });
  });

  it('never posts twice: a replay or retry of the run gets the recorded effect and writes nothing', async () => {
    // Prepare: a first run wrote the comment
    const mock = await start();
    const first = await runOn(mock, '446');
    const key = 'enrichment:446:1954';
    const record = first.effects[key];
    expect(record?.status).toBe('done');

    // Act: the same ticket again, with the ledger the first run left
    const again = await runOn(mock, '446', { effects: { [key]: JSON.parse(record?.resultJson ?? 'null') } });

    // Assess
    expect(again.status).toBe('succeeded');
    expect(again.message).toBe(
      'ticket 446: step "Technical Design" (1954) was enriched by an earlier run: nothing written',
    );
    expect(mock.comments).toHaveLength(1);
    expect(mock.requests.filter((r) => r.method === 'PUT')).toHaveLength(1);
  });

  it('retries a write SecureChange answered 503 to, and still writes once', async () => {
    // Prepare
    const mock = await start();
    mock.state.failWrites = 1;

    // Act
    const outcome = await runOn(mock, '446');

    // Assess
    expect(outcome.status, outcome.error).toBe('succeeded');
    expect(mock.requests.filter((r) => r.method === 'PUT')).toHaveLength(2);
    expect(mock.state.comments).toHaveLength(1);
  });

  it('names a throwing enricher in the comment without its detail, and logs the detail as ERROR', async () => {
    // Prepare
    const mock = await start();
    const using = createEnrichmentIntegration([
      enricher('boom', () => Promise.reject(new Error('database exploded at 10.9.9.9'))),
      addressClasses,
    ]);

    // Act
    const outcome = await runOn(mock, '446', { using, params: { enrichers: ['boom', 'address-classes'] } });

    // Assess
    expect(outcome.status).toBe('succeeded');
    expect(outcome.message).toContain('(1 added, 1 failed)');
    const text = mock.comments[0]?.text ?? '';
    expect(text.startsWith('The boom: failed (see the run log)\n\n— Address classes —\n')).toBe(true);
    expect(text).not.toContain('exploded');
    const error = outcome.logs.find((l) => l.level === 'ERROR');
    expect(error?.message).toContain('enricher boom failed: Error: database exploded at 10.9.9.9');
  });

  it('adds nothing for an enricher answering null or blank, and writes nothing when none has anything to say', async () => {
    // Prepare
    const mock = await start();
    const quiet = createEnrichmentIntegration([
      enricher('quiet', () => Promise.resolve(null)),
      enricher('blank', () => Promise.resolve('  ')),
    ]);

    // Act
    const outcome = await runOn(mock, '446', { using: quiet, params: { enrichers: undefined } });

    // Assess
    expect(outcome.status).toBe('succeeded');
    expect(outcome.message).toBe('ticket 446: no enricher had anything to add: nothing written');
    expect(mock.comments).toEqual([]);
    expect(mock.requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('gives an enricher its time share: one that never answers is failed and the next still runs', async () => {
    // Prepare
    const mock = await start();
    const using = createEnrichmentIntegration([
      enricher(
        'stuck',
        (_info, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve('late'))),
      ),
      enricher('hangs', () => new Promise(() => undefined)),
      enricher('fine', () => Promise.resolve('all good')),
    ]);

    // Act
    const outcome = await runOn(mock, '446', {
      using,
      params: { enrichers: undefined, enricherTimeoutSeconds: 0.2 },
    });

    // Assess
    expect(outcome.status).toBe('succeeded');
    expect(mock.comments[0]?.text).toBe(
      `The stuck: failed (see the run log)\n\nThe hangs: failed (see the run log)\n\n— The fine —\nall good\n\n${markerOf('sc-enrich', '1954')}`,
    );
    expect(outcome.logs.filter((l) => l.level === 'ERROR').map((l) => l.message)).toEqual([
      'enricher stuck failed: EnricherTimeoutError: no answer within 0.2 s (enricherTimeoutSeconds) {"enricher":"stuck"}',
      'enricher hangs failed: EnricherTimeoutError: no answer within 0.2 s (enricherTimeoutSeconds) {"enricher":"hangs"}',
    ]);
  });

  it('appends to what the field already holds, and counts an answer that is not text as a failure', async () => {
    // Prepare
    const mock = await start();
    const field = (
      mock.state.tickets.get('446') as {
        steps: { step: { tasks: { task: { fields: { field: { text: string }[] } } } }[] };
      }
    ).steps.step[2]?.tasks.task.fields.field[2];
    if (field) field.text = 'Earlier note';
    const using = createEnrichmentIntegration([
      enricher('odd', () => Promise.resolve(42 as unknown as string)),
      enricher('ok', () => Promise.resolve('x < y & z')),
    ]);

    // Act
    const outcome = await runOn(mock, '446', { using, params: { enrichers: ['odd', 'ok'] } });

    // Assess
    expect(outcome.status).toBe('succeeded');
    expect(mock.comments[0]?.text).toBe(
      `Earlier note\n\nThe odd: failed (see the run log)\n\n— The ok —\nx < y & z\n\n${markerOf('sc-enrich', '1954')}`,
    );
    expect(mock.requests[1]?.body).toContain('x &lt; y &amp; z');
    expect(outcome.logs.find((l) => l.level === 'ERROR')?.message).toContain(
      'getData returned number, not text',
    );
  });

  it('never puts the password in a log line, a message or the comment', async () => {
    // Prepare: an enricher that tries to leak what it can reach
    const mock = await start();
    const leaky = createEnrichmentIntegration([
      addressClasses,
      enricher('leak', (_i, ctx) => {
        ctx.logger.info(`params ${JSON.stringify(ctx.params)}`);
        return Promise.reject(new Error(`failed with ${PASSWORD}`));
      }),
    ]);

    // Act
    const outcome = await runOn(mock, '446', {
      using: leaky,
      params: { enrichers: ['address-classes', 'leak'] },
    });

    // Assess
    expect(outcome.status).toBe('succeeded');
    const everything = JSON.stringify([outcome.logs, outcome.message, outcome.output, mock.comments]);
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(Buffer.from(`sc-api:${PASSWORD}`).toString('base64'));
    expect(outcome.logs.some((l) => l.message.includes('***'))).toBe(true);
  });

  it('fails plainly when SecureChange refuses the account, the ticket is unknown or the step has no such field', async () => {
    // Prepare
    const mock = await start();

    // Act
    const refused = await runForTest(integration, {
      event: { source: 'securechange', trigger: 'CREATE', ticket: { id: '446' } },
      params: { url: `${mock.url}/`, username: 'sc-api', password: { secret: 's' } },
      secrets: { s: 'wrong' },
    });
    const unknown = await runOn(mock, '9999');
    const noField = await runOn(mock, '445');
    const decommission = await runOn(mock, '557', { params: { commentField: 'Notes' } });

    // Assess
    expect(refused.status).toBe('failed');
    expect(refused.error).toContain(
      'SecureChange answered 401: Authentication failed to GET /securechangeworkflow/api/securechange/tickets/446',
    );
    expect(refused.error).toContain('refused the account "sc-api"');
    expect(unknown.error).toContain('SecureChange answered 404: Ticket with ID 9999 does not exist');
    expect(noField.error).toContain(
      'step "Technical Design" (1954) has no text field named "Enrichment" (its text fields: "text field")',
    );
    expect(decommission.error).toContain(
      'step "Implement" (2499) has no text field named "Notes" (its text fields: none)',
    );
    expect(mock.comments).toEqual([]);
  });

  it('writes the named field of the sample ticket, and runs nothing for the SecureChange test button', async () => {
    // Prepare
    const mock = await start();

    // Act
    const named = await runOn(mock, '445', { params: { commentField: 'text field' } });
    const test = await runForTest(integration, {
      event: { source: 'securechange', trigger: 'TEST' },
      params: { url: mock.url, username: 'sc-api', password: { secret: 's' } },
      secrets: { s: PASSWORD },
    });
    const generic = await runForTest(integration, {
      params: { url: mock.url, username: 'sc-api', password: { secret: 's' } },
      secrets: { s: PASSWORD },
    });

    // Assess
    expect(named.status).toBe('succeeded');
    expect(mock.comments[0]).toMatchObject({ fieldId: '55810', name: 'text field' });
    expect(mock.comments[0]?.text).toContain('123.123.123.0/24: public, 256 addresses');
    expect(test).toMatchObject({ status: 'succeeded', message: 'SecureChange test: no ticket to enrich' });
    expect(generic.status).toBe('failed');
    expect(generic.error).toContain('needs a SecureChange ticket');
  });

  it('skips an enricher whose parameters are missing when the job lists none, and fails when the job lists it', async () => {
    // Prepare
    const mock = await start();

    // Act
    const byDefault = await runOn(mock, '446', { params: { enrichers: undefined } });
    const listed = await runOn(mock, '446', { params: { enrichers: ['servicenow-cmdb'] } });

    // Assess
    expect(byDefault.status).toBe('succeeded');
    expect(byDefault.logs.map((l) => l.message)).toContain(
      'enricher servicenow-cmdb skipped: servicenowCmdbUrl, servicenowCmdbUsername, servicenowCmdbPassword not set',
    );
    expect(listed.status).toBe('failed');
    expect(listed.error).toContain('enricher "servicenow-cmdb" is listed in "enrichers" but its parameters');
  });
});

describe('parametersFor', () => {
  it('prefixes an enricher’s parameters with its id in camelCase', () => {
    expect(prefixedName('servicenow-cmdb', 'url')).toBe('servicenowCmdbUrl');
    expect(prefixedName('1pass', 'token')).toBe('enricher1passToken');
  });

  it('refuses two parameters that meet, and a hostFrom naming no parameter of the enricher', () => {
    const a = defineEnricher({
      id: 'a-b',
      name: 'A',
      parameters: { c: { type: 'text' } },
      getData: () => null,
    });
    const b = defineEnricher({
      id: 'a',
      name: 'B',
      parameters: { bC: { type: 'text' } },
      getData: () => null,
    });
    const own = defineEnricher({ id: 'x', name: 'X', parameters: {}, getData: () => null });
    const bad = defineEnricher({
      id: 'y',
      name: 'Y',
      parameters: { secret: { type: 'password', hostFrom: 'url' } },
      getData: () => null,
    });
    expect(() => parametersFor([a, b])).toThrow(
      'parameter "aBC" of enricher "a" (bC) is also a parameter of enricher "a-b" (c)',
    );
    expect(() => parametersFor([own, { ...own, id: 'x', parameters: {} }])).not.toThrow();
    expect(() => parametersFor([bad])).toThrow('has hostFrom "url", which is not one of its parameters');
    expect(() => defineEnricher({ id: 'Bad', name: 'x', parameters: {}, getData: () => null })).toThrow(
      'not a valid id',
    );
  });
});

describe('reconcileEnrichment', () => {
  const target = (text: string) => ({
    stepId: '1954',
    stepName: 'Technical Design',
    task: { id: '2021', status: 'ASSIGNED', textFields: [] },
    field: { id: '55813', name: 'Enrichment', type: 'text_area', text },
  });
  const marker = markerOf('sc-enrich', '1954');

  it('answers what an earlier attempt wrote when the field holds its marker, without enriching again', async () => {
    let enriched = 0;
    const answer = await reconcileEnrichment(
      () => Promise.resolve(target(`note\n\n— Address classes —\n…\n\n${marker}`)),
      marker,
      '446',
      () => {
        enriched++;
        return Promise.reject(new Error('not expected'));
      },
    );
    expect(enriched).toBe(0);
    expect(answer).toEqual({
      ticketId: '446',
      stepId: '1954',
      taskId: '2021',
      fieldId: '55813',
      written: true,
      enrichers: [],
      reconciled: true,
    });
  });

  it('enriches and writes now when the earlier attempt’s write never arrived', async () => {
    const seen: string[] = [];
    const answer = await reconcileEnrichment(
      () => Promise.resolve(target('someone else wrote [triggerhub:enrichment:other-job:1954]')),
      marker,
      '446',
      (t) => {
        seen.push(t.field.text);
        return Promise.resolve({
          ticketId: '446',
          stepId: '1954',
          taskId: '2021',
          fieldId: '55813',
          written: true,
          enrichers: [],
        });
      },
    );
    expect(seen).toEqual(['someone else wrote [triggerhub:enrichment:other-job:1954]']);
    expect(answer.reconciled).toBeUndefined();
  });
});
