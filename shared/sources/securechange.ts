import {
  _default,
  array,
  int,
  lazy,
  minLength,
  nonnegative,
  number,
  object,
  optional,
  pipe,
  refine,
  string,
  transform,
  union,
  enum as zEnum,
} from '../model/zod.ts';
import type { input, output } from '../model/zod.ts';
import { ValidationError } from '../errors.ts';
import {
  SECURECHANGE_EVENTS,
  type Job,
  type SecureChangeEvent,
  type SecureChangeTicket,
  type TriggerEvent,
  type Verdict,
} from '../model/index.ts';
import { requireMediaType } from './content-type.ts';
import { toIsoDate } from './dates.ts';
import { asList, asRecord, compact, isRecord, own, textOf, type PlainRecord } from './parsed-value.ts';
import type { SourceAdapter, SourceRequest, SourceResponse } from './types.ts';
import { escapeXmlText, parseXml } from './xml.ts';

export const SECURECHANGE_CONTENT_TYPES = ['application/xml', 'text/xml'] as const;
/** Header a mediator script may set to the `SCW_EVENT` it was started with. */
export const SCW_EVENT_HEADER = 'x-scw-event';

const EVENTS: ReadonlySet<string> = new Set(SECURECHANGE_EVENTS);
const isEvent = (v: string): v is SecureChangeEvent => EVENTS.has(v);

/** A caller's value, short and quoted, for a message. */
const quoted = (v: string): string => JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);

const toEvent = (value: string, where: string): SecureChangeEvent => {
  const upper = value.trim().toUpperCase();
  if (isEvent(upper)) return upper;
  throw new ValidationError(
    `${where} ${quoted(value)} is not a SecureChange event; expected one of ${SECURECHANGE_EVENTS.join(', ')}`,
  );
};

/**
 * The `SCW_EVENT` of a request: `?event=`, else the `X-SCW-Event` header
 * (both present must agree), else the job's `event`; case-insensitive in,
 * upper-case out. None of them → 400 asking for it.
 */
const resolveEvent = (req: SourceRequest, job: Job): SecureChangeEvent => {
  const fromQuery = req.query.event;
  const fromHeader = req.headers[SCW_EVENT_HEADER];
  const query = fromQuery === undefined || fromQuery.trim() === '' ? undefined : toEvent(fromQuery, 'event');
  const header =
    fromHeader === undefined || fromHeader.trim() === '' ? undefined : toEvent(fromHeader, 'X-SCW-Event');
  if (query !== undefined && header !== undefined && query !== header) {
    throw new ValidationError(`?event=${query} and X-SCW-Event: ${header} disagree; send one`);
  }
  const requested = query ?? header;
  if (requested !== undefined) return requested;
  if (job.event !== undefined && job.event.trim() !== '') return toEvent(job.event, "the job's event");
  throw new ValidationError(
    "which SecureChange event is this? Send ?event=<SCW_EVENT> or an X-SCW-Event header, or set the job's event",
  );
};

/**
 * The first of a possibly repeated element: a field SecureChange sends once
 * but a messy input repeats reads as its first occurrence, as pytos reads it.
 */
const one = (v: unknown, key: string): unknown => asList(own(v, key))[0];

type Named = { id?: string; name?: string };

const named = (v: unknown): Named | undefined =>
  isRecord(v)
    ? compact({ id: textOf(one(v, 'id')), name: textOf(one(v, 'name')) })
    : compact({ name: textOf(v) });

/** A user element (`<requester>`, `<handler>`, `<user>`): its login, else display name, else its text. */
const userName = (v: unknown): string | undefined =>
  isRecord(v)
    ? (textOf(one(v, 'login')) ?? textOf(one(v, 'display_name')) ?? textOf(one(v, 'name')) ?? textOf(v))
    : textOf(v);

/** A flat `<prefix_id>` / `<prefix_name>` pair, the form the Tufin documentation lists. */
const flatNamed = (ticket: PlainRecord, prefix: string): Named | undefined =>
  compact({ id: textOf(one(ticket, `${prefix}_id`)), name: textOf(one(ticket, `${prefix}_name`)) });

/**
 * Which of repeated stage elements wins (`<current_stage>`, `<open_request_stage>`):
 * the first one that carries a `<ticket_task>`, else the first one. Real
 * ticket_info XML can repeat them (see pytos's `ticket_info.xml` test
 * resource); the first in document order is what Tufin's pytos reads
 * (`ElementTree.find`), so an integration ported from pytos sees the same
 * stage, and a stage with a task is preferred because only it names a handler.
 */
export const pickStage = (elements: unknown): PlainRecord | undefined => {
  const stages = asList(elements).filter(isRecord);
  return stages.find((s) => own(s, 'ticket_task') !== undefined) ?? stages[0];
};

/** The last element of a repeated `<comment>`: the most recent one. */
const lastComment = (elements: unknown): SecureChangeTicket['comment'] => {
  const comment = asList(elements).at(-1);
  if (comment === undefined) return undefined;
  const typeKey = isRecord(comment)
    ? Object.keys(comment).find((k) => k === '@_type' || /^@_[^:]+:type$/.test(k))
    : undefined;
  return compact({
    type: typeKey === undefined ? undefined : textOf(one(comment, typeKey)),
    content: isRecord(comment) ? (textOf(one(comment, 'content')) ?? textOf(comment)) : textOf(comment),
  });
};

/** `<completion_data><stage>` (what pytos reads), `<completion_step>`, or the flat pair. */
const completionStep = (ticket: PlainRecord): Named | undefined =>
  named(one(one(ticket, 'completion_data'), 'stage')) ??
  named(one(ticket, 'completion_step')) ??
  flatNamed(ticket, 'completion_step');

const ticketId = (ticket: PlainRecord, root: string): string => {
  const id = textOf(one(ticket, 'id'));
  if (id === undefined) throw new ValidationError(`<${root}> has no <id>`);
  return id;
};

/** The parts of a ticket both roots share. */
const commonFields = (ticket: PlainRecord, root: string) => ({
  id: ticketId(ticket, root),
  subject: textOf(one(ticket, 'subject')),
  // `<priority>Normal</priority>` (REST) or `<priority><id/><name>Normal</name></priority>` (ticket_info).
  priority: textOf(one(ticket, 'priority')) ?? textOf(one(one(ticket, 'priority'), 'name')),
  status: textOf(one(ticket, 'status')),
  domain:
    textOf(one(ticket, 'domain_name')) ??
    textOf(one(ticket, 'domain')) ??
    textOf(one(one(ticket, 'domain'), 'name')),
  workflow: named(one(ticket, 'workflow')),
  requester: userName(one(ticket, 'requester')),
  createDate: toIsoDate(textOf(one(ticket, 'createDate'))),
  updateDate: toIsoDate(textOf(one(ticket, 'updateDate'))),
  completionStep: completionStep(ticket),
});

/** The mediator's `<ticket_info>`. */
const fromTicketInfo = (info: PlainRecord): SecureChangeTicket => {
  const stage = pickStage(own(info, 'current_stage'));
  // A stage with several parallel tasks: the first one, as for stages.
  const task = asList(own(stage, 'ticket_task')).find(isRecord);
  const currentStage = stage
    ? compact({
        ...named(stage),
        task: task ? compact({ ...named(task), status: textOf(one(task, 'status')) }) : undefined,
        handler: userName(one(task, 'handler')),
      })
    : flatNamed(info, 'current_stage');
  const openRequest = pickStage(own(info, 'open_request_stage'));
  return {
    ...commonFields(info, 'ticket_info'),
    currentStage,
    openRequestStage: (openRequest ? named(openRequest) : undefined) ?? flatNamed(info, 'open_request'),
    comment: lastComment(own(info, 'comment')),
  };
};

/**
 * A full REST `<ticket>`: the current step is `<current_step>`, its task the
 * first one not `DONE` in the matching `<steps><step>` (else the last one),
 * its handler that task's `<assignee>`; the open-request stage is the first step.
 */
const fromTicket = (ticket: PlainRecord): SecureChangeTicket => {
  const steps = asList(own(one(ticket, 'steps'), 'step')).filter(isRecord);
  const current = named(one(ticket, 'current_step'));
  const step =
    current === undefined
      ? undefined
      : steps.find((s) =>
          current.id !== undefined
            ? textOf(one(s, 'id')) === current.id
            : textOf(one(s, 'name')) === current.name,
        );
  const tasks = asList(own(one(step, 'tasks'), 'task')).filter(isRecord);
  const task = tasks.find((t) => textOf(one(t, 'status'))?.toUpperCase() !== 'DONE') ?? tasks.at(-1);
  const currentStage = current
    ? compact({
        ...current,
        task: task ? compact({ ...named(task), status: textOf(one(task, 'status')) }) : undefined,
        handler: userName(one(task, 'assignee')),
      })
    : undefined;
  return {
    ...commonFields(ticket, 'ticket'),
    currentStage,
    openRequestStage: steps[0] ? named(steps[0]) : undefined,
    comment: lastComment(own(one(ticket, 'comments'), 'comment')),
  };
};

/** Removes undefined members so that the event stays small and compares cleanly. */
const cleanTicket = (t: SecureChangeTicket): SecureChangeTicket => compact(t) ?? { id: t.id };

/** An empty `<ticket_info/>` (no child element, no text): SecureChange's TEST button. */
const isEmptyElement = (value: unknown): boolean =>
  value === '' || (isRecord(value) && Object.keys(value).every((k) => k.startsWith('@_')));

/**
 * Parses a SecureChange mediator request: `application/xml` or `text/xml`
 * whose root is `<ticket_info>` (or a full REST `<ticket>`). Throws
 * UnsupportedMediaTypeError for any other content type (JSON included) and
 * ValidationError for an empty, malformed, DOCTYPE-bearing, too deep or too
 * large document, a wrong root element, a ticket without `<id>`, or a missing
 * or unknown event. An empty `<ticket_info/>` is the TEST button: trigger
 * `TEST`, no ticket. Dates (`createDate`, `updateDate`: epoch milliseconds
 * in SecureChange's XML, or ISO-8601 with a zone) become ISO-8601 in UTC; an
 * unreadable date is left out of `ticket` (it stays in `payload`) rather
 * than failing the delivery. Repeated elements: stages per {@link pickStage},
 * the first occurrence of any other field, the last `<comment>` (newest).
 */
const parse = (req: SourceRequest, job: Job): TriggerEvent => {
  requireMediaType(req, 'securechange', SECURECHANGE_CONTENT_TYPES);
  const { root, value, document } = parseXml(req.body);
  if (root !== 'ticket_info' && root !== 'ticket') {
    throw new ValidationError(
      `root element is <${root.slice(0, 64)}>; SecureChange sends <ticket_info> (or a full <ticket>)`,
    );
  }
  const base = {
    source: 'securechange' as const,
    deliveryId: req.deliveryId,
    receivedAt: req.receivedAt,
    headers: { ...req.headers },
    query: { ...req.query },
    contentType: req.contentType,
    payload: document,
  };
  if (root === 'ticket_info' && isEmptyElement(value)) return { ...base, trigger: 'TEST' };
  const trigger = resolveEvent(req, job);
  const content = asRecord(value);
  if (content === undefined) throw new ValidationError(`<${root}> has no <id>`);
  const ticket = root === 'ticket_info' ? fromTicketInfo(content) : fromTicket(content);
  return { ...base, trigger, ticket: cleanTicket(ticket) };
};

/**
 * What an assignment integration returns as its run `output` (pre-assignment
 * / dynamic assignment scripts). Rendered as the `<tasks>` XML of Tufin's
 * "Configuring Dynamic Assignment Custom Script" page. `participantIds` win
 * over `participants` (user names) and `assignerId` over `assigner`, as in pytos.
 *
 * @example
 * { tasks: [{ name: 'Firewall team', participants: ['alice', 'bob'], assignmentMode: 'manual',
 *             assigner: 'carol', accessRequestIds: [55787] }] }
 */
export const SecureChangeAssignmentSchema = lazy(() => {
  // An id given as a number or as text, kept as text.
  const Id = pipe(
    union([string().check(minLength(1)), number().check(int(), nonnegative())]),
    transform(String),
  );
  return object({
    tasks: array(
      object({
        name: string().check(minLength(1)),
        participants: _default(array(string().check(minLength(1))), []),
        participantIds: _default(array(Id), []),
        assignmentMode: _default(zEnum(['self', 'manual', 'auto']), 'self'),
        assigner: optional(string().check(minLength(1))),
        assignerId: optional(Id),
        /** Access requests the task handles; omitted for rule-modification workflows. */
        accessRequestIds: _default(array(Id), []),
      }).check(
        refine((t) => t.participants.length > 0 || t.participantIds.length > 0, {
          message: 'a task needs participants or participantIds',
        }),
        refine(
          (t) => t.assignmentMode !== 'manual' || t.assigner !== undefined || t.assignerId !== undefined,
          {
            message: 'manual assignment needs an assigner or assignerId',
          },
        ),
      ),
    ),
  });
});
export type SecureChangeAssignment = output<typeof SecureChangeAssignmentSchema>;
export type SecureChangeAssignmentInput = input<typeof SecureChangeAssignmentSchema>;

const element = (name: string, text: string, indent: string): string =>
  `${indent}<${name}>${escapeXmlText(text)}</${name}>`;

/**
 * Renders the assignment XML SecureChange reads from a pre-assignment or
 * dynamic assignment script:
 *
 * ```xml
 * <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
 * <tasks>
 *   <task>
 *     <name>…</name>
 *     <participants><participant_username>…</participant_username></participants>
 *     <assignment><assignment_mode>manual</assignment_mode><assigner_username>…</assigner_username></assignment>
 *     <access_requests><access_request_id>…</access_request_id></access_requests>
 *   </task>
 * </tasks>
 * ```
 *
 * No task at all renders `<tasks/>`: SecureChange then handles every access
 * request in the default task.
 */
export const renderAssignmentXml = (assignment: SecureChangeAssignment | undefined): string => {
  const head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
  const tasks = assignment?.tasks ?? [];
  if (tasks.length === 0) return `${head}<tasks/>\n`;
  const lines = ['<tasks>'];
  for (const t of tasks) {
    lines.push('  <task>', element('name', t.name, '    '), '    <participants>');
    if (t.participantIds.length > 0) {
      for (const id of t.participantIds) lines.push(element('participant_id', id, '      '));
    } else {
      for (const user of t.participants) lines.push(element('participant_username', user, '      '));
    }
    lines.push(
      '    </participants>',
      '    <assignment>',
      element('assignment_mode', t.assignmentMode, '      '),
    );
    if (t.assignmentMode === 'manual' && t.assignerId !== undefined) {
      lines.push(element('assigner_id', t.assignerId, '      '));
    } else if (t.assignmentMode === 'manual' && t.assigner !== undefined) {
      lines.push(element('assigner_username', t.assigner, '      '));
    }
    lines.push('    </assignment>');
    if (t.accessRequestIds.length > 0) {
      lines.push('    <access_requests>');
      for (const id of t.accessRequestIds) lines.push(element('access_request_id', id, '      '));
      lines.push('    </access_requests>');
    }
    lines.push('  </task>');
  }
  lines.push('</tasks>');
  return `${head}${lines.join('\n')}\n`;
};

/** The assignment a verdict carries as `output`, when it is one. */
const assignmentOf = (verdict: Verdict): SecureChangeAssignment | undefined => {
  if (!('output' in verdict)) return undefined;
  const parsed = SecureChangeAssignmentSchema.safeParse(verdict.output);
  return parsed.success ? parsed.data : undefined;
};

const isAssignmentJob = (job: Job, event: TriggerEvent): boolean =>
  job.event?.trim().toUpperCase() === 'PRE_ASSIGNMENT_SCRIPT' || event.trigger === 'PRE_ASSIGNMENT_SCRIPT';

/**
 * Renders a decision for the mediator script, which turns it into what
 * SecureChange expects:
 *
 * - assignment kind (job `event` `PRE_ASSIGNMENT_SCRIPT`, or a verdict whose
 *   `output` is a {@link SecureChangeAssignmentSchema}): `200 application/xml`
 *   with the `<tasks>` XML of {@link renderAssignmentXml}; an output that is
 *   not a valid assignment renders `<tasks/>` (default task);
 * - every other kind (ticket validation, external risk analysis, workflow
 *   triggers): `200 application/json`
 *   `{"result":"success"|"failure","message":"…","runId":"…"}`; the mediator
 *   exits 0 on `success` and non-zero on `failure`.
 */
const renderVerdict = (
  verdict: Verdict,
  ctx: { job: Job; event: TriggerEvent; runId: string },
): SourceResponse => {
  const assignment = assignmentOf(verdict);
  if (assignment !== undefined || isAssignmentJob(ctx.job, ctx.event)) {
    return { status: 200, contentType: 'application/xml', body: renderAssignmentXml(assignment) };
  }
  return {
    status: 200,
    contentType: 'application/json',
    body: JSON.stringify({
      result: verdict.allow ? 'success' : 'failure',
      message: verdict.message,
      runId: ctx.runId,
    }),
  };
};

/** Tufin SecureChange: the mediator script's `ticket_info` XML. */
export const secureChangeAdapter: SourceAdapter = {
  id: 'securechange',
  contentTypes: SECURECHANGE_CONTENT_TYPES,
  parse,
  renderVerdict,
};
