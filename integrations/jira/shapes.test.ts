import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../shared/errors.ts';
import { adfOf, textOfAdf } from './adf.ts';
import { fieldTypeOf, jiraValueOf, MAX_SUMMARY_LENGTH } from './fields.ts';
import { baseUrlOf, issueTypeNames, parseQueue } from './jira-api.ts';
import { isIssueKey, keyInJql } from './keys.ts';
import { taskStatusOf } from './status.ts';

describe('ADF', () => {
  it('writes paragraphs per block and hard breaks per line, and reads them back', () => {
    // Act
    const doc = adfOf('one\ntwo\r\n\r\n\n three \n\n');

    // Assess
    expect(doc).toEqual({
      type: 'doc',
      version: 1,
      content: [
        {
          type: 'paragraph',
          content: [{ type: 'text', text: 'one' }, { type: 'hardBreak' }, { type: 'text', text: 'two' }],
        },
        { type: 'paragraph', content: [{ type: 'text', text: ' three ' }] },
      ],
    });
    expect(textOfAdf(doc)).toBe('one\ntwo\n three ');
    expect(adfOf('')).toEqual({ type: 'doc', version: 1, content: [] });
  });

  it('reads text out of nested nodes and plain strings, and stops at a bound on depth', () => {
    // Prepare
    let deep: unknown = { type: 'text', text: 'lost' };
    for (let i = 0; i < 100; i++) deep = { type: 'bulletList', content: [deep] };

    // Assess
    expect(
      textOfAdf({
        type: 'doc',
        content: [
          { type: 'heading', content: [{ type: 'text', text: 'H' }] },
          { type: 'paragraph', content: [{ type: 'text', text: 'p' }] },
        ],
      }),
    ).toBe('H\np');
    expect(textOfAdf('wiki *text*')).toBe('wiki *text*');
    expect(textOfAdf({ type: 'doc', content: [deep] })).toBe('');
    expect(textOfAdf(null)).toBe('');
  });
});

describe('field types', () => {
  it.each([
    [{ type: 'string', system: 'summary' }, 'string'],
    [{ type: 'string', system: 'description' }, 'text'],
    [{ type: 'string', system: 'environment' }, 'text'],
    [{ type: 'doc' }, 'text'],
    [{ type: 'string', custom: 'com.atlassian.jira.plugin.system.customfieldtypes:textarea' }, 'text'],
    [{ type: 'number' }, 'number'],
    [{ type: 'array', items: 'string' }, 'array'],
    [{ type: 'option' }, 'option'],
    [{ type: 'user' }, 'user'],
    [{ type: 'date' }, 'date'],
    [{ type: 'datetime' }, 'datetime'],
    [{ type: 'priority' }, 'any'],
    [undefined, 'any'],
  ])('%j → %s', (schema, type) => {
    expect(fieldTypeOf(schema)).toBe(type);
  });

  it('shapes values for the create call', () => {
    expect(jiraValueOf('summary', 'a\r\nb', undefined)).toBe('a b');
    expect(jiraValueOf('summary', 'x'.repeat(300), undefined)).toHaveLength(MAX_SUMMARY_LENGTH);
    expect(jiraValueOf('labels', 'a, b,,c', undefined)).toEqual(['a', 'b', 'c']);
    expect(jiraValueOf('f', 3, { type: 'number' })).toBe(3);
    expect(jiraValueOf('f', ['x', 'y'], { type: 'string' })).toBe('x, y');
    expect(jiraValueOf('f', 'u1, u2', { type: 'array', items: 'user' })).toEqual([
      { accountId: 'u1' },
      { accountId: 'u2' },
    ]);
    expect(jiraValueOf('f', 'v1', { type: 'array', items: 'version' })).toEqual([{ name: 'v1' }]);
    expect(jiraValueOf('f', 'r', { type: 'resolution' })).toEqual({ name: 'r' });
    expect(jiraValueOf('f', true, { type: 'any' })).toBe(true);
    expect(() => jiraValueOf('customfield_1', 'seven', { type: 'number' })).toThrow(PermanentError);
    expect(() => jiraValueOf('customfield_1', ' ', { type: 'number' })).toThrow(/takes a number/);
  });
});

describe('status mapping', () => {
  it.each([
    [{ name: 'To Do', statusCategory: { key: 'new' } }, 'new'],
    [{ name: 'In Progress', statusCategory: { key: 'indeterminate' } }, 'in_progress'],
    [{ name: 'On Hold', statusCategory: { key: 'indeterminate' } }, 'on_hold'],
    [{ name: 'Blocked', statusCategory: { key: 'indeterminate' } }, 'on_hold'],
    [{ name: 'Waiting for customer', statusCategory: { key: 'indeterminate' } }, 'on_hold'],
    [{ name: 'On-hold', statusCategory: { key: 'new' } }, 'on_hold'],
    [{ name: 'Done', statusCategory: { key: 'done' } }, 'closed'],
    [{ name: 'Blocked forever', statusCategory: { key: 'done' } }, 'closed'],
    [{ name: 'Unblocked', statusCategory: { key: 'indeterminate' } }, 'in_progress'],
    [{ name: 'Odd', statusCategory: { key: 'undefined' } }, 'other'],
    [undefined, 'other'],
  ])('%j → %s', (status, ours) => {
    expect(taskStatusOf(status)).toBe(ours);
  });
});

describe('keys, queues and URLs', () => {
  it('accepts Jira issue keys only, and quotes them in JQL', () => {
    expect(['EX-1', 'MY_PROJ-12345', 'A1-2'].every(isIssueKey)).toBe(true);
    expect(['ex-1', 'E-1', 'EX-', 'EX-1 ', '1X-2', 'EX-1"', ''].some(isIssueKey)).toBe(false);
    expect(keyInJql(['EX-1', 'EX-2'])).toBe('key in ("EX-1", "EX-2")');
  });

  it('reads a queue, the issue types and the base URL', () => {
    expect(parseQueue('10000:Service Request: IT')).toEqual({
      project: '10000',
      issueType: 'Service Request: IT',
    });
    expect(() => parseQueue('10000:')).toThrow(PermanentError);
    expect(() => parseQueue('a/b:Task')).toThrow(PermanentError);
    expect(issueTypeNames(' Task, Bug ,Task,, ')).toEqual(['Task', 'Bug']);
    expect(issueTypeNames(undefined)).toEqual([]);
    expect(baseUrlOf(' https://acme.atlassian.net/// ')).toBe('https://acme.atlassian.net');
    expect(baseUrlOf('https://jira.corp.example/jira/')).toBe('https://jira.corp.example/jira');
    expect(baseUrlOf('javascript:alert(1)')).toBeUndefined();
    expect(baseUrlOf(42)).toBeUndefined();
  });
});
