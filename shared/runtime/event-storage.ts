import type { TriggerEvent } from '../model/index.ts';
import { TriggerEventSchema } from '../model/index.ts';
import type { Deps } from './deps.ts';
import { measuredJson, takeJsonText } from './json-text.ts';

/**
 * Keeps an event with its run: inline when its JSON is at most `limitBytes`
 * (the settings' limit for the run's mode), else in the payload store with
 * only the reference in the run item (claim check).
 */
export const storeEvent = async (
  deps: Pick<Deps, 'payloads'>,
  jobId: string,
  runId: string,
  event: TriggerEvent,
  limitBytes: number,
): Promise<{ event: TriggerEvent } | { eventRef: string }> => {
  // Measured once; the run store writes this same text (see takeJsonText).
  const json = measuredJson(event) ?? 'null';
  if (fitsIn(json, limitBytes)) return { event };
  takeJsonText(event);
  return { eventRef: await deps.payloads.put(`events/${jobId}/${runId}.json`, json) };
};

/** Whether `text` is at most `limit` UTF-8 bytes; counted only when its length cannot tell (1–3 bytes a UTF-16 unit). */
export const fitsIn = (text: string, limit: number): boolean =>
  text.length <= limit && (text.length * 3 <= limit || Buffer.byteLength(text) <= limit);

/** The run's event, loaded from the payload store when it was kept there. */
export const loadEvent = async (
  deps: Pick<Deps, 'payloads'>,
  run: { event?: TriggerEvent; eventRef?: string },
): Promise<TriggerEvent | undefined> => {
  if (run.event) return run.event;
  if (!run.eventRef) return undefined;
  return TriggerEventSchema.parse(JSON.parse(await deps.payloads.get(run.eventRef)));
};
