import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UnsupportedMediaTypeError, ValidationError } from '../../shared/errors.ts';
import { TriggerEventSchema, type Job, type TriggerEvent } from '../../shared/model/index.ts';
import { checkPointAdapter as adapter, decodeBase64Json } from '../../shared/sources/checkpoint.ts';
import {
  CHECKPOINT,
  POST_PUBLISH_CUSTOM_DATA,
  PRE_PUBLISH_CUSTOM_DATA,
  afterInstallPolicyPayload,
  beforePublishPayload,
  makeJob,
  makeRequest,
  readSampleJson,
  repoRoot,
  showChangesPayload,
  toBase64Json,
  errorOf,
} from '../helpers/samples.ts';

const asyncJob = makeJob({ source: 'checkpoint' });
const decisionJob = makeJob({ source: 'checkpoint', mode: 'decision' });
const SMC_USER = { uid: '41e821a0-3720-11e3-aa6e-0800200c9fde', name: 'SMC User', 'domain-type': 'domain' };
const rule = (uid: string, name: string) => ({ uid, name, type: 'access-rule', domain: SMC_USER });

const parseJsonBody = (
  payload: unknown,
  job: Job = asyncJob,
  opts: Parameters<typeof makeRequest>[2] = {},
): TriggerEvent => adapter.parse(makeRequest(JSON.stringify(payload), 'application/json', opts), job);

describe('checkPointAdapter.parse — Web Request payloads', () => {
  it('normalizes a Before Publish payload (session meta-data, operations, custom data)', () => {
    // Prepare
    const job = makeJob({ source: 'checkpoint', mode: 'decision', event: 'before-publish' });

    // Act
    const event = parseJsonBody(beforePublishPayload(), job);

    // Assess
    expect(TriggerEventSchema.parse(event)).toEqual(event);
    expect(event.source).toBe('checkpoint');
    expect(event.trigger).toBe('before-publish');
    expect(event.session).toEqual({
      trigger: 'before-publish',
      sessionUid: '40b969d3-6b3c-48a0-a4d7-7cfeeea1bc5a',
      userName: 'aa',
      publishTime: '2017-02-01T06:20:56.333Z',
      domain: { uid: SMC_USER.uid, name: 'SMC User', type: 'domain' },
      changes: {
        added: [rule('408c7054-eb6d-4557-8a15-cb1b6160b80b', 'MyRule3')],
        modified: [
          {
            old: rule('fad17be7-6b4e-4033-b27f-b7769520e0a1', 'MyRule2'),
            new: rule('fad17be7-6b4e-4033-b27f-b7769520e0a1', 'MyRule4'),
          },
        ],
        deleted: [rule('7bded5dc-ad1d-4300-8405-12f9afdbdba3', 'MyRule1')],
      },
      customData: PRE_PUBLISH_CUSTOM_DATA,
    });
    expect(event.payload).toEqual(beforePublishPayload());
  });

  it('flattens a show-changes answer across all its sessions (by_sessions sample)', () => {
    // Act
    const event = parseJsonBody(
      showChangesPayload(),
      makeJob({ source: 'checkpoint', event: 'after-publish' }),
    );

    // Assess
    const session = event.session;
    expect(session?.trigger).toBe('after-publish');
    expect(session?.sessionUid).toBe('f769407d-4bce-4b1b-aaf5-f7f6727525be');
    expect(session?.publishTime).toBe('2017-02-01T06:20:43.334Z');
    expect(session?.changes?.added.map((o) => o.name)).toEqual(['MyRule3']);
    expect(session?.changes?.modified.map((m) => [m.old?.name, m.new.name])).toEqual([
      ['MyRule2', 'MyRule4'],
      ['MyRule1', 'MyRule2'],
    ]);
    expect(session?.changes?.deleted.map((o) => o.name)).toEqual(['MyRule1']);
    expect(session?.customData).toEqual(POST_PUBLISH_CUSTOM_DATA);
  });

  it('normalizes an After Install Policy payload, recognized by its fields', () => {
    // Act
    const event = parseJsonBody(afterInstallPolicyPayload());

    // Assess
    expect(TriggerEventSchema.safeParse(event).success).toBe(true);
    expect(event.trigger).toBe('after-install-policy');
    expect(event.session).toEqual({
      trigger: 'after-install-policy',
      userName: 'admin',
      installPolicy: {
        packageName: 'standard',
        targets: ['Corporate-Gateway', 'BranchOffice'],
        result: 'Succeeded',
      },
      customData: {
        smarttask_servicenow_host: 'dev12345.service-now.com',
        short_description: 'Check Point SmartTask has reverted to last good known policy',
      },
    });
  });

  it('infers Before Publish for a decision job and After Publish otherwise when nothing names the trigger', () => {
    // Act
    const decided = parseJsonBody(beforePublishPayload(), decisionJob);
    const queued = parseJsonBody(beforePublishPayload(), asyncJob);

    // Assess
    expect(decided.trigger).toBe('before-publish');
    expect(queued.trigger).toBe('after-publish');
  });

  it('takes an explicit trigger from the payload or ?event= over the inference', () => {
    // Act
    const fromField = parseJsonBody({ ...beforePublishPayload(), trigger: 'Before Publish' }, asyncJob);
    const fromObject = parseJsonBody(
      { ...beforePublishPayload(), trigger: { name: 'After Publish' } },
      decisionJob,
    );
    const fromQuery = parseJsonBody(beforePublishPayload(), asyncJob, { query: { event: 'before_publish' } });

    // Assess
    expect([fromField.trigger, fromObject.trigger, fromQuery.trigger]).toEqual([
      'before-publish',
      'after-publish',
      'before-publish',
    ]);
  });

  it('accepts a Before Publish with session meta-data only (no management API): its changes are absent, not empty', () => {
    // Prepare
    const payload = {
      session: { 'user-name': 'Mickey', 'session-name': 'CR-1234' },
      'custom-data': '{"a":1}',
    };

    // Act
    const event = parseJsonBody(payload, decisionJob);

    // Assess
    expect(event.session).toEqual({
      trigger: 'before-publish',
      userName: 'Mickey',
      sessionName: 'CR-1234',
      customData: { a: 1 },
    });
    expect(event.session && 'changes' in event.session).toBe(false);
  });
});

describe('checkPointAdapter.parse — Run Script (base64) forms', () => {
  const expected = parseJsonBody(afterInstallPolicyPayload());
  const b64 = toBase64Json(afterInstallPolicyPayload());

  it.each([
    ['text/plain, wrapped at 76 columns', b64.replace(/(.{76})/g, '$1\n'), 'text/plain'],
    ['a JSON string', JSON.stringify(b64), 'application/json'],
    ['{"data": "<base64>"}', JSON.stringify({ data: b64 }), 'application/json; charset=utf-8'],
    ['unpadded base64', b64.replace(/=+$/, ''), 'text/plain'],
  ])('decodes %s to the same event as the plain JSON', (_label, body, contentType) => {
    // Act
    const event = adapter.parse(makeRequest(body, contentType), asyncJob);

    // Assess
    expect(event.session).toEqual(expected.session);
    expect(event.payload).toEqual(afterInstallPolicyPayload());
  });

  it('does not unwrap an object with data beside other keys', () => {
    // Act
    const error = errorOf(() => parseJsonBody({ data: b64, other: 1 }));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/^cannot tell which SmartTask trigger/);
  });

  it.each([
    ['not base64', 'not base64 at all!', 'Run Script data is not valid base64'],
    [
      'plain JSON as text/plain',
      '{"session":{}}',
      'a text/plain body is base64 Run Script data; send JSON as application/json',
    ],
    ['a misplaced pad', 'ab=c', 'Run Script data is not valid base64'],
    ['one dangling character', 'abcde', 'Run Script data is not valid base64'],
    [
      'invalid UTF-8',
      Buffer.from([0xff, 0xfe, 0xfd]).toString('base64'),
      'Run Script data does not decode to UTF-8 text',
    ],
  ])('refuses %s', (_label, body, message) => {
    // Act
    const error = errorOf(() => adapter.parse(makeRequest(body, 'text/plain'), asyncJob));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe(message);
  });

  it('refuses base64 whose content is not JSON, with the parser reason', () => {
    // Act
    const error = errorOf(() => decodeBase64Json(Buffer.from('hello').toString('base64')));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(
      /^base64-decoded Run Script data is not valid JSON: Unexpected token/,
    );
  });
});

describe('checkPointAdapter.parse — refused input', () => {
  it('refuses malformed JSON with the parser reason', () => {
    // Act
    const error = errorOf(() => adapter.parse(makeRequest('{"session": ', 'application/json'), asyncJob));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/^body is not valid JSON: /);
  });

  it.each([['[]'], ['42'], ['null']])('refuses a JSON %s that is not an object', (body) => {
    // Act
    const error = errorOf(() => adapter.parse(makeRequest(body, 'application/json'), asyncJob));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe('expected a JSON object: the SmartTask trigger data');
  });

  it.each([undefined, 'application/xml', 'multipart/form-data', 'application/vnd.api+json'])(
    'refuses content type %j with 415',
    (contentType) => {
      // Act
      const error = errorOf(() =>
        adapter.parse(makeRequest(JSON.stringify(beforePublishPayload()), contentType), asyncJob),
      );

      // Assess
      expect(error).toBeInstanceOf(UnsupportedMediaTypeError);
      expect((error as Error).message).toMatch(
        /^checkpoint jobs accept application\/json or text\/plain, not /,
      );
    },
  );

  it('refuses an empty body', () => {
    // Act
    const error = errorOf(() => adapter.parse(makeRequest(' ', 'application/json'), asyncJob));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe('empty body: expected the SmartTask JSON');
  });

  it('refuses a changed object without uid, naming where it is', () => {
    // Prepare
    const payload = {
      ...beforePublishPayload(),
      operations: {
        'added-objects': [{ name: 'x', type: 'host' }],
        'modified-objects': [],
        'deleted-objects': [],
      },
    };

    // Act
    const error = errorOf(() => parseJsonBody(payload));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/^operations\.added-objects\[0\]\.uid: /);
  });

  it('refuses custom-data that is not a JSON object', () => {
    // Act
    const number = errorOf(() => parseJsonBody({ ...beforePublishPayload(), 'custom-data': 3 }));
    const text = errorOf(() => parseJsonBody({ ...beforePublishPayload(), 'custom-data': 'plain words' }));

    // Assess
    expect((number as Error).message).toBe('custom-data must be a JSON object');
    expect(text).toBeInstanceOf(ValidationError);
    expect((text as Error).message).toMatch(/^custom-data is not valid JSON/);
  });

  it('refuses a trigger that contradicts the payload shape', () => {
    // Act
    const publishAsInstall = errorOf(() =>
      parseJsonBody(beforePublishPayload(), makeJob({ source: 'checkpoint', event: 'after-install-policy' })),
    );
    const installAsPublish = errorOf(() =>
      parseJsonBody(afterInstallPolicyPayload(), asyncJob, { query: { event: 'before-publish' } }),
    );

    // Assess
    expect((publishAsInstall as Error).message).toBe(
      'the payload is a publish session, not after-install-policy data',
    );
    expect((installAsPublish as Error).message).toBe(
      'the payload is an install-policy report, not before-publish data',
    );
  });

  it('refuses unsupported or conflicting trigger names', () => {
    // Act
    const unsupported = errorOf(() => parseJsonBody({ ...beforePublishPayload(), trigger: 'After Submit' }));
    const conflicting = errorOf(() =>
      parseJsonBody({ ...beforePublishPayload(), trigger: 'Before Publish' }, asyncJob, {
        query: { event: 'after-publish' },
      }),
    );
    const badJobEvent = errorOf(() =>
      parseJsonBody(beforePublishPayload(), makeJob({ source: 'checkpoint', event: 'CREATE' })),
    );

    // Assess
    expect((unsupported as Error).message).toMatch(
      /^payload trigger "After Submit" is not a supported SmartTask trigger/,
    );
    expect((conflicting as Error).message).toBe(
      'the payload says before-publish but ?event= says after-publish',
    );
    expect(badJobEvent).toBeInstanceOf(ValidationError);
  });

  it('refuses data with no recognizable shape, with or without a trigger', () => {
    // Act
    const error = errorOf(() => parseJsonBody({ hello: 'world' }));
    const named = errorOf(() =>
      parseJsonBody({ hello: 'world' }, makeJob({ source: 'checkpoint', event: 'After Publish' })),
    );

    // Assess
    expect((error as Error).message).toMatch(/^cannot tell which SmartTask trigger/);
    expect(named).toBeInstanceOf(ValidationError);
    expect((named as Error).message).toMatch(/^not SmartTask publish data: "session" is missing/);
  });
});

describe('checkPointAdapter.renderVerdict', () => {
  it('answers 200 with result and message', () => {
    // Prepare
    const event = parseJsonBody(beforePublishPayload(), decisionJob);

    // Act
    const denied = adapter.renderVerdict(
      { allow: false, message: 'You can only modify objects with the tag Web_Control' },
      { job: decisionJob, event, runId: 'R1' },
    );
    const allowed = adapter.renderVerdict(
      { allow: true, message: 'ok' },
      { job: decisionJob, event, runId: 'R2' },
    );

    // Assess
    expect(denied).toEqual({
      status: 200,
      contentType: 'application/json',
      body: '{"result":"failure","message":"You can only modify objects with the tag Web_Control"}',
    });
    expect(allowed.body).toBe('{"result":"success","message":"ok"}');
  });
});

describe('checkPointAdapter.parse — what a SmartTask always sends', () => {
  const exampleJob = makeJob({
    source: 'checkpoint',
    mode: 'decision',
    event: 'before-publish',
  });
  const examplePayload = (name: string): Record<string, unknown> =>
    JSON.parse(readFileSync(path.join(repoRoot, 'examples', 'payloads', name), 'utf8')) as Record<
      string,
      unknown
    >;

  it.each([
    ['{}', {}],
    ['{"foo":"bar"}', { foo: 'bar' }],
    ['custom data only', { 'custom-data': { ticket: 'CR-1' } }],
  ])('refuses %s to a publish job, naming the missing session', (_label, payload) => {
    // Act
    const error = errorOf(() => parseJsonBody(payload, exampleJob));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe(
      'not SmartTask publish data: "session" is missing (a before-publish SmartTask always sends the session meta-data: "session" with "user-name")',
    );
  });

  it.each([
    ['operations without a session', { operations: { 'added-objects': [] } }, 'session is missing'],
    ['a session that is not an object', { session: 'aa' }, 'session is not an object'],
    ['a session without user-name', { session: { 'session-uid': 'u-1' } }, 'session.user-name is missing'],
    ['a blank user-name', { session: { 'user-name': '  ' } }, 'session.user-name is missing'],
    ['a user-name that is a number', { session: { 'user-name': 1 } }, 'session.user-name is not a string'],
    ['a user-name that is true', { session: { 'user-name': true } }, 'session.user-name is not a string'],
    [
      'a user-name that is an object',
      { session: { 'user-name': { a: 1 } } },
      'session.user-name is not a string',
    ],
    ['a null user-name', { session: { 'user-name': null } }, 'session.user-name is missing'],
  ])('refuses %s', (_label, payload, start) => {
    // Act
    const error = errorOf(() => parseJsonBody(payload, exampleJob));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message.startsWith(start)).toBe(true);
  });

  it('names the entry of a show-changes answer whose session lacks user-name', () => {
    // Prepare
    const answer = showChangesPayload() as { tasks: [{ 'task-details': [{ changes: unknown[] }] }] };
    const second = answer.tasks[0]['task-details'][0].changes[1] as { session: Record<string, unknown> };
    delete second.session['user-name'];

    // Act
    const error = errorOf(() =>
      parseJsonBody(answer, makeJob({ source: 'checkpoint', event: 'after-publish' })),
    );

    // Assess
    expect((error as Error).message).toMatch(
      /^tasks\[0\]\.task-details\[0\]\.changes\[1\]\.session\.user-name is missing/,
    );
  });

  it('names no administrator when the sessions of a show-changes answer name different ones', () => {
    // Prepare
    const answer = showChangesPayload() as { tasks: [{ 'task-details': [{ changes: unknown[] }] }] };
    const second = answer.tasks[0]['task-details'][0].changes[1] as { session: Record<string, unknown> };
    second.session['user-name'] = 'mallory';

    // Act
    const event = parseJsonBody(answer, exampleJob);

    // Assess: a gate on administrators must see every one; it sees none, and denies
    expect(event.session?.userName).toBeUndefined();
    expect(event.session?.changes?.added).toHaveLength(1);
    expect(parseJsonBody(showChangesPayload(), exampleJob).session?.userName).toBe('aa');
  });

  it.each([
    ['{}', {}, 'initiator, policyPackage, installPolicyResult missing'],
    ['an initiator only', { initiator: 'admin' }, 'policyPackage, installPolicyResult missing'],
    [
      'a blank result',
      { ...afterInstallPolicyPayload(), installPolicyResult: '' },
      'installPolicyResult missing',
    ],
  ])('refuses install-policy data with %s, naming what is missing', (_label, payload, missing) => {
    // Act
    const error = errorOf(() =>
      parseJsonBody(payload, makeJob({ source: 'checkpoint', event: 'after-install-policy' })),
    );

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe(
      `not SmartTask install-policy data: ${missing} (an after-install-policy SmartTask always sends initiator, policyPackage, installPolicyResult)`,
    );
  });

  it('accepts every sample and example payload, each with its change set', () => {
    // Prepare
    const publishJob = makeJob({ source: 'checkpoint', event: 'after-publish' });
    const samples = [
      beforePublishPayload(),
      showChangesPayload(),
      readSampleJson(`${CHECKPOINT}/show-changes_example_response_by_dates.json`),
      readSampleJson(`${CHECKPOINT}/show-changes_example_response_by_sessions.json`),
      examplePayload('checkpoint-before-publish.json'),
      examplePayload('checkpoint-before-publish-violation.json'),
    ];

    // Act
    const sessions = samples.map((p) => parseJsonBody(p, publishJob).session);
    const install = parseJsonBody(afterInstallPolicyPayload()).session;

    // Assess
    for (const session of sessions) {
      expect(session?.userName).toBe('aa');
      expect(session?.changes).toBeDefined();
    }
    expect(install?.trigger).toBe('after-install-policy');
  });

  it.each([
    [
      'operations renamed',
      () => {
        const { operations, ...rest } = examplePayload('checkpoint-before-publish-violation.json');
        return { ...rest, operationz: operations };
      },
    ],
    ['no operations (the example)', () => examplePayload('checkpoint-before-publish-missing-changes.json')],
    ['operations null', () => ({ ...beforePublishPayload(), operations: null })],
    [
      'operations with none of the three lists',
      () => ({ ...beforePublishPayload(), operations: { foo: [] } }),
    ],
    [
      'one session of a show-changes answer without operations',
      () => {
        const answer = showChangesPayload() as { tasks: [{ 'task-details': [{ changes: unknown[] }] }] };
        delete (answer.tasks[0]['task-details'][0].changes[1] as Record<string, unknown>).operations;
        return answer;
      },
    ],
  ])('leaves the changes out — unknown, not none — for %s', (_label, payload) => {
    // Act
    const event = parseJsonBody(payload(), exampleJob);

    // Assess
    expect(TriggerEventSchema.parse(event)).toEqual(event);
    expect(event.session?.userName).toBe('aa');
    expect(event.session && 'changes' in event.session).toBe(false);
  });

  it('tells an empty change set (three empty lists) from a missing one', () => {
    // Act
    const event = parseJsonBody(
      {
        session: { 'user-name': 'aa' },
        operations: { 'added-objects': [], 'modified-objects': [], 'deleted-objects': [] },
      },
      exampleJob,
    );

    // Assess
    expect(event.session?.changes).toEqual({ added: [], modified: [], deleted: [] });
  });

  it.each([
    ['missing', { uid: 'o-1' }],
    ['a number', { uid: 'o-1', type: 7 }],
  ])('refuses an added object whose type is %s, naming where', (_label, object) => {
    // Act
    const error = errorOf(() =>
      parseJsonBody(
        {
          ...beforePublishPayload(),
          operations: { 'added-objects': [object], 'modified-objects': [], 'deleted-objects': [] },
        },
        exampleJob,
      ),
    );

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/^operations\.added-objects\[0\]\.type: /);
  });

  it.each([
    ['one list', { 'added-objects': [] }],
    ['a list misspelt', { 'added-objects': [], 'modified-object': [], 'deleted-objects': [] }],
    ['a list null', { 'added-objects': [], 'modified-objects': null, 'deleted-objects': [] }],
  ])('reads operations with %s as an unknown change set, never as no changes', (_label, operations) => {
    // Act
    const event = parseJsonBody({ ...beforePublishPayload(), operations }, exampleJob);

    // Assess
    expect(event.session).toBeDefined();
    expect(event.session?.changes).toBeUndefined();
  });

  it('refuses operations that are not an object, naming where', () => {
    // Act
    const error = errorOf(() => parseJsonBody({ ...beforePublishPayload(), operations: 'none' }, exampleJob));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe('operations must be an object');
  });
});
