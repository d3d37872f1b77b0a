import { describe, expect, it } from 'vitest';
import {
  CALL_LATENCY_MS,
  FULL_VCPU_MB,
  billedMs,
  costSection,
  costTable,
  inlineBreakEvenBytes,
  lambdaMemoryMb,
  pathCost,
  totalOf,
} from '../../bench/cost.ts';
import { emptyTally } from '../../bench/counting.ts';
import { PRICES } from '../../bench/prices.ts';
import type { PathCounts, PathTally } from '../../bench/units.ts';

const pathTally = (overrides: Partial<PathTally> = {}): PathTally => ({
  ...emptyTally(),
  logBytes: 0,
  logLines: 0,
  ...overrides,
});

const ingestLike = pathTally({
  operations: { 'DynamoDB.PutItem': 2, 'SQS.SendMessage': 1 },
  calls: 3,
  writeUnits: 4,
  indexWriteUnits: 2,
  writeCalls: 2,
  sqsBilledRequests: 1,
  logBytes: 200,
  logLines: 1,
});

const COUNTS: PathCounts = {
  ingest: ingestLike,
  ingestCold: ingestLike,
  run: pathTally({ operations: { 'DynamoDB.UpdateItem': 2 }, calls: 2, writeUnits: 6, writeCalls: 2 }),
  duplicate: pathTally(),
  decision: pathTally({ operations: { 'DynamoDB.PutItem': 1, 'DynamoDB.UpdateItem': 1 }, writeUnits: 4 }),
  decisionCold: pathTally(),
  runCreate: pathTally({ operations: { 'DynamoDB.PutItem': 1, 'SQS.SendMessage': 1 }, writeUnits: 3 }),
  secretCallsPerRefresh: 2,
  storedBytes: { async: 10_000, decision: 5000, delivery: 1000 },
  retentionDays: 30,
  runItemWrites: 3,
  eventCopiesPerRunWrite: 1,
  inlineEventLimitBytes: 96 * 1024,
  eventBytes: 2048,
  claimCheck: {
    ingest: pathTally({ operations: { 'DynamoDB.PutItem': 2, 'S3.PutObject': 1, 'SQS.SendMessage': 1 } }),
    run: pathTally({ operations: { 'DynamoDB.UpdateItem': 2, 'S3.GetObject': 1 } }),
    storedBytes: 3000,
    eventBytes: 128 * 1024,
  },
};

const OPTIONS = {
  httpRequests: 1,
  schedulerInvocations: 0,
  storedBytes: 0,
  retentionDays: 30,
  secretCallsPerRefresh: 0,
  secretReaders: 0,
  accessLogLines: 0,
  queueReceivesAndDeletes: 0,
};

describe('cost arithmetic', () => {
  it('prices DynamoDB write units, index writes included, per million deliveries', () => {
    const cost = pathCost([{ tally: ingestLike, cpuMs: 0, memoryMb: 512, share: 1 }], OPTIONS);
    expect(cost.dynamoWrites).toBeCloseTo(6 * 0.625, 10);
    expect(cost.httpApi).toBeCloseTo(1, 10);
    expect(cost.lambdaRequests).toBeCloseTo(0.2, 10);
    expect(cost.sqs).toBeCloseTo(0.4, 10);
  });

  it('bills Lambda time as CPU stretched to the memory share plus the wait on each call, per started ms', () => {
    const wait = 2 * (CALL_LATENCY_MS.DynamoDB ?? 0) + (CALL_LATENCY_MS.SQS ?? 0);
    expect(billedMs(1, FULL_VCPU_MB, ingestLike)).toBe(1 + wait);
    expect(billedMs(1, FULL_VCPU_MB / 2, ingestLike)).toBe(2 + wait);
    expect(billedMs(0.1, FULL_VCPU_MB, pathTally())).toBe(1);
    const cost = pathCost([{ tally: pathTally(), cpuMs: 1000, memoryMb: 2048, share: 1 }], OPTIONS);
    expect(cost.lambdaCompute).toBeCloseTo(2 * PRICES.lambdaGbSecondArm.usd * 1e6, 6);
  });

  it('prorates storage by the retention period', () => {
    const month = pathCost([], { ...OPTIONS, storedBytes: 1024 ** 3, retentionDays: 30.4 });
    const twoMonths = pathCost([], { ...OPTIONS, storedBytes: 1024 ** 3, retentionDays: 60.8 });
    expect(month.dynamoStorage).toBeCloseTo(0.25 * 1e6, 4);
    expect(twoMonths.dynamoStorage).toBeCloseTo(2 * month.dynamoStorage, 4);
  });

  it('spreads a secret cache refresh over the deliveries of a minute', () => {
    const cost = pathCost([], { ...OPTIONS, secretReaders: 1, secretCallsPerRefresh: 2 });
    expect(cost.secretsManager).toBeCloseTo((2 / 60) * 0.05 * 100, 10);
  });

  it('makes a table with every component for async, decision and scheduled runs', () => {
    const table = costTable(COUNTS, { ingestAsyncMs: 1, workerRunMs: 2, decisionMs: 1 });
    expect(table.paths.map((p) => p.name)).toEqual([
      'async delivery',
      'decision',
      'scheduled run',
      'async, 128 KiB event',
    ]);
    const [asyncPath, decision, scheduled, claim] = table.paths;
    expect(asyncPath?.cost.s3).toBe(0);
    expect(claim?.cost.s3).toBeCloseTo((0.005 / 1000 + 0.0004 / 1000) * 1e6, 10);
    // An async delivery writes what ingest and the worker write.
    expect(asyncPath?.cost.dynamoWrites).toBeCloseTo((6 + 6) * 0.625, 10);
    expect(decision?.cost.sqs).toBe(0);
    expect(scheduled?.cost.httpApi).toBe(0);
    expect(scheduled?.cost.scheduler).toBeGreaterThan(0);
    expect(table.markdown).toContain('| **Total** |');
    expect(table.markdown).toContain('us-east-1');
    expect(totalOf(asyncPath!.cost)).toBeGreaterThan(totalOf(decision!.cost));
  });

  it('names the region and the price date in the section', () => {
    const section = costSection(COUNTS, { ingestAsyncMs: 1, workerRunMs: 2, decisionMs: 1 });
    expect(section.rows).toHaveLength(4);
    expect(section.notes.join('\n')).toMatch(/us-east-1, list prices checked \d{4}-\d{2}-\d{2}/);
  });
});

describe('where the event lives', () => {
  it('moves the break-even down when an index copies the event, up when nothing does', () => {
    const copied = inlineBreakEvenBytes(COUNTS);
    const narrowed = inlineBreakEvenBytes({ ...COUNTS, eventCopiesPerRunWrite: 0 });
    expect(narrowed).toBeGreaterThan(copied * 1.8);
    // S3 PUT + GET against 3 writes per KiB (+ storage): a few KiB, far below the 96 KiB limit.
    expect(narrowed / 1024).toBeGreaterThan(1);
    expect(narrowed / 1024).toBeLessThan(5);
  });
});

describe('memory sizes from infra/', () => {
  it('reads the construct default, or a size the stack sets for the function', () => {
    const construct = 'memorySize: props.memorySize ?? 512,\n architecture: Architecture.ARM_64,';
    const stack = [
      "new TriggerhubFunction(this, 'Ingest', { entry: 'x' });",
      "new TriggerhubFunction(this, 'Worker', { entry: 'y', memorySize: 1024 });",
    ].join('\n');
    expect(lambdaMemoryMb('Ingest', { stack, construct })).toEqual({ memoryMb: 512, arm64: true });
    expect(lambdaMemoryMb('Worker', { stack, construct })).toEqual({ memoryMb: 1024, arm64: true });
    expect(() => lambdaMemoryMb('Admin', { stack, construct })).toThrow(/no Admin function/);
  });

  it('finds every function of the real stack', () => {
    for (const id of ['Ingest', 'Worker', 'Admin', 'Sweeper'] as const) {
      expect(lambdaMemoryMb(id).memoryMb).toBeGreaterThanOrEqual(128);
    }
  });
});
