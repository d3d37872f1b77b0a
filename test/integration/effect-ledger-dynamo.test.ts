import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { EffectBusyError, EffectInDoubtError } from '../../shared/errors.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { EFFECT_HOLD_GRACE_MS, createEffect } from '../../shared/runtime/toolbox/effect.ts';

import { RunLogger } from '../../shared/sdk/index.ts';
import { DynamoEffectLedger } from '../../shared/store/dynamo-effect-store.ts';
import { tableDefinition } from '../../shared/store/table-definition.ts';
import { describeEffectLedgerContract } from '../contract/effect-ledger.contract.ts';
import { testClients } from '../helpers/aws.ts';
import { describe, expect, it } from 'vitest';

/** A table of its own on dynalite, ACTIVE (dynalite turns it so a moment after answering). */
const freshEffectTable = async (): Promise<{
  client: ReturnType<typeof testClients>['ddb'];
  tableName: string;
}> => {
  const { ddb } = testClients();
  const tableName = `effects-${randomBytes(6).toString('hex')}`;
  await ddb.send(new CreateTableCommand(tableDefinition(tableName)));
  for (let i = 0; i < 200; i++) {
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return { client: ddb, tableName };
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
};

// The adapter on dynalite with the real SDK, a table per test; test/unit/effect-ledger-memory.test.ts runs
// the same suite against the in-memory fake.
describeEffectLedgerContract(
  'DynamoEffectLedger',
  async () => new DynamoEffectLedger(await freshEffectTable()),
);

// ── ctx.effect on dynalite, the real SDK: concurrent callers, and a crash between pending and done ──

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const TIMEOUT_MS = 30_000;
const JOB = JobSchema.parse({ id: 'job', name: 'Job', integration: 'echo', auth: { secret: 'demo' } });

/** One attempt of one run on `ledger`, at the clock's time; notifications go to `notes`. */
const attemptOn = (
  ledger: DynamoEffectLedger,
  clock: { now: () => Date },
  runId: string,
  notes: string[] = [],
  n = 1,
) => {
  const startedAt = clock.now();
  return createEffect(
    { effects: ledger, clock },
    { job: JOB, runId, attempt: n, startedAt, deadlineAt: startedAt.getTime() + TIMEOUT_MS, decision: false },
    {
      logger: new RunLogger({ runId, jobId: JOB.id, clock }),
      signal: new AbortController().signal,
      redact: (s) => s,
    },
    (kind, severity, message) => {
      notes.push(`${kind} ${severity} ${message}`);
      return Promise.resolve();
    },
  );
};

const fixedClock = (ms: number) => ({ now: () => new Date(ms) });

describe('ctx.effect on DynamoDB', () => {
  it('calls fn exactly once for 10 runs calling the same key at once; the others get busy, then its result', async () => {
    // Prepare
    const ledger = new DynamoEffectLedger(await freshEffectTable());
    const clock = fixedClock(T0);
    let calls = 0;
    let open: () => void = () => undefined;
    const gate = new Promise<void>((r) => (open = r));
    const fn = async () => {
      calls++;
      await gate;
      return { ticket: 'OPS-1' };
    };
    const runs = Array.from({ length: 10 }, (_, i) => attemptOn(ledger, clock, `run-${i}`));

    // Act: all at once; the one that claims waits at the gate until the 9 others have answered
    let answered = 0;
    const first = runs.map((r) =>
      r
        .effect('create', fn)
        .then(
          (v) => ({ ok: v }),
          (e: unknown) => ({ error: e }),
        )
        .finally(() => answered++),
    );
    for (let i = 0; i < 1000 && answered < 9; i++) await new Promise((r) => setTimeout(r, 10));
    const answeredBeforeFnEnded = answered;
    open();
    const results = await Promise.all(first);
    // The busy ones come back (their run's next attempt): each gets the recorded result, fn not called.
    const retried = await Promise.all(
      results.map((r, i) =>
        'ok' in r ? Promise.resolve(r.ok) : attemptOn(ledger, clock, `run-${i}`, [], 2).effect('create', fn),
      ),
    );

    // Assess
    expect(answeredBeforeFnEnded).toBe(9);
    expect(calls).toBe(1);
    expect(results.filter((r) => 'ok' in r)).toHaveLength(1);
    for (const r of results) if ('error' in r) expect(r.error).toBeInstanceOf(EffectBusyError);
    expect(retried).toEqual(Array.from({ length: 10 }, () => ({ ticket: 'OPS-1' })));
  });

  /**
   * A crash between pending and done: attempt 1 claims the key and calls fn, and its process dies
   * (the promise is dropped, never settled). Later, another process (a fresh ledger and SDK client on
   * the same table) runs the job with its clock past the dead holder's heldUntil.
   */
  const crashed = async (key: string) => {
    const table = await freshEffectTable();
    const dying = new DynamoEffectLedger(table);
    let calls = 0;
    const fn = () => {
      calls++;
      return new Promise<never>(() => undefined);
    };
    void attemptOn(dying, fixedClock(T0), 'run-crashed').effect(key, fn);
    for (let i = 0; i < 500 && calls === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const { ddb } = testClients();
    const restarted = new DynamoEffectLedger({ client: ddb, tableName: table.tableName });
    const later = fixedClock(T0 + TIMEOUT_MS + EFFECT_HOLD_GRACE_MS);
    return { restarted, later, calls: () => calls, fn };
  };

  it('after a crash between pending and done, a run with reconcile records reconcile’s answer: done, reconciled', async () => {
    // Prepare
    const { restarted, later, calls, fn } = await crashed('post-comment');
    let reconciles = 0;
    const reconcile = () => {
      reconciles++;
      return Promise.resolve({ commentId: 7 });
    };

    // Act
    const result = await attemptOn(restarted, later, 'run-next').effect('post-comment', fn, { reconcile });
    const replay = await attemptOn(restarted, later, 'run-after').effect('post-comment', fn, { reconcile });

    // Assess
    expect([result, replay]).toEqual([{ commentId: 7 }, { commentId: 7 }]);
    expect({ fn: calls(), reconcile: reconciles }).toEqual({ fn: 1, reconcile: 1 });
    expect(await restarted.get('job', 'post-comment', later.now())).toMatchObject({
      status: 'done',
      reconciled: true,
      runId: 'run-next',
      resultJson: '{"commentId":7}',
    });
  });

  it('after a crash between pending and done, runs without reconcile fail in doubt, with exactly one notification', async () => {
    // Prepare
    const { restarted, later, calls, fn } = await crashed('post-comment');
    const notes: string[] = [];

    // Act: three runs reach the key, two of them at once
    const errors = await Promise.all(
      ['run-1', 'run-2', 'run-3'].map((id) =>
        attemptOn(restarted, later, id, notes)
          .effect('post-comment', fn)
          .catch((e: unknown) => e),
      ),
    );

    // Assess
    expect(calls()).toBe(1);
    for (const e of errors) expect(e).toBeInstanceOf(EffectInDoubtError);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(
      /^effect_in_doubt error effect post-comment is in doubt: run run-crashed \(attempt 1\) started it/,
    );
    expect(await restarted.get('job', 'post-comment', later.now())).toMatchObject({
      status: 'pending',
      runId: 'run-crashed',
      inDoubtNotifiedAt: later.now().toISOString(),
    });
  });
});
