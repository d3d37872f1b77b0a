import type { TaskStatus } from '../../shared/model/index.ts';

/** A status as Jira answers it (`fields.status`). */
export interface JiraStatus {
  name?: string;
  statusCategory?: { key?: string };
}

/** Statuses named like this wait on someone: `on_hold`, whatever their category says. */
const ON_HOLD_NAME = /\b(?:on[\s_-]*hold|blocked|waiting)\b/i;

/**
 * Our status of a Jira status, by its category (every workflow status has
 * one of three, whatever it is called): `new` → `new`, `indeterminate` →
 * `in_progress`, `done` → `closed`; a status that is not done and whose name
 * says it waits ("On hold", "Blocked", "Waiting for customer") → `on_hold`;
 * anything else (no category, Jira's `undefined` one) → `other`.
 */
export const taskStatusOf = (status: JiraStatus | undefined): TaskStatus => {
  const category = status?.statusCategory?.key;
  if (category === 'done') return 'closed';
  if ((category === 'new' || category === 'indeterminate') && ON_HOLD_NAME.test(status?.name ?? '')) {
    return 'on_hold';
  }
  if (category === 'new') return 'new';
  if (category === 'indeterminate') return 'in_progress';
  return 'other';
};
