import { describe, expect, it } from 'vitest';
import { OWN_CHANGE_LABEL, ownChangeNote } from '../../shared/tickets/marker.ts';
import { adfOf } from './adf.ts';
import { parseJiraWebhook } from './webhook.ts';

// Jira webhook bodies, built from the fields Atlassian documents for issue and comment
// events (timestamp, webhookEvent, issue_event_type_name, user, issue { id, key, fields },
// changelog { items[] }, comment { id, body }); no delivery was captured for the samples.
const NOTE = ownChangeNote('triggerhub-alerts-to-jira-a-1');

const issue = (key: string, labels: string[] = []) => ({
  id: '10002',
  self: 'https://acme.atlassian.net/rest/api/3/issue/10002',
  key,
  fields: { summary: 'DLP alert', labels, status: { name: 'To Do', statusCategory: { key: 'new' } } },
});
const comment = (body: unknown) => ({
  id: '10000',
  self: 'https://acme.atlassian.net/rest/api/3/issue/10002/comment/10000',
  author: { accountId: '5b10a2844c20165700ede21g', displayName: 'Security Bot' },
  body,
  created: '2026-11-29T10:05:00.000+0000',
});

describe('parseJiraWebhook', () => {
  it.each([
    [
      'our comment (ADF)',
      {
        webhookEvent: 'comment_created',
        issue: issue('EX-1'),
        comment: comment(adfOf(`New alert\n${NOTE}`)),
      },
      true,
    ],
    [
      'our comment (wiki text)',
      { webhookEvent: 'comment_updated', issue: issue('EX-1'), comment: comment(`New alert\n${NOTE}`) },
      true,
    ],
    [
      'an issue update carrying our comment, no field changed',
      {
        webhookEvent: 'jira:issue_updated',
        issue_event_type_name: 'issue_commented',
        issue: issue('EX-1'),
        comment: comment(adfOf(`x\n${NOTE}`)),
        changelog: { id: '1', items: [] },
      },
      true,
    ],
    [
      'the creation of an issue we labelled',
      { webhookEvent: 'jira:issue_created', issue: issue('EX-1', ['dlp', OWN_CHANGE_LABEL]) },
      true,
    ],
    [
      'a person’s comment',
      { webhookEvent: 'comment_created', issue: issue('EX-1'), comment: comment(adfOf('I am on it')) },
      false,
    ],
    [
      'a status change (with our comment beside it)',
      {
        webhookEvent: 'jira:issue_updated',
        issue: issue('EX-1', [OWN_CHANGE_LABEL]),
        comment: comment(adfOf(NOTE)),
        changelog: { id: '2', items: [{ field: 'status', fromString: 'To Do', toString: 'Done' }] },
      },
      false,
    ],
    [
      'an update of an issue we labelled',
      { webhookEvent: 'jira:issue_updated', issue: issue('EX-1', [OWN_CHANGE_LABEL]) },
      false,
    ],
    ['a deletion', { webhookEvent: 'jira:issue_deleted', issue: issue('EX-1', [OWN_CHANGE_LABEL]) }, false],
    [
      'the creation of an issue someone else opened',
      { webhookEvent: 'jira:issue_created', issue: issue('EX-1') },
      false,
    ],
  ])('%s → ownChange %s, about the issue', (_name, payload, own) => {
    expect(parseJiraWebhook(payload)).toEqual({ taskIds: ['EX-1'], ownChange: own });
  });

  it.each([
    ['an alert', { alertName: 'DLP', user: 'bob' }],
    ['another event', { webhookEvent: 'project_created', project: { key: 'EX' } }],
    ['a webhookEvent that is not a string', { webhookEvent: 7, issue: issue('EX-1') }],
    ['not an object', 'jira:issue_created'],
    ['null', null],
  ])('%s is not a Jira webhook', (_name, payload) => {
    expect(parseJiraWebhook(payload)).toBeUndefined();
  });

  it('names no task for an issue key that is not one', () => {
    expect(parseJiraWebhook({ webhookEvent: 'jira:issue_updated', issue: { key: 'EX-1") OR ("a' } })).toEqual(
      { taskIds: [], ownChange: false },
    );
  });
});
