import type { TriggerEvent } from '../model/index.ts';
import { TriggerEventSchema } from '../model/index.ts';
import type { Deps } from './deps.ts';
import { measuredJson, takeJsonText } from './json-text.ts';

/**
 * Keeps an event with its run: inline when small, else in the payload store
 * with only the reference in the run item (claim check).
 */
export const storeEvent = async (
  deps: Pick<Deps, 'payloads' | 'settings'>,
  jobId: string,
  runId: string,
  event: TriggerEvent,
): Promise<{ event: TriggerEvent } | { eventRef: string }> => {
  // Measured once; the run store writes this same text (see takeJsonText).
  const json = measuredJson(event) ?? 'null';
  if (Buffer.byteLength(json) <= deps.settings.inlineEventLimitBytes) return { event };
  takeJsonText(event);
  return { eventRef: await deps.payloads.put(`events/${jobId}/${runId}.json`, json) };
};

/** The run's event, loaded from the payload store when it was kept there. */
export const loadEvent = async (
  deps: Pick<Deps, 'payloads'>,
  run: { event?: TriggerEvent; eventRef?: string },
): Promise<TriggerEvent | undefined> => {
  if (run.event) return run.event;
  if (!run.eventRef) return undefined;
  return TriggerEventSchema.parse(JSON.parse(await deps.payloads.get(run.eventRef)));
};
