/** Epoch milliseconds as SecureChange (`createDate`) and Check Point (`posix`) send them. */
const EPOCH_MS = /^\d{1,15}$/;
/** ISO-8601 date-time with a zone: `Z`, `+03:00` or Check Point's `+0200`; seconds optional. */
const ISO_WITH_ZONE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Converts a date as a source sends it to ISO-8601 in UTC (`toISOString()`),
 * or undefined when it is neither epoch milliseconds nor an ISO-8601
 * date-time with a zone. A bad date never fails a delivery: the raw value
 * stays in the event's payload.
 */
export const toIsoDate = (value: string | number | undefined): string | undefined => {
  if (value === undefined) return undefined;
  const raw = String(value).trim();
  let ms: number;
  if (EPOCH_MS.test(raw)) {
    ms = Number(raw);
  } else {
    const m = ISO_WITH_ZONE.exec(raw);
    if (!m) return undefined;
    const zone = m[2] === 'Z' || m[2] === undefined ? 'Z' : m[2].replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
    ms = Date.parse(`${m[1]}${zone}`);
  }
  if (!Number.isFinite(ms)) return undefined;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
};
