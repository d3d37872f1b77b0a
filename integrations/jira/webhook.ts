import type { TargetWebhook } from '../../shared/sdk/index.ts';
import { isOwnChangeText, OWN_CHANGE_LABEL } from '../../shared/tickets/marker.ts';
import { textOfAdf } from './adf.ts';
import { isIssueKey } from './keys.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The Jira webhook events about issues and their comments (the `webhookEvent` field). */
const JIRA_EVENT = /^(?:jira:issue_(?:created|updated|deleted)|comment_(?:created|updated|deleted))$/;

/**
 * A Jira webhook body (`webhookEvent`, `issue.key`, `issue.fields.labels`,
 * `comment.body` as ADF or text, `changelog.items`) → the task it is about,
 * and whether the change is ours: a comment carrying our note (alone, or
 * with an update whose changelog has no item of its own), or the creation of
 * an issue with our label. Anything else is not a Jira webhook: undefined
 * (the body is an alert).
 */
export const parseJiraWebhook = (payload: unknown): TargetWebhook | undefined => {
  if (!isObject(payload) || typeof payload.webhookEvent !== 'string') return undefined;
  const event = payload.webhookEvent;
  if (!JIRA_EVENT.test(event)) return undefined;
  const issue = isObject(payload.issue) ? payload.issue : undefined;
  const key = typeof issue?.key === 'string' && isIssueKey(issue.key) ? issue.key : undefined;
  const taskIds = key === undefined ? [] : [key];

  const comment = isObject(payload.comment) ? payload.comment : undefined;
  const changelog = isObject(payload.changelog) ? payload.changelog : undefined;
  const changed = Array.isArray(changelog?.items) && changelog.items.length > 0;
  if (comment !== undefined && !changed && isOwnChangeText(textOfAdf(comment.body))) {
    return { taskIds, ownChange: true };
  }
  if (event === 'jira:issue_created') {
    const fields = isObject(issue?.fields) ? issue.fields : undefined;
    const labels = Array.isArray(fields?.labels) ? fields.labels : [];
    if (labels.includes(OWN_CHANGE_LABEL)) return { taskIds, ownChange: true };
  }
  return { taskIds, ownChange: false };
};
