import { createHash } from 'node:crypto';

/**
 * SEAM PLACEHOLDER (written by the jira branch so that it builds on its own;
 * H1's shared/tickets/marker.ts replaces it whole at the merge). The names
 * and behaviour are the contract's: the marker we set on every task we open,
 * and the note that marks our own comments.
 */

/** A Jira label set on every issue we create. */
export const OWN_CHANGE_LABEL = 'triggerhub';

const MARKER_SAFE = /^[A-Za-z0-9_-]+$/;
const MAX_MARKER_LENGTH = 100;

/** `triggerhub-<jobId>-<alertId>`, or a hashed form when that is too long or not label-safe. */
export const taskMarker = (jobId: string, alertId: string): string => {
  const plain = `triggerhub-${jobId}-${alertId}`;
  if (plain.length <= MAX_MARKER_LENGTH && MARKER_SAFE.test(plain)) return plain;
  const hash = createHash('sha256').update(alertId, 'utf8').digest('hex').slice(0, 32);
  return `triggerhub-${jobId.slice(0, 32)}-${hash}`;
};

/** The line ended onto every comment / work note we write. */
export const ownChangeNote = (marker: string): string => `[triggerhub:${marker}]`;

/** Whether a comment carries our note. */
export const isOwnChangeText = (text: string): boolean => text.includes('[triggerhub:');
