import { describe, expect, it } from 'vitest';
import { UnsupportedMediaTypeError, ValidationError } from '../../shared/errors.ts';
import { TriggerEventSchema } from '../../shared/model/index.ts';
import { genericAdapter as adapter } from '../../shared/sources/generic.ts';
import { sourceAdapter } from '../../shared/sources/index.ts';
import { checkPointAdapter } from '../../shared/sources/checkpoint.ts';
import { secureChangeAdapter } from '../../shared/sources/securechange.ts';
import { DELIVERY_ID, RECEIVED_AT, makeJob, makeRequest, readSample, errorOf } from '../helpers/samples.ts';

const job = makeJob();

describe('genericAdapter.parse', () => {
  it('keeps any JSON body as the payload, with trigger webhook', () => {
    // Prepare
    const req = makeRequest('{"alert":{"id":42,"severity":"high"}}', 'application/json', {
      headers: { 'x-request-id': 'abc' },
    });

    // Act
    const event = adapter.parse(req, job);

    // Assess
    expect(TriggerEventSchema.parse(event)).toEqual(event);
    expect(event).toEqual({
      source: 'generic',
      trigger: 'webhook',
      deliveryId: DELIVERY_ID,
      receivedAt: RECEIVED_AT,
      headers: { 'content-type': 'application/json', 'x-request-id': 'abc' },
      query: {},
      contentType: 'application/json',
      payload: { alert: { id: 42, severity: 'high' } },
    });
  });

  it.each(['orca_close.json', 'orca_reject.json'])('keeps the Orca status JSON sample %s as sent', (file) => {
    // Prepare
    const body = readSample(`tufin-securechange/orca-securechange/${file}`);

    // Act
    const event = adapter.parse(makeRequest(body, 'application/json'), job);

    // Assess
    expect(event.payload).toEqual(JSON.parse(body));
    expect(event.payload).toMatchObject({
      ticketId: '#ticket_id#',
      status: file === 'orca_close.json' ? 2 : 3,
    });
  });

  it.each([
    ['application/json; charset=utf-8', '[1,2]', [1, 2]],
    ['application/vnd.github+json', '"text"', 'text'],
    ['APPLICATION/CLOUDEVENTS+JSON', '\uFEFF{"a":null}', { a: null }],
  ])('accepts %s', (contentType, body, payload) => {
    // Act
    const event = adapter.parse(makeRequest(body, contentType), job);

    // Assess
    expect(event.payload).toEqual(payload);
  });

  it('takes the trigger from ?event=, else the job event', () => {
    // Act
    const fromQuery = adapter.parse(
      makeRequest('{}', 'application/json', { query: { event: 'alert.created' } }),
      job,
    );
    const fromJob = adapter.parse(makeRequest('{}', 'application/json'), makeJob({ event: 'nightly' }));

    // Assess
    expect(fromQuery.trigger).toBe('alert.created');
    expect(fromJob.trigger).toBe('nightly');
  });

  it('refuses an event name with odd characters', () => {
    // Act
    const error = errorOf(() =>
      adapter.parse(makeRequest('{}', 'application/json', { query: { event: '<script>' } }), job),
    );

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
  });

  it('refuses malformed JSON with the parser reason', () => {
    // Act
    const error = errorOf(() => adapter.parse(makeRequest('{"a":', 'application/json'), job));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).status).toBe(400);
    expect((error as Error).message).toMatch(/^body is not valid JSON: .+/);
  });

  it('refuses an empty body', () => {
    // Act
    const error = errorOf(() => adapter.parse(makeRequest('  ', 'application/json'), job));

    // Assess
    expect((error as Error).message).toBe('empty body: expected JSON');
  });

  it.each([undefined, 'text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'json'])(
    'refuses content type %j with 415',
    (contentType) => {
      // Act
      const error = errorOf(() => adapter.parse(makeRequest('{}', contentType), job));

      // Assess
      expect(error).toBeInstanceOf(UnsupportedMediaTypeError);
    },
  );
});

describe('genericAdapter.renderVerdict', () => {
  it('answers 200 with allow, message and runId', () => {
    // Prepare
    const event = adapter.parse(makeRequest('{}', 'application/json'), job);

    // Act
    const response = adapter.renderVerdict({ allow: false, message: 'no' }, { job, event, runId: 'R9' });

    // Assess
    expect(response).toEqual({
      status: 200,
      contentType: 'application/json',
      body: '{"allow":false,"message":"no","runId":"R9"}',
    });
  });
});

describe('sourceAdapter', () => {
  it('returns the adapter of each source', () => {
    // Act & Assess
    expect(sourceAdapter('generic')).toBe(adapter);
    expect(sourceAdapter('securechange')).toBe(secureChangeAdapter);
    expect(sourceAdapter('checkpoint')).toBe(checkPointAdapter);
    expect(sourceAdapter('checkpoint').id).toBe('checkpoint');
  });
});
