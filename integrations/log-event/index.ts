import { setTimeout as sleep } from 'node:timers/promises';
import {
  cutText,
  DEFAULT_MAX_LINE_BYTES,
  defineIntegration,
  PermanentError,
} from '../../shared/sdk/index.ts';

/**
 * A line is logged whole up to this size, cut beyond it: the run logger's own
 * line cap, so that the cut is made here, once, with the prefix kept.
 */
const MAX_LOGGED_BYTES = DEFAULT_MAX_LINE_BYTES;

/** Lambda's own limit (15 minutes): a wait longer than any run can last is a mistake. */
export const MAX_WAIT_SECONDS = 900;

/**
 * Built-in `log-event`: logs what a job received (source, trigger, delivery id,
 * the normalized ticket or session, the payload as JSON; each line cut at 8 KiB). The
 * integration to point a new webhook at first, to see what arrives. With `waitSeconds` it
 * then waits before finishing, so that a newcomer sees a long run: Running, and stopped.
 */
export default defineIntegration({
  id: 'log-event',
  name: 'Log event',
  version: '1.1.0',
  description: 'Logs the event a job received: source, trigger, delivery id, ticket or session, payload.',
  parameters: {
    prefix: {
      type: 'text',
      label: 'Line prefix',
      description: 'Text put in front of every log line, e.g. "[staging] ".',
      default: '',
    },
    waitSeconds: {
      type: 'number',
      label: 'Wait (seconds)',
      description: `Seconds to wait after logging before the run finishes (0–${MAX_WAIT_SECONDS}), to see a long run and stop it; the job's timeoutSeconds still ends it.`,
      default: 0,
    },
  },
  async run({ event, params, logger, signal }) {
    const wait = params.waitSeconds;
    // The manifest types it a number; its range is checked here, before anything is logged.
    if (!Number.isFinite(wait) || wait < 0 || wait > MAX_WAIT_SECONDS) {
      throw new PermanentError(`waitSeconds must be from 0 to ${MAX_WAIT_SECONDS}, not ${wait}`);
    }
    const line = (text: string): void => logger.info(cutText(`${params.prefix}${text}`, MAX_LOGGED_BYTES));
    line(
      `${event.source}/${event.trigger} event, delivery ${event.deliveryId}, received ${event.receivedAt}`,
    );
    if (event.ticket) line(`ticket: ${JSON.stringify(event.ticket)}`);
    if (event.session) line(`session: ${JSON.stringify(event.session)}`);
    // JSON.stringify gives undefined for an absent payload, whatever its declared type says.
    const json: string | undefined = JSON.stringify(event.payload);
    const bytes = json === undefined ? 0 : Buffer.byteLength(json);
    line(json === undefined ? 'payload: none' : `payload (${bytes} bytes): ${json}`);
    if (wait > 0) {
      line(`waiting ${wait} s`);
      const started = Date.now();
      try {
        await sleep(wait * 1000, undefined, { signal });
      } catch {
        // Stopped (or past the deadline): end now. The runtime records why; what is returned is discarded.
        line(`stopped waiting after ${((Date.now() - started) / 1000).toFixed(1)} s`);
        return { message: 'stopped while waiting' };
      }
    }
    return {
      message: `logged ${event.source}/${event.trigger} event`,
      output: { source: event.source, trigger: event.trigger, bytes },
    };
  },
});
