import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../shared/errors.ts';
import type { MappingField } from '../../shared/model/index.ts';
import { alertOf, MAX_ALERT_ID_LENGTH } from '../../shared/tickets/alert.ts';
import { dedupeKeyOf, MAX_DEDUPE_KEY_BYTES } from '../../shared/tickets/dedupe-key.ts';
import { isOwnChangeText, ownChangeNote, taskMarker } from '../../shared/tickets/marker.ts';
import { orderKeyOf } from '../../shared/tickets/order-key.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { MAX_RESOLVED_BYTES, resolveTemplate, VALUE_UNAVAILABLE } from '../../shared/tickets/placeholders.ts';
import { shapeFields } from '../../shared/tickets/shape.ts';
import { webhookEvent } from '../helpers/runs.ts';

const netskope = {
  id: 'f1e2d3',
  alertName: 'DLP upload',
  alertType: 'DLP',
  app: 'Dropbox',
  appCategory: 'Cloud Storage',
  user: 'bob@acme.com',
  type: 'nspolicy',
  timestamp: 1_700_000_000,
  severity: 'high',
  owner: { email: 'sec@acme.com', groups: ['a', 'b'] },
  data: [{ file: 'x.pdf' }],
};

describe('alertOf', () => {
  it('takes the main attributes from the top level, as text, and keeps the whole body as rawAlert', () => {
    const alert = alertOf({}, netskope, 'D1');
    expect(alert).toEqual({
      id: 'f1e2d3',
      alertName: 'DLP upload',
      alertType: 'DLP',
      app: 'Dropbox',
      appCategory: 'Cloud Storage',
      user: 'bob@acme.com',
      type: 'nspolicy',
      timestamp: '2023-11-14T22:13:20.000Z',
      rawAlert: netskope,
    });
  });

  it('reads epoch milliseconds and digit strings as timestamps, keeps other text, turns numbers into text', () => {
    expect(alertOf({}, { timestamp: 1_700_000_000_123 }, 'D').timestamp).toBe('2023-11-14T22:13:20.123Z');
    expect(alertOf({}, { timestamp: '1700000000' }, 'D').timestamp).toBe('2023-11-14T22:13:20.000Z');
    expect(alertOf({}, { timestamp: '2026-11-22T10:00:00Z' }, 'D').timestamp).toBe('2026-11-22T10:00:00Z');
    expect(alertOf({}, { id: 42, user: true, app: { name: 'x' } }, 'D')).toMatchObject({
      id: '42',
      user: 'true',
    });
    expect(alertOf({}, { app: { name: 'x' } }, 'D').app).toBeUndefined();
  });

  it('reads attributes from configured dotted paths (own properties only)', () => {
    const alert = alertOf(
      { attributes: { id: '_id', alertName: 'alert.name', user: 'data.0.user', app: 'constructor.name' } },
      { _id: 'n1', alert: { name: 'Malware' }, data: [{ user: 'eve' }] },
      'D1',
    );
    expect(alert).toMatchObject({ id: 'n1', alertName: 'Malware', user: 'eve' });
    expect(alert.app).toBeUndefined();
  });

  it('falls back to the delivery id, wraps a non-object body, and hashes an id too long to keep', () => {
    expect(alertOf({}, { alertName: 'x' }, 'D1').id).toBe('D1');
    expect(alertOf({}, { id: '' }, 'D1').id).toBe('D1');
    expect(alertOf({}, ['a', 'b'], 'D2')).toEqual({ id: 'D2', rawAlert: { value: ['a', 'b'] } });
    expect(alertOf({}, 'text', 'D3').rawAlert).toEqual({ value: 'text' });
    const long = alertOf({}, { id: 'x'.repeat(MAX_ALERT_ID_LENGTH + 1) }, 'D').id;
    expect(long).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(alertOf({}, { id: 'x'.repeat(MAX_ALERT_ID_LENGTH + 1) }, 'D').id).toBe(long);
    expect(alertOf({}, { id: 'a\nb' }, 'D').id).toMatch(/^sha256:/);
  });
});

describe('resolveTemplate', () => {
  const alert = alertOf({}, netskope, 'D1');

  it('fills $name from the main attributes, then the body by dotted path; a missing one is value_unavailable', () => {
    expect(resolveTemplate('Netskope $appCategory alert: $alertName', alert)).toBe(
      'Netskope Cloud Storage alert: DLP upload',
    );
    expect(resolveTemplate('$severity / $owner.email / $data.0.file / $owner.phone / $nothing', alert)).toBe(
      'high / sec@acme.com / x.pdf / value_unavailable / value_unavailable',
    );
    expect(VALUE_UNAVAILABLE).toBe('value_unavailable');
  });

  it('keeps text that is no placeholder, ends a placeholder at punctuation, and renders objects as JSON', () => {
    expect(resolveTemplate('costs $5, by $user. ($app)', alert)).toBe('costs $5, by bob@acme.com. (Dropbox)');
    expect(resolveTemplate('$alertName:$user', alert)).toBe('DLP upload:bob@acme.com');
    expect(resolveTemplate('groups $owner.groups', alert)).toBe('groups ["a","b"]');
    expect(resolveTemplate('$toString $__proto__ $constructor', alert)).toBe(
      'value_unavailable value_unavailable value_unavailable',
    );
  });

  it('cuts what a template resolves to at MAX_RESOLVED_BYTES', () => {
    const big = alertOf({}, { blob: 'y'.repeat(MAX_RESOLVED_BYTES * 2) }, 'D');
    expect(Buffer.byteLength(resolveTemplate('$blob', big))).toBeLessThanOrEqual(MAX_RESOLVED_BYTES);
  });
});

describe('dedupeKeyOf', () => {
  const tickets = { queue: 'Q', dedupe: { key: '$alertName:$user', action: 'comment' as const } };

  it('resolves the dedupe key template against the posted body; undefined without dedupe', () => {
    expect(dedupeKeyOf(tickets, netskope)).toBe('DLP upload:bob@acme.com');
    expect(dedupeKeyOf(tickets, { alertName: 'x' })).toBe('x:value_unavailable');
    expect(dedupeKeyOf({ queue: 'Q' }, netskope)).toBeUndefined();
  });

  it('bounds a long key: its start kept, a hash of the whole at its end, distinct keys stay distinct', () => {
    const a = dedupeKeyOf(tickets, { alertName: 'é'.repeat(600), user: 'a' });
    const b = dedupeKeyOf(tickets, { alertName: 'é'.repeat(600), user: 'b' });
    expect(Buffer.byteLength(a ?? '')).toBeLessThanOrEqual(MAX_DEDUPE_KEY_BYTES);
    expect(a).toMatch(/^é+…#[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
  });

  it('gives a ticket job’s async runs their order key', () => {
    const job = JobSchema.parse({
      id: 'j',
      name: 'J',
      integration: 'jira',
      auth: { secret: 's' },
      tickets,
    });
    expect(orderKeyOf(job, webhookEvent({ payload: netskope }))).toBe('DLP upload:bob@acme.com');
  });
});

describe('taskMarker and own-change notes', () => {
  it('is triggerhub-<job>.<alert> when short and label-safe, else a stable hashed form', () => {
    expect(taskMarker('alerts-to-jira', 'a1')).toBe('triggerhub-alerts-to-jira.a1');
    const hashed = taskMarker('alerts-to-jira', 'has space');
    expect(hashed).toMatch(/^triggerhub-alerts-to-jira-[0-9a-f]{32}$/);
    expect(taskMarker('alerts-to-jira', 'has space')).toBe(hashed);
    const long = taskMarker('j'.repeat(64), 'a'.repeat(80));
    expect(long).toBe(`triggerhub-${'j'.repeat(32)}-${long.slice(-32)}`);
    expect(long.length).toBeLessThanOrEqual(100);
  });

  it('ends our comments with [triggerhub:<marker>], which isOwnChangeText recognizes', () => {
    const note = ownChangeNote('triggerhub-j-a1');
    expect(note).toBe('[triggerhub:triggerhub-j-a1]');
    expect(isOwnChangeText(`New alert.\n${note}`)).toBe(true);
    expect(isOwnChangeText('a person wrote this about triggerhub')).toBe(false);
  });
});

describe('shapeFields', () => {
  const fields: MappingField[] = [
    { label: 'Summary', value: 'summary', type: 'string', required: true },
    { label: 'Points', value: 'points', type: 'number' },
    { label: 'Severity', value: 'sev', type: 'number', required: true },
    { label: 'Labels', value: 'labels', type: 'array' },
    { label: 'Due', value: 'due', type: 'date' },
  ];

  it('numbers become Numbers, arrays are split on commas and trimmed, the rest stays text', () => {
    expect(
      shapeFields(
        { summary: 'S', points: ' 3.5 ', sev: '2', labels: ' a, b ,,c ', due: '2026-12-01', other: '7' },
        fields,
      ),
    ).toEqual({ summary: 'S', points: 3.5, sev: 2, labels: ['a', 'b', 'c'], due: '2026-12-01', other: '7' });
  });

  it('refuses a number field whose text is no number, and a required one with no value; leaves out an optional empty one', () => {
    expect(() => shapeFields({ points: 'many', sev: '1' }, fields)).toThrow(PermanentError);
    expect(() => shapeFields({ points: 'many', sev: '1' }, fields)).toThrow(
      'mapping "points": "many" is not a number',
    );
    expect(() => shapeFields({ sev: 'value_unavailable' }, fields)).toThrow(
      'mapping "sev": the target requires this number field',
    );
    expect(shapeFields({ points: 'value_unavailable', labels: ' ', sev: '1' }, fields)).toEqual({ sev: 1 });
  });
});
