import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { errorMessage, isTriggerhubError, ValidationError } from '../errors.ts';
import { platformLogger } from '../runtime/platform-logger.ts';
import { clip } from '../sdk/text.ts';
import { refusalJobIdOf } from './edge-checks.ts';

export interface ErrorBody {
  error: string;
  message: string;
  /** A ValidationError's field at fault (`schedule.every`, `params.url`), when it names one. */
  param?: string;
}

/** The longest `param` an error body carries (a path may quote keys from input). */
export const MAX_ERROR_PARAM_CHARS = 256;

/**
 * The longest message an error body carries. Messages quote at most ~200
 * characters of input each (see `quote`); this bounds whatever a message
 * written elsewhere might still echo.
 */
export const MAX_ERROR_MESSAGE_CHARS = 1000;

/**
 * Maps anything thrown to a status and a JSON body. Domain errors keep their
 * message (they are written for callers and hold no secret); anything else is
 * logged and answered with a plain 500 that leaks nothing.
 */
export const toErrorResponse = (e: unknown): { status: number; body: ErrorBody } => {
  if (isTriggerhubError(e)) {
    const param = e instanceof ValidationError ? e.param : undefined;
    return {
      status: e.status,
      body: {
        error: e.code,
        message: clip(e.message, MAX_ERROR_MESSAGE_CHARS),
        ...(param === undefined ? {} : { param: clip(param, MAX_ERROR_PARAM_CHARS) }),
      },
    };
  }
  platformLogger.error('unexpected error', { error: errorMessage(e) });
  return { status: 500, body: { error: 'internal', message: 'internal error' } };
};

/** The fields of a refusal's log line; nothing else, and never a header value, the body or a secret. */
export interface RefusalFields {
  /** The path's job id, only when it is a possible job id. */
  jobId?: string;
  status: number;
  /** The error code answered (`unauthorized`, `not_found`, `payload_too_large`…). */
  reason: string;
  /** API Gateway's `requestContext.requestId`. */
  requestId?: string;
  /** API Gateway's `requestContext.http.sourceIp`. */
  sourceIp?: string;
}

/** The message of a refused webhook's log line: CloudWatch's metric filter and saved query match on it. */
export const WEBHOOK_REFUSED = 'webhook refused';
export const ADMIN_REFUSED = 'admin request refused';

/**
 * Writes the one WARN line of a refusal (4xx). A refusal is visible in the
 * logs without writing anything to the table.
 */
export const logRefusal = (
  message: typeof WEBHOOK_REFUSED | typeof ADMIN_REFUSED,
  f: RefusalFields,
): void => {
  platformLogger.warn(message, {
    ...(f.jobId !== undefined && { jobId: f.jobId }),
    status: f.status,
    reason: f.reason,
    ...(f.requestId !== undefined && { requestId: f.requestId }),
    ...(f.sourceIp !== undefined && { sourceIp: f.sourceIp }),
  });
};

/** Which refusal message a path's answer is logged under: admin routes apart from webhooks. */
export const refusalMessageFor = (rawPath: string): typeof WEBHOOK_REFUSED | typeof ADMIN_REFUSED =>
  rawPath === '/admin' || rawPath.startsWith('/admin/') ? ADMIN_REFUSED : WEBHOOK_REFUSED;

/**
 * The refusal line of a request refused at the HTTP edge (the Lambda
 * handler, the apps' middleware, a direct route): its message and job id
 * from the path, its request id and source address from API Gateway's event
 * when there is one (`app.request()` in tests has none).
 */
export const logEdgeRefusal = (
  rawPath: string,
  status: number,
  reason: string,
  event: APIGatewayProxyEventV2 | undefined,
): void =>
  logRefusal(refusalMessageFor(rawPath), {
    jobId: refusalJobIdOf(rawPath),
    status,
    reason,
    requestId: event?.requestContext.requestId,
    sourceIp: event?.requestContext.http.sourceIp,
  });
