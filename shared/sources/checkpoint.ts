import { ValidationError } from '../errors.ts';
import {
  CHECKPOINT_TRIGGERS,
  CheckPointObjectSchema,
  type CheckPointObject,
  type CheckPointSession,
  type Job,
  type TriggerEvent,
  type Verdict,
} from '../model/index.ts';
import { requireMediaType } from './content-type.ts';
import { toIsoDate } from './dates.ts';
import { parseJson } from './json.ts';
import { asList, asRecord, compact, isRecord, own, textOf, type PlainRecord } from './parsed-value.ts';
import type { SourceAdapter, SourceRequest, SourceResponse } from './types.ts';

/**
 * `application/json`: the Web Request payload, or the Run Script data as a
 * JSON string (`"<base64>"`) or as `{"data": "<base64>"}` (`data` its only
 * key). `text/plain`: the Run Script data, base64 only.
 */
export const CHECKPOINT_CONTENT_TYPES = ['application/json', 'text/plain'] as const;

export type CheckPointTrigger = (typeof CHECKPOINT_TRIGGERS)[number];
const TRIGGERS: ReadonlySet<string> = new Set(CHECKPOINT_TRIGGERS);
const isTrigger = (v: string): v is CheckPointTrigger => TRIGGERS.has(v);

const quoted = (v: string): string => JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);

/** `Before Publish` (as Check Point names it), `before_publish`, `BEFORE-PUBLISH`… → `before-publish`. */
const toTrigger = (value: string, where: string): CheckPointTrigger => {
  const normalized = value
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-');
  if (isTrigger(normalized)) return normalized;
  throw new ValidationError(
    `${where} ${quoted(value)} is not a supported SmartTask trigger; expected one of ${CHECKPOINT_TRIGGERS.join(', ')}`,
  );
};

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes Run Script data: standard base64 (whitespace and line breaks
 * ignored, padding optional) of UTF-8 JSON.
 */
export const decodeBase64Json = (text: string): unknown => {
  const b64 = text.replace(/\s+/g, '');
  const padded = b64.includes('=');
  if (!BASE64.test(b64) || b64.length % 4 === 1 || (padded && b64.length % 4 !== 0)) {
    throw new ValidationError('Run Script data is not valid base64');
  }
  let decoded: string;
  try {
    decoded = utf8.decode(Buffer.from(b64, 'base64'));
  } catch {
    throw new ValidationError('Run Script data does not decode to UTF-8 text');
  }
  return parseJson(decoded, 'base64-decoded Run Script data');
};

/** The trigger's JSON as an object, whichever form the request used. */
const readPayload = (req: SourceRequest): PlainRecord => {
  const mediaType = requireMediaType(req, 'checkpoint', CHECKPOINT_CONTENT_TYPES);
  const body = req.body.replace(/^\uFEFF/, '').trim();
  if (body === '') throw new ValidationError('empty body: expected the SmartTask JSON');
  let data: unknown;
  if (mediaType === 'text/plain') {
    if (body.startsWith('{')) {
      throw new ValidationError('a text/plain body is base64 Run Script data; send JSON as application/json');
    }
    data = decodeBase64Json(body);
  } else {
    data = parseJson(body);
    if (typeof data === 'string') {
      data = decodeBase64Json(data);
    } else if (isRecord(data) && Object.keys(data).length === 1 && typeof own(data, 'data') === 'string') {
      data = decodeBase64Json(String(own(data, 'data')));
    }
  }
  if (!isRecord(data)) throw new ValidationError('expected a JSON object: the SmartTask trigger data');
  return data;
};

/** Fields only the After Install Policy data has (rdarst/SmartTasks `policy_sanity_check_script.sh`). */
const INSTALL_KEYS = ['installPolicyResult', 'policyPackage', 'tasksResult', 'initiator'];

interface ChangeEntry {
  /** Where the entry sits in the payload, for error messages. */
  at: string;
  entry: PlainRecord;
}

/**
 * Every `{session, operations}` entry of the payload, in order: the
 * top-level one (the layout the Web Request and Run Script data use), then
 * `changes[]`, then `tasks[].task-details[].changes[]` (a show-changes /
 * show-task answer, which can hold several sessions).
 */
const changeEntries = (data: PlainRecord): ChangeEntry[] => {
  const entries: ChangeEntry[] = [];
  if (own(data, 'session') !== undefined || own(data, 'operations') !== undefined) {
    entries.push({ at: '', entry: data });
  }
  asList(own(data, 'changes')).forEach((entry, i) => {
    if (isRecord(entry)) entries.push({ at: `changes[${i}].`, entry });
  });
  asList(own(data, 'tasks')).forEach((task, t) => {
    asList(own(task, 'task-details')).forEach((details, d) => {
      asList(own(details, 'changes')).forEach((entry, i) => {
        if (isRecord(entry)) entries.push({ at: `tasks[${t}].task-details[${d}].changes[${i}].`, entry });
      });
    });
  });
  return entries;
};

type Shape = 'publish' | 'install' | 'unknown';

const shapeOf = (data: PlainRecord, entries: readonly ChangeEntry[]): Shape => {
  const install = INSTALL_KEYS.some((k) => own(data, k) !== undefined);
  const publish = entries.length > 0;
  return install === publish ? 'unknown' : install ? 'install' : 'publish';
};

/**
 * The trigger, in this order:
 * 1. explicit: a `trigger` field in the payload (a name like `Before Publish`,
 *    or `{name}`) and `?event=` in the URL; when both are present they must agree;
 * 2. the job's `event`;
 * 3. the payload's shape: install-policy fields → `after-install-policy`;
 *    a publish session → `before-publish` for a `decision` job (only a
 *    Before trigger waits for a verdict), else `after-publish` — Before and
 *    After Publish send the same data, so the shape cannot tell them apart.
 *
 * A trigger that contradicts the shape (an install report for a publish
 * trigger, or the reverse) is refused; so is data with no shape and no trigger.
 */
const resolveTrigger = (req: SourceRequest, job: Job, data: PlainRecord, shape: Shape): CheckPointTrigger => {
  const field = own(data, 'trigger');
  const fieldText = textOf(field) ?? textOf(own(field, 'name'));
  const fromPayload = fieldText === undefined ? undefined : toTrigger(fieldText, 'payload trigger');
  const queryText = req.query.event;
  const fromQuery =
    queryText === undefined || queryText.trim() === '' ? undefined : toTrigger(queryText, 'event');
  if (fromPayload !== undefined && fromQuery !== undefined && fromPayload !== fromQuery) {
    throw new ValidationError(`the payload says ${fromPayload} but ?event= says ${fromQuery}`);
  }
  const configured =
    job.event === undefined || job.event.trim() === '' ? undefined : toTrigger(job.event, "the job's event");
  const inferred: CheckPointTrigger | undefined =
    shape === 'install'
      ? 'after-install-policy'
      : shape === 'publish'
        ? job.mode === 'decision'
          ? 'before-publish'
          : 'after-publish'
        : undefined;
  const trigger = fromPayload ?? fromQuery ?? configured ?? inferred;
  if (trigger === undefined) {
    throw new ValidationError(
      "cannot tell which SmartTask trigger sent this (no session, operations or install-policy data); send ?event=<trigger> or set the job's event",
    );
  }
  if (shape === 'install' && trigger !== 'after-install-policy') {
    throw new ValidationError(`the payload is an install-policy report, not ${trigger} data`);
  }
  if (shape === 'publish' && trigger === 'after-install-policy') {
    throw new ValidationError('the payload is a publish session, not after-install-policy data');
  }
  return trigger;
};

const toObject = (value: unknown, at: string): CheckPointObject => {
  const parsed = CheckPointObjectSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `.${issue.path.join('.')}` : '';
  throw new ValidationError(`${at}${where}: ${issue?.message ?? 'not a management object'}`);
};

/** The three lists of a show-changes `operations` object. */
const OPERATION_LISTS = ['added-objects', 'modified-objects', 'deleted-objects'] as const;

/**
 * Whether an entry carries its whole change set. `operations` absent (or
 * `null`) is what Check Point sends when its management API server is
 * unavailable. show-changes always lists all three, empty ones as `[]`: an
 * `operations` missing one of them (or naming it wrongly) is incomplete, and
 * a gate cannot know what the missing list held. Either way the changes are
 * unknown — not "no changes", which is three empty lists.
 */
const hasChangeSet = ({ at, entry }: ChangeEntry): boolean => {
  const ops = own(entry, 'operations');
  if (ops === undefined || ops === null) return false;
  if (!isRecord(ops)) throw new ValidationError(`${at}operations must be an object`);
  return OPERATION_LISTS.every((k) => own(ops, k) !== undefined && own(ops, k) !== null);
};

/**
 * Added, modified and deleted objects of every entry, in order, as one list
 * each; undefined when any entry lacks its change set (part of the changes
 * unknown is all of them unknown to a gate).
 */
const flattenChanges = (entries: readonly ChangeEntry[]): CheckPointSession['changes'] => {
  if (entries.length === 0 || !entries.every(hasChangeSet)) return undefined;
  const changes = { added: [], modified: [], deleted: [] } as NonNullable<CheckPointSession['changes']>;
  for (const { at, entry } of entries) {
    const ops = own(entry, 'operations');
    const where = `${at}operations`;
    asList(own(ops, 'added-objects') ?? undefined).forEach((o, i) => {
      changes.added.push(toObject(o, `${where}.added-objects[${i}]`));
    });
    asList(own(ops, 'modified-objects') ?? undefined).forEach((m, i) => {
      const old = own(m, 'old-object');
      changes.modified.push({
        old: old === undefined ? undefined : toObject(old, `${where}.modified-objects[${i}].old-object`),
        new: toObject(own(m, 'new-object'), `${where}.modified-objects[${i}].new-object`),
      });
    });
    asList(own(ops, 'deleted-objects') ?? undefined).forEach((o, i) => {
      changes.deleted.push(toObject(o, `${where}.deleted-objects[${i}]`));
    });
  }
  return changes;
};

/**
 * What every publish SmartTask sends (Admin Guide: "the sessions meta-data
 * (publishing administrator, domain information and session name)"): a
 * `session` object naming the publishing administrator, `user-name` — the one
 * field present in every sample, read by real SmartTask scripts
 * (rdarst/SmartTasks `Prepublish.sh`), and what a gate on administrators
 * checks. `session-uid` and `publish-time` come with the show-changes part,
 * which is left out when the management API server is unavailable, and the
 * domain is not in every documented layout: neither is required.
 */
const requirePublishMeta = (entries: readonly ChangeEntry[], trigger: CheckPointTrigger): void => {
  const expected = `a ${trigger} SmartTask always sends the session meta-data: "session" with "user-name"`;
  if (entries.length === 0) {
    throw new ValidationError(`not SmartTask publish data: "session" is missing (${expected})`);
  }
  for (const { at, entry } of entries) {
    const session = own(entry, 'session');
    if (!isRecord(session)) {
      throw new ValidationError(
        `${at}session is ${session === undefined ? 'missing' : 'not an object'} (${expected})`,
      );
    }
    // Text only: a number or boolean read as text would pass for a name no administrator has.
    const userName = own(session, 'user-name');
    if (userName !== undefined && userName !== null && typeof userName !== 'string') {
      throw new ValidationError(`${at}session.user-name is not a string (${expected})`);
    }
    if (typeof userName !== 'string' || userName.trim() === '') {
      throw new ValidationError(`${at}session.user-name is missing (${expected})`);
    }
  }
};

/**
 * What every After Install Policy SmartTask sends (Admin Guide: "the package
 * installed, the administrator who initiated the installation and the task's
 * result"; the fields rdarst/SmartTasks `policy_sanity_check_script.sh` reads).
 */
const INSTALL_REQUIRED = ['initiator', 'policyPackage', 'installPolicyResult'] as const;

const requireInstallReport = (data: PlainRecord): void => {
  const missing = INSTALL_REQUIRED.filter((k) => {
    const v = own(data, k);
    return textOf(v) === undefined && textOf(own(v, 'name')) === undefined;
  });
  if (missing.length > 0) {
    throw new ValidationError(
      `not SmartTask install-policy data: ${missing.join(', ')} missing (an after-install-policy SmartTask always sends ${INSTALL_REQUIRED.join(', ')})`,
    );
  }
};

/** The SmartTask's Custom Data (`custom-data`): an object, or a JSON object in a string. */
const customDataOf = (data: PlainRecord): Record<string, unknown> => {
  const raw = own(data, 'custom-data');
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return {};
  const value = typeof raw === 'string' ? parseJson(raw, 'custom-data') : raw;
  const record = asRecord(value);
  if (record === undefined) throw new ValidationError('custom-data must be a JSON object');
  return record;
};

/**
 * Session meta-data: the top-level `session`, else the first entry's (the
 * first session of a show-changes answer, its newest publish). `userName` is
 * the administrator every session names; when the sessions of a show-changes
 * answer name different ones it is left out, so that a gate on
 * administrators sees an unknown one (and denies) rather than check the
 * first and let the others' changes through.
 */
const sessionMeta = (
  entries: readonly ChangeEntry[],
): Pick<CheckPointSession, 'sessionUid' | 'sessionName' | 'publishTime' | 'userName' | 'domain'> => {
  const sessions = entries.map(({ entry }) => asRecord(own(entry, 'session')));
  const meta = sessions.find((s) => s !== undefined);
  if (meta === undefined) return {};
  const admins = new Set(sessions.map((s) => textOf(own(s, 'user-name'))));
  const published = own(meta, 'publish-time');
  const domain = own(meta, 'domain-info') ?? own(meta, 'domain');
  return {
    sessionUid: textOf(own(meta, 'session-uid')) ?? textOf(own(meta, 'uid')),
    sessionName: textOf(own(meta, 'session-name')) ?? textOf(own(meta, 'name')),
    publishTime: toIsoDate(
      textOf(own(published, 'posix')) ?? textOf(own(published, 'iso-8601')) ?? textOf(published),
    ),
    userName: admins.size === 1 ? textOf(own(meta, 'user-name')) : undefined,
    domain: isRecord(domain)
      ? compact({
          uid: textOf(own(domain, 'uid')),
          name: textOf(own(domain, 'name')),
          type: textOf(own(domain, 'domain-type')) ?? textOf(own(domain, 'type')),
        })
      : undefined,
  };
};

const installPolicyOf = (data: PlainRecord): NonNullable<CheckPointSession['installPolicy']> => {
  const pkg = own(data, 'policyPackage');
  const targets = asList(own(data, 'tasksResult'))
    .map((r) => textOf(own(r, 'target')) ?? textOf(own(own(r, 'target'), 'name')))
    .filter((t): t is string => t !== undefined);
  return {
    packageName: textOf(pkg) ?? textOf(own(pkg, 'name')),
    targets,
    result: textOf(own(data, 'installPolicyResult')),
  };
};

/**
 * Parses a SmartTask request (Before Publish, After Publish, After Install
 * Policy) into `event.session`; `payload` is the trigger's JSON as decoded
 * (the Run Script forms are unwrapped). Publish data: `session` meta-data
 * (`user-name` required; `session-uid`, `domain-info`, `publish-time`) and
 * `operations` (`added-objects`, `modified-objects` with `old-object` /
 * `new-object`, `deleted-objects`), at the top level or as a show-changes
 * answer (flattened across all its sessions); without `operations` the
 * session has no `changes` (unknown, see {@link hasChangeSet}). Install data:
 * `initiator`, `policyPackage`, `installPolicyResult` (required),
 * `tasksResult[].target`; no `changes`. Custom Data arrives merged in as
 * `custom-data`. Data missing what its trigger always sends is a 400.
 */
const parse = (req: SourceRequest, job: Job): TriggerEvent => {
  const data = readPayload(req);
  const entries = changeEntries(data);
  const shape = shapeOf(data, entries);
  const trigger = resolveTrigger(req, job, data, shape);
  const install = trigger === 'after-install-policy';
  if (install) requireInstallReport(data);
  else requirePublishMeta(entries, trigger);
  const changes = install ? undefined : flattenChanges(entries);
  const session: CheckPointSession = {
    trigger,
    ...compact(sessionMeta(entries)),
    ...(changes === undefined ? {} : { changes }),
    customData: customDataOf(data),
  };
  if (install) {
    const report = installPolicyOf(data);
    session.installPolicy = { ...compact(report), targets: report.targets };
    const initiator = textOf(own(data, 'initiator'));
    if (initiator !== undefined) session.userName = initiator;
  }
  return {
    source: 'checkpoint',
    trigger,
    deliveryId: req.deliveryId,
    receivedAt: req.receivedAt,
    headers: { ...req.headers },
    query: { ...req.query },
    contentType: req.contentType,
    payload: data,
    session,
  };
};

/**
 * `200 application/json {"result":"success"|"failure","message":"…"}`, the
 * answer a Before trigger's Web Request waits for (`failure` aborts the
 * publish); After triggers only need the `200`.
 */
const renderVerdict = (verdict: Verdict): SourceResponse => ({
  status: 200,
  contentType: 'application/json',
  body: JSON.stringify({ result: verdict.allow ? 'success' : 'failure', message: verdict.message }),
});

/** Check Point management SmartTasks: Web Request JSON, or Run Script base64 JSON. */
export const checkPointAdapter: SourceAdapter = {
  id: 'checkpoint',
  contentTypes: CHECKPOINT_CONTENT_TYPES,
  parse,
  renderVerdict,
};
