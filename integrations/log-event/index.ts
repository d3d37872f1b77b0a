import { cutText, DEFAULT_MAX_LINE_BYTES, defineIntegration } from '../../shared/sdk/index.ts';

/**
 * A line is logged whole up to this size, cut beyond it: the run logger's own
 * line cap, so that the cut is made here, once, with the prefix kept.
 */
const MAX_LOGGED_BYTES = DEFAULT_MAX_LINE_BYTES;

/**
 * Built-in `log-event`: logs what a job received (source, trigger, delivery id,
 * the normalized ticket or session, the payload as JSON; each line cut at 8 KiB). The
 * integration to point a new webhook at first, to see what arrives.
 */
export default defineIntegration({
  id: 'log-event',
  name: 'Log event',
  version: '1.0.0',
  description: 'Logs the event a job received: source, trigger, delivery id, ticket or session, payload.',
  parameters: {
    prefix: {
      type: 'text',
      label: 'Line prefix',
      description: 'Text put in front of every log line, e.g. "[staging] ".',
      default: '',
    },
  },
  run({ event, params, logger }) {
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
    return {
      message: `logged ${event.source}/${event.trigger} event`,
      output: { source: event.source, trigger: event.trigger, bytes },
    };
  },
});
