import { createHash } from 'node:crypto';

/**
 * Marks of what we do in a target: the marker every task we open carries
 * (`findTask(marker)` finds it again after a crash), and the note every
 * comment or work note we write ends with (a webhook about our own change is
 * recognized by it and ignored, so no loop).
 */

/** A Jira label set on every issue we create (next to its marker label). */
export const OWN_CHANGE_LABEL = 'triggerhub';

/**
 * Jira labels may not hold spaces; ServiceNow's correlation_id holds 100 characters. A marker
 * is made of these (the `.` separates the job id, which never holds one, from the alert id).
 */
export const MARKER_PATTERN = /^[A-Za-z0-9_.-]{1,100}$/;
export const MAX_MARKER_LENGTH = 100;
const ALERT_ID_SAFE = /^[A-Za-z0-9_.-]+$/;

/** What every own-change note starts with. */
const NOTE_PREFIX = '[triggerhub:';

/**
 * The marker of the task a job opens for an alert: `triggerhub-<jobId>.<alertId>`
 * when that is at most 100 characters of `[A-Za-z0-9_.-]` (a Jira label, a
 * ServiceNow correlation id), else `triggerhub-<jobId, first 32>-<sha256(jobId,
 * alertId), first 32 hex>` — stable, so a retry finds the task a crashed
 * attempt opened.
 *
 * One marker per job and alert: `findTask` searches the whole target, which
 * other jobs may share. Job ids never hold a `.`, so the first `.` of a plain
 * marker ends the job id (job `alerts` + alert `dlp-1` and job `alerts-dlp` +
 * alert `1` stay apart), a hashed marker never holds one (the two forms never
 * meet), and the hash covers the job id too (two jobs whose ids share their
 * first 32 characters would otherwise meet for every hashed alert id).
 *
 * @example
 * ```ts
 * taskMarker('alerts-to-jira', 'NS-48213'); // 'triggerhub-alerts-to-jira.NS-48213'
 * ```
 */
export const taskMarker = (jobId: string, alertId: string): string => {
  const plain = `triggerhub-${jobId}.${alertId}`;
  if (plain.length <= MAX_MARKER_LENGTH && ALERT_ID_SAFE.test(alertId)) return plain;
  const hash = createHash('sha256').update(`${jobId}\n${alertId}`, 'utf8').digest('hex').slice(0, 32);
  return `triggerhub-${jobId.slice(0, 32)}-${hash}`;
};

/**
 * The line ended onto every comment and work note we write: `[triggerhub:<marker>]`.
 *
 * @example
 * ```ts
 * `${comment}\n${ownChangeNote(marker)}`;
 * ```
 */
export const ownChangeNote = (marker: string): string => `${NOTE_PREFIX}${marker}]`;

/** Whether a comment or work note is one of ours (carries an own-change note). */
export const isOwnChangeText = (text: string): boolean => text.includes(NOTE_PREFIX);
