import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { UnsupportedMediaTypeError, ValidationError } from '../../shared/errors.ts';
import { TriggerEventSchema, type TriggerEvent } from '../../shared/model/index.ts';
import {
  secureChangeAdapter as adapter,
  pickStage,
  renderAssignmentXml,
} from '../../shared/sources/securechange.ts';
import { MAX_XML_DEPTH, MAX_XML_ELEMENTS } from '../../shared/sources/xml.ts';
import {
  DELIVERY_ID,
  PYTOS,
  RECEIVED_AT,
  kcExcerptTicketInfoXml,
  makeJob,
  makeRequest,
  pytos2StdinSamples,
  readSample,
  seedTicketInfoXml,
  errorOf,
} from '../helpers/samples.ts';

const job = makeJob({ source: 'securechange' });
const advanceJob = makeJob({ source: 'securechange', event: 'ADVANCE' });

const parseXml = (xml: string, opts: Parameters<typeof makeRequest>[2] = {}, j = advanceJob): TriggerEvent =>
  adapter.parse(makeRequest(xml, 'application/xml', opts), j);

describe('secureChangeAdapter.parse — samples', () => {
  it('normalizes the documented ticket_info of the custom-scripts seed', () => {
    // Prepare
    const req = makeRequest(seedTicketInfoXml(), 'application/xml', { query: { event: 'redo' } });

    // Act
    const event = adapter.parse(req, job);

    // Assess
    expect(TriggerEventSchema.parse(event)).toEqual(event);
    expect(event).toMatchObject({
      source: 'securechange',
      trigger: 'REDO',
      deliveryId: DELIVERY_ID,
      receivedAt: RECEIVED_AT,
      contentType: 'application/xml',
      query: { event: 'redo' },
    });
    expect(event.ticket).toEqual({
      id: '64',
      subject: 'test_mediator_tutorial',
      priority: 'Normal',
      requester: 'api',
      createDate: '2024-01-08T09:47:56.656Z',
      updateDate: '2024-01-08T09:52:04.268Z',
      currentStage: {
        id: '253',
        name: 'test_mediator',
        task: { id: '253', name: 'Default' },
        handler: 'api',
      },
      openRequestStage: { id: '252', name: 'Open request' },
      comment: { type: 'RedoCommentType', content: 'test' },
    });
    expect(event.payload).toMatchObject({
      ticket_info: {
        id: '64',
        priority: { id: '3', name: 'Normal' },
        comment: { '@_xsi:type': 'RedoCommentType' },
      },
    });
  });

  it('normalizes the ticket_info quoted in the Knowledge Center excerpts (§6)', () => {
    // Act
    const event = parseXml(kcExcerptTicketInfoXml(), { headers: { 'x-scw-event': 'ADVANCE' } });

    // Assess
    expect(event.ticket).toMatchObject({
      id: '64',
      subject: 'example',
      priority: 'Normal',
      requester: 'api',
      createDate: '2024-01-08T09:47:56.656Z',
      currentStage: { id: '253', name: 'example_step', task: { id: '253', name: 'Default' }, handler: 'api' },
      comment: { type: '...', content: '...' },
    });
  });

  it('keeps the first of repeated stage elements (pytos ticket_info.xml), as pytos reads them', () => {
    // Prepare
    const xml = readSample(`${PYTOS}/pytos_test_secure_change_xml_ticket_info.xml`);

    // Act
    const event = parseXml(xml);

    // Assess
    expect(event.trigger).toBe('ADVANCE');
    expect(event.ticket).toEqual({
      id: '1',
      subject: '1',
      createDate: '1970-01-01T00:00:00.001Z',
      updateDate: '1970-01-01T00:00:00.001Z',
      currentStage: { id: '1', name: 'Current Step Name' },
      openRequestStage: { id: '1', name: 'Open Request Step Name' },
    });
    expect(event.payload).toMatchObject({
      ticket_info: {
        current_stage: [
          { id: '1', name: 'Current Step Name' },
          { id: '5', name: 'dfgffg' },
        ],
      },
    });
  });

  it('prefers a repeated stage that carries a ticket_task over an earlier one without', () => {
    // Prepare
    const xml = `<ticket_info><id>7</id>
      <current_stage><id>1</id><name>Bare</name></current_stage>
      <current_stage><id>2</id><name>With task</name>
        <ticket_task><id>20</id><name>Default</name><handler><id>4</id><login>jo</login></handler></ticket_task>
      </current_stage></ticket_info>`;

    // Act
    const event = parseXml(xml);

    // Assess
    expect(event.ticket?.currentStage).toEqual({
      id: '2',
      name: 'With task',
      task: { id: '20', name: 'Default' },
      handler: 'jo',
    });
    expect(pickStage(undefined)).toBeUndefined();
    expect(pickStage([{ id: 'a' }, { id: 'b' }])).toEqual({ id: 'a' });
  });

  it('reads the first of a repeated scalar element', () => {
    // Act
    const event = parseXml(
      '<ticket_info><id>3</id><id>4</id><subject>a</subject><subject>b</subject></ticket_info>',
    );

    // Assess
    expect(event.ticket).toEqual({ id: '3', subject: 'a' });
  });

  it('parses the pytos2 trigger-test stdin payloads', () => {
    // Prepare
    const { valid, notFound } = pytos2StdinSamples();

    // Act
    const first = parseXml(valid, { headers: { 'x-scw-event': 'create' } });
    const second = parseXml(notFound);

    // Assess
    expect(first.trigger).toBe('CREATE');
    expect(first.ticket).toEqual({ id: '288', currentStage: { name: 'Duplicate' } });
    expect(second.ticket).toEqual({ id: '9999', currentStage: { name: 'Duplicate' } });
  });

  it('normalizes a full REST <ticket> (pytos ticket.xml): current step, its open task and assignee', () => {
    // Act
    const event = parseXml(readSample(`${PYTOS}/pytos_testsecurechangehelper_ticket.xml`));

    // Assess
    expect(TriggerEventSchema.safeParse(event).success).toBe(true);
    expect(event.ticket).toEqual({
      id: '445',
      subject: 'Ticket 445',
      priority: 'Normal',
      status: 'In Progress',
      workflow: { id: '491', name: 'Access Request Add Targets' },
      requester: 'tzachi',
      currentStage: {
        id: '1954',
        name: 'Technical Design',
        task: { id: '2021', status: 'ASSIGNED' },
        handler: 'tzachi',
      },
      openRequestStage: { id: '1952', name: 'Open Request' },
    });
  });

  it('normalizes the server-decommission ticket (pytos server_decomm_ticket.xml)', () => {
    // Act
    const event = parseXml(readSample(`${PYTOS}/pytos_testsecurechangehelper_server_decomm_ticket.xml`));

    // Assess
    expect(event.ticket).toEqual({
      id: '445',
      subject: 'Server Decomm Ticket',
      priority: 'Normal',
      status: 'In Progress',
      workflow: { id: '582', name: 'Server Decomm' },
      requester: 'tzachi',
      currentStage: {
        id: '2499',
        name: 'Implement',
        task: { id: '2569', status: 'ASSIGNED' },
        handler: 'tzachi',
      },
      openRequestStage: { id: '2498', name: 'Submit' },
    });
  });

  it('reads the flat *_id / *_name fields and <completion_data><stage> as documented', () => {
    // Prepare
    const xml = `<ticket_info><id>9</id>
      <current_stage_id>3</current_stage_id><current_stage_name>Approve</current_stage_name>
      <open_request_id>1</open_request_id><open_request_name>Open request</open_request_name>
      <completion_data><stage><id>5</id><name>Done</name></stage></completion_data>
      <status>In Progress</status><domain_name>Default</domain_name>
      <workflow><id>12</id><name>AR</name></workflow>
    </ticket_info>`;

    // Act
    const event = parseXml(xml);

    // Assess
    expect(event.ticket).toEqual({
      id: '9',
      status: 'In Progress',
      domain: 'Default',
      workflow: { id: '12', name: 'AR' },
      currentStage: { id: '3', name: 'Approve' },
      openRequestStage: { id: '1', name: 'Open request' },
      completionStep: { id: '5', name: 'Done' },
    });
  });

  it('decodes predefined entities and character references, and nothing else', () => {
    // Prepare
    const xml =
      '<ticket_info><id>1</id><subject>A &amp; B &lt;C&gt; &#233;&#x20AC; &#0; &nope;</subject></ticket_info>';

    // Act
    const event = parseXml(xml);

    // Assess
    expect(event.ticket?.subject).toBe('A & B <C> é€ &#0; &nope;');
  });

  it('converts ISO-8601 dates with an offset to UTC and leaves unreadable ones out', () => {
    // Prepare
    const xml =
      '<ticket_info><id>1</id><createDate>2017-05-11T11:46:09.235+03:00</createDate><updateDate>yesterday</updateDate></ticket_info>';

    // Act
    const event = parseXml(xml);

    // Assess
    expect(event.ticket?.createDate).toBe('2017-05-11T08:46:09.235Z');
    expect(event.ticket).not.toHaveProperty('updateDate');
    expect(event.payload).toMatchObject({ ticket_info: { updateDate: 'yesterday' } });
  });

  it('accepts text/xml with a charset parameter', () => {
    // Act
    const event = adapter.parse(makeRequest(seedTicketInfoXml(), 'text/xml; charset=UTF-8'), advanceJob);

    // Assess
    expect(event.ticket?.id).toBe('64');
  });
});

describe('secureChangeAdapter.parse — TEST button and trigger', () => {
  it.each([
    '<ticket_info/>',
    '<ticket_info></ticket_info>',
    '<?xml version="1.0"?>\n<ticket_info>\n</ticket_info>\n',
  ])('treats an empty ticket_info (%j) as TEST, without a ticket, even with no event configured', (xml) => {
    // Act
    const event = adapter.parse(makeRequest(xml, 'application/xml'), job);

    // Assess
    expect(event.trigger).toBe('TEST');
    expect(event.ticket).toBeUndefined();
    expect(TriggerEventSchema.safeParse(event).success).toBe(true);
  });

  it('takes the event from ?event=, then X-SCW-Event, then the job, upper-casing it', () => {
    // Prepare
    const xml = '<ticket_info><id>1</id></ticket_info>';

    // Act
    const fromQuery = parseXml(xml, { query: { event: 'close' } });
    const fromHeader = parseXml(xml, { headers: { 'x-scw-event': 'Automation_Failed' } });
    const fromJob = parseXml(xml, {}, makeJob({ source: 'securechange', event: 'resolve' }));

    // Assess
    expect([fromQuery.trigger, fromHeader.trigger, fromJob.trigger]).toEqual([
      'CLOSE',
      'AUTOMATION_FAILED',
      'RESOLVE',
    ]);
  });

  it('refuses a request with no event anywhere, asking for it', () => {
    // Act
    const error = errorOf(() =>
      adapter.parse(makeRequest('<ticket_info><id>1</id></ticket_info>', 'text/xml'), job),
    );

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toMatch(/\?event=.*X-SCW-Event/);
  });

  it('refuses an unknown event and a query that disagrees with the header', () => {
    // Prepare
    const xml = '<ticket_info><id>1</id></ticket_info>';

    // Act
    const unknown = errorOf(() => parseXml(xml, { query: { event: 'EXPLODE' } }));
    const conflict = errorOf(() =>
      parseXml(xml, { query: { event: 'close' }, headers: { 'x-scw-event': 'cancel' } }),
    );

    // Assess
    expect(unknown).toBeInstanceOf(ValidationError);
    expect((unknown as Error).message).toContain('"EXPLODE" is not a SecureChange event');
    expect(conflict).toBeInstanceOf(ValidationError);
    expect((conflict as Error).message).toContain('disagree');
  });
});

describe('secureChangeAdapter.parse — refused input', () => {
  const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<ticket_info><id>&lol3;</id></ticket_info>`;
  const EXTERNAL_ENTITY =
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><ticket_info><id>&e;</id></ticket_info>';

  it.each([
    ['billion laughs', BILLION_LAUGHS],
    ['an external entity', EXTERNAL_ENTITY],
    ['a lower-case doctype', '<!doctype ticket_info><ticket_info><id>1</id></ticket_info>'],
    ['an ENTITY outside a DOCTYPE', '<ticket_info><id>1</id><!ENTITY x "y"></ticket_info>'],
  ])('refuses %s before parsing (400)', (_label, xml) => {
    // Act
    const error = errorOf(() => parseXml(xml));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).status).toBe(400);
    expect((error as Error).message).toBe('XML with a DOCTYPE or ENTITY declaration is refused');
  });

  it('refuses malformed XML with the reason, line and column', () => {
    // Act
    const error = errorOf(() => parseXml('<ticket_info>\n<id>1</ticket_info>'));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(
      /^malformed XML: Expected closing tag 'id'.*\(line 2, column \d+\)$/,
    );
  });

  it('refuses JSON sent as XML (pytos2 "JSON instead of XML") with 400, and JSON content with 415', () => {
    // Prepare
    const { json } = pytos2StdinSamples();

    // Act
    const asXml = errorOf(() => parseXml(json));
    const asJson = errorOf(() => adapter.parse(makeRequest(json, 'application/json'), advanceJob));

    // Assess
    expect(asXml).toBeInstanceOf(ValidationError);
    expect((asXml as Error).message).toMatch(/^malformed XML: char '\{' is not expected/);
    expect(asJson).toBeInstanceOf(UnsupportedMediaTypeError);
    expect((asJson as UnsupportedMediaTypeError).status).toBe(415);
    expect((asJson as Error).message).toBe(
      'securechange jobs accept application/xml or text/xml, not application/json',
    );
  });

  it.each([
    ['pytos2 invalid root', () => pytos2StdinSamples().invalidRoot, '<ticket__info>'],
    [
      'a ticket list (pytos tickets.xml)',
      () => readSample(`${PYTOS}/pytos_testsecurechangehelper_tickets.xml`),
      '<tickets>',
    ],
    [
      'a verifier result',
      () => readSample(`${PYTOS}/pytos_testsecurechangehelper_verifier_results.xml`),
      '<access_request_verifier_result>',
    ],
  ])('refuses a wrong root element (%s), naming it', (_label, xml, root) => {
    // Act
    const error = errorOf(() => parseXml(xml()));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(`root element is ${root}`);
  });

  it.each([
    `${PYTOS}/pytos_testsecurechangehelper_new_ticket.xml`,
    'tufin-securechange/orca-securechange/group_change_ticket_template.xml',
  ])('refuses a ticket creation template without an id (%s)', (file) => {
    // Act
    const error = errorOf(() => parseXml(readSample(file)));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe('<ticket> has no <id>');
  });

  it.each(['', '   \n', '\uFEFF'])('refuses an empty body (%j)', (body) => {
    // Act
    const error = errorOf(() => parseXml(body));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe('empty body: expected an XML document');
  });

  it.each([undefined, 'text/plain', 'application/x-www-form-urlencoded', 'application/xhtml+xml', 'garbage'])(
    'refuses content type %j with 415',
    (contentType) => {
      // Act
      const error = errorOf(() => adapter.parse(makeRequest(seedTicketInfoXml(), contentType), advanceJob));

      // Assess
      expect(error).toBeInstanceOf(UnsupportedMediaTypeError);
    },
  );

  it(`accepts ${MAX_XML_DEPTH} levels of nesting (root included) and refuses one more`, () => {
    // Prepare
    const nested = (levels: number): string =>
      `<ticket_info><id>1</id>${'<a>'.repeat(levels - 1)}${'</a>'.repeat(levels - 1)}</ticket_info>`;

    // Act
    const deepest = parseXml(nested(MAX_XML_DEPTH));
    const error = errorOf(() => parseXml(nested(MAX_XML_DEPTH + 1)));

    // Assess
    expect(deepest.ticket).toEqual({ id: '1' });
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe(`XML is nested deeper than ${MAX_XML_DEPTH} elements`);
  });

  it(`refuses more than ${MAX_XML_ELEMENTS} elements before parsing`, () => {
    // Prepare
    const xml = `<ticket_info>${'<a/>'.repeat(MAX_XML_ELEMENTS)}</ticket_info>`;

    // Act
    const error = errorOf(() => parseXml(xml));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe(`XML has more than ${MAX_XML_ELEMENTS} elements`);
  });

  it('refuses element names that would pollute prototypes, and reads toString as data', () => {
    // Act
    const polluting = errorOf(() =>
      parseXml('<ticket_info><id>1</id><constructor>x</constructor></ticket_info>'),
    );
    const event = parseXml('<ticket_info><id>2</id><toString>x</toString></ticket_info>');

    // Assess
    expect(polluting).toBeInstanceOf(ValidationError);
    expect(event.ticket).toEqual({ id: '2' });
    expect({}.toString).toBe(Object.prototype.toString);
  });
});

describe('secureChangeAdapter.renderVerdict', () => {
  const xmlParser = new XMLParser({
    parseTagValue: false,
    isArray: (name) => ['task', 'participant_username', 'access_request_id'].includes(name),
  });
  const event = parseXml('<ticket_info><id>1</id></ticket_info>');

  it('answers validation and risk-analysis jobs with JSON result, message and runId', () => {
    // Act
    const allowed = adapter.renderVerdict(
      { allow: true, message: 'ok' },
      { job: advanceJob, event, runId: 'R1' },
    );
    const denied = adapter.renderVerdict(
      { allow: false, message: 'rule 12 has no comment' },
      { job: advanceJob, event, runId: 'R2' },
    );

    // Assess
    expect(allowed).toEqual({
      status: 200,
      contentType: 'application/json',
      body: '{"result":"success","message":"ok","runId":"R1"}',
    });
    expect(JSON.parse(denied.body)).toEqual({
      result: 'failure',
      message: 'rule 12 has no comment',
      runId: 'R2',
    });
  });

  it('answers a pre-assignment job with the assignment XML built from the verdict output', () => {
    // Prepare
    const assignmentJob = makeJob({ source: 'securechange', event: 'pre_assignment_script' });
    const verdict = {
      allow: true,
      message: 'assigned',
      output: {
        tasks: [
          {
            name: 'Firewall <team> & co',
            participants: ['alice', 'bob'],
            assignmentMode: 'manual',
            assigner: 'carol',
            accessRequestIds: [55787, '55799'],
          },
          { name: 'Self', participantIds: [4], assignmentMode: 'self' },
        ],
      },
    };

    // Act
    const response = adapter.renderVerdict(verdict, { job: assignmentJob, event, runId: 'R3' });

    // Assess
    expect(response.status).toBe(200);
    expect(response.contentType).toBe('application/xml');
    expect(response.body).toContain('<name>Firewall &lt;team&gt; &amp; co</name>');
    expect(xmlParser.parse(response.body)).toEqual({
      '?xml': '',
      tasks: {
        task: [
          {
            name: 'Firewall <team> & co',
            participants: { participant_username: ['alice', 'bob'] },
            assignment: { assignment_mode: 'manual', assigner_username: 'carol' },
            access_requests: { access_request_id: ['55787', '55799'] },
          },
          { name: 'Self', participants: { participant_id: '4' }, assignment: { assignment_mode: 'self' } },
        ],
      },
    });
  });

  it('renders XML for any job whose verdict output is an assignment', () => {
    // Prepare
    const verdict = { allow: true, message: 'x', output: { tasks: [{ name: 'T', participants: ['u'] }] } };

    // Act
    const response = adapter.renderVerdict(verdict, { job: advanceJob, event, runId: 'R4' });

    // Assess
    expect(response.contentType).toBe('application/xml');
    expect(response.body).toContain('<participant_username>u</participant_username>');
  });

  it('answers <tasks/> (the default task) when an assignment job gives no valid assignment', () => {
    // Prepare
    const assignmentJob = makeJob({ source: 'securechange', event: 'PRE_ASSIGNMENT_SCRIPT' });

    // Act
    const none = adapter.renderVerdict(
      { allow: false, message: 'failed', fallback: true },
      { job: assignmentJob, event, runId: 'R5' },
    );
    const invalid = renderAssignmentXml(undefined);

    // Assess
    expect(none).toEqual({
      status: 200,
      contentType: 'application/xml',
      body: '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<tasks/>\n',
    });
    expect(invalid).toBe(none.body);
  });
});
