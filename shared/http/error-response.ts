import { errorMessage, isTriggerhubError } from '../errors.ts';
import { platformLogger } from '../runtime/platform-logger.ts';

export interface ErrorBody {
  error: string;
  message: string;
}

/**
 * Maps anything thrown to a status and a JSON body. Domain errors keep their
 * message (they are written for callers and hold no secret); anything else is
 * logged and answered with a plain 500 that leaks nothing.
 */
export const toErrorResponse = (e: unknown): { status: number; body: ErrorBody } => {
  if (isTriggerhubError(e)) {
    return { status: e.status, body: { error: e.code, message: e.message } };
  }
  platformLogger.error('unexpected error', { error: errorMessage(e) });
  return { status: 500, body: { error: 'internal', message: 'internal error' } };
};
