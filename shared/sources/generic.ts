import { ValidationError } from '../errors.ts';
import type { Job, TriggerEvent, Verdict } from '../model/index.ts';
import { requireMediaType } from './content-type.ts';
import { parseJson } from './json.ts';
import type { SourceAdapter, SourceRequest, SourceResponse } from './types.ts';

export const GENERIC_CONTENT_TYPES = ['application/json', 'application/*+json'] as const;
/** The trigger of a generic webhook that names none. */
export const GENERIC_TRIGGER = 'webhook';

/** `application/json` or a structured-syntax `+json` type (`application/vnd.github+json`, `application/cloudevents+json`). */
const isJsonType = (t: string): boolean =>
  t === 'application/json' || /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+\+json$/.test(t);

const TRIGGER_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$/;

/** `?event=`, else the job's `event`, else `webhook`. */
const resolveTrigger = (req: SourceRequest, job: Job): string => {
  const requested = req.query.event;
  if (requested !== undefined && requested !== '') {
    if (!TRIGGER_NAME.test(requested)) {
      throw new ValidationError(
        'event: 1 to 100 letters, digits and . _ : / -, starting with a letter or digit',
      );
    }
    return requested;
  }
  return job.event !== undefined && job.event.trim() !== '' ? job.event.trim() : GENERIC_TRIGGER;
};

/**
 * Parses any JSON body (`application/json` or `*\/*+json`; any JSON value,
 * not only objects). Empty or malformed JSON → 400 with the parser's reason;
 * another content type → 415.
 */
const parse = (req: SourceRequest, job: Job): TriggerEvent => {
  requireMediaType(req, 'generic', GENERIC_CONTENT_TYPES, isJsonType);
  const body = req.body.replace(/^\uFEFF/, '');
  if (body.trim() === '') throw new ValidationError('empty body: expected JSON');
  const payload = parseJson(body);
  return {
    source: 'generic',
    trigger: resolveTrigger(req, job),
    deliveryId: req.deliveryId,
    receivedAt: req.receivedAt,
    headers: { ...req.headers },
    query: { ...req.query },
    contentType: req.contentType,
    payload,
  };
};

/** `200 application/json {"allow": true|false, "message": "…", "runId": "…"}`. */
const renderVerdict = (verdict: Verdict, ctx: { runId: string }): SourceResponse => ({
  status: 200,
  contentType: 'application/json',
  body: JSON.stringify({ allow: verdict.allow, message: verdict.message, runId: ctx.runId }),
});

/** Any JSON webhook, authenticated by a shared secret or an HMAC signature. */
export const genericAdapter: SourceAdapter = {
  id: 'generic',
  contentTypes: GENERIC_CONTENT_TYPES,
  parse,
  renderVerdict,
};
