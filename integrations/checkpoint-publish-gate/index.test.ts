import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import checkpointPublishGate from './index.ts';
import type { CheckPointSession, TriggerEvent } from '../../shared/model/index.ts';
import { CheckPointObjectSchema, type CheckPointObject } from '../../shared/model/index.ts';
import type { Clock } from '../../shared/ports.ts';
import type { AnyIntegration } from '../../shared/sdk/index.ts';
import { RunLogger, resolveParams } from '../../shared/sdk/index.ts';
import { contextOutsideRun } from '../../shared/runtime/toolbox/index.ts';

/** The show-changes answer from Check Point's API reference (two sessions by administrator "aa"). */
const SAMPLE = new URL(
  '../../test/fixtures/samples/checkpoint-smarttasks/show-changes_example_response_by_sessions.json',
  import.meta.url,
);

const ShowChangesSchema = z.object({
  tasks: z.array(
    z.object({
      'task-details': z.array(
        z.object({
          changes: z.array(
            z.object({
              session: z.object({
                'session-uid': z.string(),
                'user-name': z.string(),
                'domain-info': z.object({ uid: z.string(), name: z.string(), 'domain-type': z.string() }),
              }),
              operations: z.object({
                'added-objects': z.array(CheckPointObjectSchema),
                'modified-objects': z.array(
                  z.object({ 'old-object': CheckPointObjectSchema, 'new-object': CheckPointObjectSchema }),
                ),
                'deleted-objects': z.array(CheckPointObjectSchema),
              }),
            }),
          ),
        }),
      ),
    }),
  ),
});

/**
 * The sample as the Check Point source adapter normalizes it (written here
 * because that parser lives elsewhere): every session's changes flattened.
 */
/** A session whose change set arrived (the sample's always did). */
type SessionWithChanges = CheckPointSession & { changes: NonNullable<CheckPointSession['changes']> };

const sampleSession = (): SessionWithChanges => {
  const answer = ShowChangesSchema.parse(JSON.parse(readFileSync(SAMPLE, 'utf8')));
  const entries = answer.tasks.flatMap((t) => t['task-details'].flatMap((d) => d.changes));
  const first = entries[0];
  if (!first) throw new Error('sample has no session');
  return {
    trigger: 'before-publish',
    sessionUid: first.session['session-uid'],
    userName: first.session['user-name'],
    domain: {
      uid: first.session['domain-info'].uid,
      name: first.session['domain-info'].name,
      type: first.session['domain-info']['domain-type'],
    },
    changes: {
      added: entries.flatMap((e) => e.operations['added-objects']),
      modified: entries.flatMap((e) =>
        e.operations['modified-objects'].map((m) => ({ old: m['old-object'], new: m['new-object'] })),
      ),
      deleted: entries.flatMap((e) => e.operations['deleted-objects']),
    },
    customData: {},
  };
};

/** The sample with every added or modified rule given a name and comments. */
const tidySession = (): SessionWithChanges => {
  const session = sampleSession();
  const tidy = <T extends { name?: string; comments?: string }>(o: T): T => ({
    ...o,
    name: o.name ?? 'named',
    comments: 'ticket CHG-1',
  });
  return {
    ...session,
    changes: {
      ...session.changes,
      added: session.changes.added.map(tidy),
      modified: session.changes.modified.map((m) => ({ ...m, new: tidy(m.new) })),
    },
  };
};

const eventWith = (session: CheckPointSession | undefined): TriggerEvent => ({
  source: 'checkpoint',
  trigger: 'before-publish',
  deliveryId: 'dlv-1',
  receivedAt: '2026-11-22T10:00:00.000Z',
  headers: {},
  query: {},
  payload: {},
  ...(session && { session }),
});

const clock: Clock = { now: () => new Date('2026-11-22T10:00:00.000Z') };
const gate: AnyIntegration = checkpointPublishGate;

/** Calls an entry point the way the runtime does: stored job params resolved first. */
const call = async (
  entry: 'decide' | 'run',
  event: TriggerEvent,
  jobParams: Record<string, unknown> = {},
) => {
  const { params } = await resolveParams(gate.manifest, jobParams, {
    getVersions: () => Promise.resolve([]),
  });
  const logger = new RunLogger({ runId: 'run-1', jobId: 'gate', clock });
  const ctx = {
    event,
    params,
    logger,
    signal: new AbortController().signal,
    runId: 'run-1',
    jobId: 'gate',
    ...contextOutsideRun(),
  };
  const fn = entry === 'decide' ? gate.decide : gate.run;
  if (!fn) throw new Error(`no ${entry}`);
  return { result: await fn(ctx), lines: logger.lines };
};
const decide = async (event: TriggerEvent, jobParams: Record<string, unknown> = {}) =>
  (await call('decide', event, jobParams)).result;

const ADDED_RULE = '408c7054-eb6d-4557-8a15-cb1b6160b80b';
const MODIFIED_RULE = 'fad17be7-6b4e-4033-b27f-b7769520e0a1';
const ALL_RULE_CHECKS_OFF = { requireRuleComments: false, requireRuleNames: false };

describe('checkpoint-publish-gate', () => {
  it('declares run and decide and its four parameters', () => {
    // Assess
    expect(gate.manifest.entryPoints).toEqual(['run', 'decide']);
    expect(gate.manifest.parameters).toMatchObject({
      requireRuleComments: { type: 'boolean', default: true },
      requireRuleNames: { type: 'boolean', default: true },
      allowedAdmins: { type: 'text' },
      maxChanges: { type: 'number' },
    });
    expect(gate.manifest.parameters.allowedAdmins?.mandatory).toBeUndefined();
  });

  describe('requireRuleComments', () => {
    it('denies the sample, whose added and modified rules have no comments', async () => {
      // Act
      const result = await decide(eventWith(sampleSession()), { requireRuleNames: false });

      // Assess: the rule modified in both sessions is named once.
      expect(result).toEqual({
        allow: false,
        message: `access rule ${ADDED_RULE} has no comments; access rule ${MODIFIED_RULE} has no comments`,
        output: {
          changes: 4,
          violations: [
            `access rule ${ADDED_RULE} has no comments`,
            `access rule ${MODIFIED_RULE} has no comments`,
          ],
        },
      });
    });

    it('treats blank comments as none, and ignores objects that are not access rules', async () => {
      // Prepare
      const session = tidySession();
      session.changes.added.push(
        { uid: 'r-blank', name: 'blank', type: 'access-rule', comments: '  ' },
        { uid: 'h-1', name: 'host', type: 'host' },
      );

      // Act
      const result = await decide(eventWith(session));

      // Assess
      expect(result).toMatchObject({ allow: false, message: 'access rule r-blank has no comments' });
    });

    it('allows rules without comments when turned off', async () => {
      // Act
      const result = await decide(eventWith(sampleSession()), { requireRuleComments: false });

      // Assess
      expect(result).toMatchObject({ allow: true, message: '4 changes checked, no violation' });
    });
  });

  describe('requireRuleNames', () => {
    it('denies an added or modified access rule with no or an empty name', async () => {
      // Prepare
      const session = tidySession();
      session.changes.added.push({ uid: 'r-noname', type: 'access-rule', comments: 'x' });
      const modified = session.changes.modified[0];
      if (modified) modified.new = { ...modified.new, name: '' };

      // Act
      const result = await decide(eventWith(session));

      // Assess
      expect(result).toMatchObject({
        allow: false,
        message: `access rule r-noname has no name; access rule ${MODIFIED_RULE} has no name`,
      });
    });

    it('allows nameless rules when turned off, and never checks deleted rules', async () => {
      // Prepare
      const session = tidySession();
      session.changes.added.push({ uid: 'r-noname', type: 'access-rule', comments: 'x' });
      session.changes.deleted.push({ uid: 'r-gone', type: 'access-rule' });

      // Act
      const off = await decide(eventWith(session), { requireRuleNames: false });
      session.changes.added.pop();
      const deletedOnly = await decide(eventWith(session));

      // Assess
      expect(off).toMatchObject({ allow: true, message: '6 changes checked, no violation' });
      expect(deletedOnly).toMatchObject({ allow: true, message: '5 changes checked, no violation' });
    });
  });

  describe('allowedAdmins', () => {
    it('denies an administrator who is not listed', async () => {
      // Act
      const result = await decide(eventWith(tidySession()), { allowedAdmins: 'bob, carol' });

      // Assess
      expect(result).toMatchObject({ allow: false, message: 'administrator "aa" is not allowed to publish' });
    });

    it('allows a listed administrator (spaces around names ignored)', async () => {
      // Act
      const result = await decide(eventWith(tidySession()), { allowedAdmins: ' bob ,aa,, ' });

      // Assess
      expect(result).toMatchObject({ allow: true, message: '4 changes checked, no violation' });
    });

    it('denies when the list is set and the event names no administrator', async () => {
      // Prepare
      const { userName: _userName, ...session } = tidySession();

      // Act
      const result = await decide(eventWith(session), { allowedAdmins: 'aa' });

      // Assess
      expect(result).toMatchObject({
        allow: false,
        message: 'the publishing administrator is unknown, and only named administrators may publish',
      });
    });
  });

  describe('maxChanges', () => {
    it('denies more changes than allowed', async () => {
      // Act
      const result = await decide(eventWith(tidySession()), { maxChanges: 3 });

      // Assess
      expect(result).toMatchObject({ allow: false, message: '4 changes, more than the 3 allowed' });
    });

    it('allows exactly the maximum', async () => {
      // Act
      const result = await decide(eventWith(tidySession()), { maxChanges: 4 });

      // Assess
      expect(result).toMatchObject({ allow: true, message: '4 changes checked, no violation' });
    });
  });

  it('names every violation in one message', async () => {
    // Act
    const result = await decide(eventWith(sampleSession()), { allowedAdmins: 'bob', maxChanges: 1 });

    // Assess
    expect(result).toMatchObject({
      allow: false,
      message:
        `access rule ${ADDED_RULE} has no comments; access rule ${MODIFIED_RULE} has no comments; ` +
        'administrator "aa" is not allowed to publish; 4 changes, more than the 1 allowed',
    });
  });

  it('says "1 change" for a single change', async () => {
    // Prepare
    const session = tidySession();
    session.changes = { added: [], modified: [], deleted: session.changes.deleted };

    // Act
    const result = await decide(eventWith(session));

    // Assess
    expect(result).toMatchObject({ allow: true, message: '1 change checked, no violation' });
  });

  it('denies an event without a Check Point session', async () => {
    // Act
    const result = await decide(eventWith(undefined));

    // Assess
    expect(result).toMatchObject({
      allow: false,
      message:
        'no Check Point session in this checkpoint/before-publish event: the publish gate needs a Check Point SmartTask job (source "checkpoint")',
    });
  });

  it('logs the verdict from decide', async () => {
    // Act
    const { lines } = await call('decide', eventWith(tidySession()), { maxChanges: 1 });

    // Assess
    expect(lines[0]?.message).toMatch(/session .* by .*: \d+ added, \d+ modified, \d+ deleted$/);
    expect(lines.slice(1)).toEqual([
      { ts: '2026-11-22T10:00:00.000Z', level: 'INFO', message: 'deny: 4 changes, more than the 1 allowed' },
    ]);
  });

  it('run logs the same verdict for async jobs and returns it as the result', async () => {
    // Act
    const denied = await call('run', eventWith(sampleSession()), { ...ALL_RULE_CHECKS_OFF, maxChanges: 2 });
    const allowed = await call('run', eventWith(sampleSession()), ALL_RULE_CHECKS_OFF);

    // Assess
    expect(denied.result).toEqual({
      message: '4 changes, more than the 2 allowed',
      output: { allow: false, changes: 4, violations: ['4 changes, more than the 2 allowed'] },
    });
    expect(denied.lines.slice(1).map((l) => [l.level, l.message])).toEqual([
      ['WARN', 'would deny: 4 changes, more than the 2 allowed'],
    ]);
    expect(allowed.result).toEqual({
      message: '4 changes checked, no violation',
      output: { allow: true, changes: 4, violations: [] },
    });
    expect(allowed.lines.slice(1).map((l) => [l.level, l.message])).toEqual([
      ['INFO', 'would allow: 4 changes checked, no violation'],
    ]);
  });

  describe('reads rule types as Check Point may spell them, and denies what it cannot classify', () => {
    const withAdded = (object: Record<string, unknown>): SessionWithChanges => {
      const session = tidySession();
      return {
        ...session,
        changes: { ...session.changes, added: [...session.changes.added, object as CheckPointObject] },
      };
    };

    it.each(['Access-Rule', ' ACCESS-RULE ', 'access-rule\t'])(
      'checks an added %j as an access rule',
      async (type) => {
        // Act
        const result = await decide(eventWith(withAdded({ uid: 'r-case', type, name: 'x' })));

        // Assess
        expect(result).toMatchObject({ allow: false, message: 'access rule r-case has no comments' });
      },
    );

    it.each(['', '   '])(
      'denies an added object whose type is %j: it may be an access rule',
      async (type) => {
        // Act
        const result = await decide(eventWith(withAdded({ uid: 'o-1', type })), ALL_RULE_CHECKS_OFF);

        // Assess
        expect(result).toMatchObject({
          allow: false,
          message: 'object o-1 has no type, so it cannot be told from an access rule',
        });
      },
    );

    it('denies an object with no type at all, or one that is not text (a stored event from before the check)', async () => {
      // Act
      const missing = await decide(eventWith(withAdded({ uid: 'o-2' })), ALL_RULE_CHECKS_OFF);
      const numeric = await decide(eventWith(withAdded({ uid: 'o-3', type: 7 })), ALL_RULE_CHECKS_OFF);

      // Assess
      expect(missing).toMatchObject({
        allow: false,
        message: expect.stringMatching(/^object o-2 has no type/),
      });
      expect(numeric).toMatchObject({
        allow: false,
        message: expect.stringMatching(/^object o-3 has no type/),
      });
    });
  });

  describe('echoes at most 200 characters of what it was sent', () => {
    const huge = 'u'.repeat(300_000);
    const clipped = JSON.stringify(`${'u'.repeat(200)}…`);

    it('quotes a 300k user name, rule uid and session name clipped, in log lines and violations', async () => {
      // Prepare
      const session = tidySession();
      const event = eventWith({
        ...session,
        userName: huge,
        sessionUid: huge,
        sessionName: huge,
        changes: {
          ...session.changes,
          added: [{ uid: huge, type: 'access-rule' }],
        },
      });

      // Act
      const { result, lines } = await call('decide', event, { allowedAdmins: 'alice' });

      // Assess
      expect(result).toMatchObject({
        allow: false,
        message:
          `access rule ${clipped} has no name; access rule ${clipped} has no comments; ` +
          `administrator ${clipped} is not allowed to publish`,
      });
      expect(lines).toHaveLength(2);
      for (const line of lines) expect(line.message.length).toBeLessThan(1_500);
      expect(lines[0]?.message).toBe(
        `before-publish session ${clipped} ${clipped} by ${clipped}: 1 added, 2 modified, 1 deleted`,
      );
    });

    it('leaves a plain uid unquoted, and quotes one with spaces or quotes in it', async () => {
      // Act
      const result = await decide(
        eventWith({
          ...tidySession(),
          changes: { added: [{ uid: 'a"b; x', type: 'access-rule', name: 'n' }], modified: [], deleted: [] },
        }),
      );

      // Assess
      expect(result).toMatchObject({ message: 'access rule "a\\"b; x" has no comments' });
    });
  });
});
