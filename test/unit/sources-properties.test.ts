import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnsupportedMediaTypeError, ValidationError } from '../../shared/errors.ts';
import { TriggerEventSchema, type Job, type TriggerEvent } from '../../shared/model/index.ts';
import { checkPointAdapter } from '../../shared/sources/checkpoint.ts';
import { genericAdapter } from '../../shared/sources/generic.ts';
import { secureChangeAdapter } from '../../shared/sources/securechange.ts';
import type { SourceAdapter } from '../../shared/sources/types.ts';
import { makeJob, makeRequest, toBase64Json } from '../helpers/samples.ts';

/**
 * The parser contract: a request either becomes a valid TriggerEvent or is
 * refused with ValidationError (400) / UnsupportedMediaTypeError (415) —
 * never a TypeError, RangeError or a library's own error (a 500).
 */
const parsesOrRefuses = (
  adapter: SourceAdapter,
  body: string,
  contentType: string | undefined,
  job: Job,
  extra: Parameters<typeof makeRequest>[2] = {},
): void => {
  let event: TriggerEvent;
  try {
    event = adapter.parse(makeRequest(body, contentType, extra), job);
  } catch (e) {
    if (e instanceof ValidationError || e instanceof UnsupportedMediaTypeError) return;
    throw e;
  }
  const checked = TriggerEventSchema.safeParse(event);
  if (!checked.success) throw new Error(`invalid event: ${checked.error.message}`);
};

const contentTypes = fc.oneof(
  fc.constantFrom(
    undefined,
    'application/json',
    'application/json; charset=utf-8',
    'application/xml',
    'text/xml',
    'TEXT/XML; charset=UTF-8',
    'text/plain',
    'application/vnd.acme+json',
    'application/x-www-form-urlencoded',
    '',
    ';',
    '/',
  ),
  fc.string({ maxLength: 40 }),
);

const XML_TOKENS = [
  '<',
  '>',
  '</',
  '/>',
  '<ticket_info>',
  '</ticket_info>',
  '<ticket_info/>',
  '<ticket>',
  '</ticket>',
  '<id>',
  '</id>',
  '<current_stage>',
  '</current_stage>',
  '<ticket_task>',
  '</ticket_task>',
  '<handler>',
  '</handler>',
  '<login>',
  '</login>',
  '<comment xsi:type="T" xmlns:xsi="x">',
  '</comment>',
  '<createDate>',
  '</createDate>',
  '<steps><step>',
  '</step></steps>',
  '<current_step>',
  '</current_step>',
  '1',
  '99999999999999999',
  'ticket_info',
  '&amp;',
  '&lt;',
  '&#',
  '&#x110000;',
  '&#xD800;',
  '&#65;',
  '&e;',
  ';',
  '<!DOCTYPE x>',
  '<!ENTITY',
  '<![CDATA[',
  ']]>',
  '<?xml version="1.0"?>',
  '<!--',
  '-->',
  '"',
  "'",
  '=',
  ' ',
  '\n',
  'a',
  ' a="1"',
  '__proto__',
  '<constructor>',
  '<toString>',
  '</toString>',
  '<hasOwnProperty>',
  '\u0000',
  '\uFEFF',
  '\uD800',
  '<a:b xmlns:a="u">',
  '</a:b>',
];
const xmlish = fc.array(fc.constantFrom(...XML_TOKENS), { maxLength: 60 }).map((t) => t.join(''));

const escapeText = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** Random trees of the elements one root really uses, so that runs reach the normalization. */
const elementTree = (names: readonly string[]): fc.Arbitrary<string> => {
  const tag = fc.constantFrom(...names);
  return fc.letrec<{ node: string }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      fc.tuple(tag, fc.string({ maxLength: 12 })).map(([n, t]) => `<${n}>${escapeText(t)}</${n}>`),
      fc
        .tuple(tag, fc.constantFrom(' xsi:type="T"', ' a:type="U" xmlns:a="x"', ''))
        .map(([n, a]) => `<${n}${a}/>`),
      fc.tuple(tag, fc.array(tie('node'), { maxLength: 4 })).map(([n, c]) => `<${n}>${c.join('')}</${n}>`),
    ),
  })).node;
};
const TICKET_INFO_ELEMENTS = [
  'id',
  'subject',
  'priority',
  'name',
  'current_stage',
  'open_request_stage',
  'ticket_task',
  'handler',
  'login',
  'display_name',
  'comment',
  'content',
  'createDate',
  'updateDate',
  'requester',
  'workflow',
  'completion_data',
  'stage',
  'completion_step',
  'current_stage_id',
  'open_request_name',
  'status',
  'domain',
  'toString',
  'valueOf',
];
const TICKET_ELEMENTS = [
  'id',
  'subject',
  'priority',
  'name',
  'steps',
  'step',
  'tasks',
  'task',
  'status',
  'assignee',
  'current_step',
  'comments',
  'comment',
  'content',
  'workflow',
  'requester',
  'domain_name',
  'hasOwnProperty',
];
const wellFormedTicket = fc.oneof(
  ...(
    [
      ['ticket_info', TICKET_INFO_ELEMENTS],
      ['ticket', TICKET_ELEMENTS],
    ] as const
  ).map(([root, names]) =>
    fc
      .tuple(fc.array(elementTree(names), { maxLength: 8 }), fc.boolean())
      .map(([children, withId]) => `<${root}>${withId ? '<id>7</id>' : ''}${children.join('')}</${root}>`),
  ),
);

const CP_KEYS = [
  'session',
  'operations',
  'added-objects',
  'modified-objects',
  'deleted-objects',
  'old-object',
  'new-object',
  'uid',
  'type',
  'name',
  'custom-data',
  'tasks',
  'task-details',
  'changes',
  'trigger',
  'initiator',
  'policyPackage',
  'tasksResult',
  'target',
  'installPolicyResult',
  'publish-time',
  'posix',
  'iso-8601',
  'domain-info',
  'domain-type',
  'user-name',
  'session-uid',
  'session-name',
  'data',
  '__proto__',
  'toString',
  'constructor',
];
const { cpValue } = fc.letrec<{ cpValue: unknown }>((tie) => ({
  cpValue: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 1 }),
    fc.constantFrom(
      'Before Publish',
      'after-install-policy',
      'After Submit',
      1485930043334,
      '2017-02-01T08:20+0200',
      'e30=',
    ),
    fc.dictionary(fc.constantFrom(...CP_KEYS), tie('cpValue'), { maxKeys: 5 }),
    fc.array(tie('cpValue'), { maxLength: 3 }),
  ),
}));

/** SmartTask-shaped data: the documented keys, each holding a right or a wrong kind of value. */
const leaf = fc.oneof(
  fc.jsonValue({ maxDepth: 1 }),
  fc.constantFrom(
    'Before Publish',
    'after-install-policy',
    1485930043334,
    '2017-02-01T08:20+0200',
    '{"a":1}',
    '',
  ),
);
const listOrNot = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof(fc.array(arb, { maxLength: 3 }), arb, leaf);
const partial = <T extends Record<string, fc.Arbitrary<unknown>>>(model: T) =>
  fc.record(model, { requiredKeys: [] });
const managementObject = fc.oneof(
  partial({
    uid: fc.oneof(fc.uuid(), leaf),
    type: fc.oneof(fc.constantFrom('host', 'access-rule'), leaf),
    name: leaf,
    tags: fc.array(partial({ name: leaf }), { maxLength: 2 }),
  }),
  leaf,
);
const operations = partial({
  'added-objects': listOrNot(managementObject),
  'modified-objects': listOrNot(partial({ 'old-object': managementObject, 'new-object': managementObject })),
  'deleted-objects': listOrNot(managementObject),
});
const sessionMeta = partial({
  'session-uid': leaf,
  'session-name': leaf,
  'user-name': leaf,
  'publish-time': fc.oneof(leaf, partial({ posix: leaf, 'iso-8601': leaf })),
  'domain-info': fc.oneof(leaf, partial({ uid: leaf, name: leaf, 'domain-type': leaf })),
});
const changeEntry = partial({ session: fc.oneof(sessionMeta, leaf), operations: fc.oneof(operations, leaf) });
const smartTaskData = partial({
  session: fc.oneof(sessionMeta, leaf),
  operations: fc.oneof(operations, leaf),
  changes: listOrNot(changeEntry),
  tasks: listOrNot(partial({ 'task-details': listOrNot(partial({ changes: listOrNot(changeEntry) })) })),
  'custom-data': fc.oneof(leaf, fc.dictionary(fc.string({ maxLength: 8 }), leaf, { maxKeys: 3 })),
  trigger: fc.oneof(
    leaf,
    fc.constantFrom('Before Publish', 'After Publish', 'After Install Policy', 'After Submit'),
  ),
  initiator: leaf,
  policyPackage: fc.oneof(leaf, partial({ name: leaf })),
  installPolicyResult: leaf,
  tasksResult: listOrNot(fc.oneof(leaf, partial({ target: fc.oneof(leaf, partial({ name: leaf })) }))),
});

const scJobs = [
  makeJob({ source: 'securechange' }),
  makeJob({ source: 'securechange', event: 'ADVANCE' }),
  makeJob({ source: 'securechange', event: 'PRE_ASSIGNMENT_SCRIPT', mode: 'decision' }),
  makeJob({ source: 'securechange', event: 'not-an-event' }),
];
const cpJobs = [
  makeJob({ source: 'checkpoint' }),
  makeJob({ source: 'checkpoint', mode: 'decision' }),
  makeJob({ source: 'checkpoint', event: 'after-publish' }),
  makeJob({ source: 'checkpoint', event: 'after-install-policy' }),
  makeJob({ source: 'checkpoint', event: 'nonsense' }),
];
const genericJobs = [makeJob(), makeJob({ event: 'custom' })];
const eventValues = fc.option(
  fc.oneof(fc.constantFrom('advance', 'TEST', 'before-publish', 'x y', ''), fc.string({ maxLength: 12 })),
  { nil: undefined },
);
const extras = fc
  .tuple(eventValues, eventValues)
  .map(([query, header]): { query: Record<string, string>; headers: Record<string, string> } => ({
    query: query === undefined ? {} : { event: query },
    headers: header === undefined ? {} : { 'x-scw-event': header },
  }));

/** Mostly no event at all, so that most runs get past trigger resolution into normalization. */
const mostlyNoExtras = fc.oneof(
  { arbitrary: fc.constant({ query: {}, headers: {} }), weight: 4 },
  { arbitrary: extras, weight: 1 },
);

const RUNS = { numRuns: 400 };

describe('source parsers throw only ValidationError or UnsupportedMediaTypeError', () => {
  it.each([
    ['securechange', secureChangeAdapter, scJobs],
    ['checkpoint', checkPointAdapter, cpJobs],
    ['generic', genericAdapter, genericJobs],
  ] as const)('%s: arbitrary strings under random content types', (_name, adapter, jobs) => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200, unit: 'binary' }),
        contentTypes,
        fc.constantFrom(...jobs),
        extras,
        (body, ct, job, extra) => parsesOrRefuses(adapter, body, ct, job, extra),
      ),
      RUNS,
    );
  });

  it.each([
    ['securechange', secureChangeAdapter, scJobs],
    ['checkpoint', checkPointAdapter, cpJobs],
    ['generic', genericAdapter, genericJobs],
  ] as const)('%s: XML-ish strings', (_name, adapter, jobs) => {
    fc.assert(
      fc.property(
        xmlish,
        fc.constantFrom('application/xml', 'text/xml', 'application/json', 'text/plain'),
        fc.constantFrom(...jobs),
        extras,
        (body, ct, job, extra) => parsesOrRefuses(adapter, body, ct, job, extra),
      ),
      RUNS,
    );
  });

  it('securechange: well-formed ticket documents of known elements', () => {
    fc.assert(
      fc.property(wellFormedTicket, fc.constantFrom(...scJobs), mostlyNoExtras, (body, job, extra) =>
        parsesOrRefuses(secureChangeAdapter, body, 'application/xml', job, extra),
      ),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['securechange', secureChangeAdapter, scJobs],
    ['checkpoint', checkPointAdapter, cpJobs],
    ['generic', genericAdapter, genericJobs],
  ] as const)('%s: arbitrary JSON', (_name, adapter, jobs) => {
    fc.assert(
      fc.property(fc.json(), contentTypes, fc.constantFrom(...jobs), extras, (body, ct, job, extra) =>
        parsesOrRefuses(adapter, body, ct, job, extra),
      ),
      RUNS,
    );
  });

  it('checkpoint: SmartTask-shaped JSON, plain and in every Run Script form', () => {
    fc.assert(
      fc.property(
        fc.oneof(cpValue, smartTaskData),
        fc.constantFrom(...cpJobs),
        mostlyNoExtras,
        fc.integer({ min: 0, max: 3 }),
        (value, job, extra, form) => {
          const bodies: [string, string][] = [
            [JSON.stringify(value), 'application/json'],
            [toBase64Json(value), 'text/plain'],
            [JSON.stringify(toBase64Json(value)), 'application/json'],
            [JSON.stringify({ data: toBase64Json(value) }), 'application/json'],
          ];
          const [body, ct] = bodies[form] ?? bodies[0]!;
          parsesOrRefuses(checkPointAdapter, body, ct, job, extra);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('generic: every JSON text is accepted as application/json and kept as parsed', () => {
    fc.assert(
      fc.property(fc.json(), (body) => {
        const event = genericAdapter.parse(makeRequest(body, 'application/json'), genericJobs[0]!);
        expect(event.payload).toEqual(JSON.parse(body));
      }),
      RUNS,
    );
  });
});
