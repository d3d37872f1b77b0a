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
  plusBeyond,
  TARGET_CALL_MS,
  totalOf,
} from '../../bench/cost.ts';
import type { TicketPathCounts } from '../../bench/cost.ts';
import type { Tally } from '../../bench/counting.ts';
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

const dynamoTally = (over: Partial<Tally>): Tally => ({ ...emptyTally(), ...over });

/** Figures shaped like bench/tickets.ts's and bench/ordering.ts's, small round numbers. */
const TICKETS: TicketPathCounts = {
  tickets: {
    plain: dynamoTally({
      operations: { 'DynamoDB.GetItem': 1, 'DynamoDB.UpdateItem': 3 },
      writeCalls: 3,
      readCalls: 1,
      writeUnits: 5,
      readUnits: 1,
    }),
    // Beyond plain: +4 writes (+6 WCU, +2 index WCU), +2 reads (+2 RCU).
    newTask: dynamoTally({
      operations: { 'DynamoDB.GetItem': 3, 'DynamoDB.PutItem': 3, 'DynamoDB.UpdateItem': 4 },
      writeCalls: 7,
      readCalls: 3,
      writeUnits: 11,
      indexWriteUnits: 2,
      readUnits: 3,
    }),
    sync: dynamoTally({
      operations: { 'DynamoDB.Query': 101, 'DynamoDB.UpdateItem': 103, 'DynamoDB.DeleteItem': 101 },
      writeCalls: 205,
      readCalls: 101,
      writeUnits: 300,
      readUnits: 700,
    }),
    syncCalls: 100,
    syncSynced: 10_000,
  },
  ordering: {
    plainIngest: dynamoTally({ operations: { 'DynamoDB.PutItem': 2 }, writeCalls: 2, writeUnits: 4 }),
    // Beyond plain: +1 write (+1 WCU) at ingest.
    orderedIngest: dynamoTally({ operations: { 'DynamoDB.PutItem': 3 }, writeCalls: 3, writeUnits: 5 }),
    plainRun: dynamoTally({ operations: { 'DynamoDB.UpdateItem': 3 }, writeCalls: 3, writeUnits: 6 }),
    // Beyond plain: +1 write (+1 WCU), +1 read (+0.5 RCU) in the worker.
    orderedRun: dynamoTally({
      operations: { 'DynamoDB.UpdateItem': 3, 'DynamoDB.DeleteItem': 1, 'DynamoDB.Query': 1 },
      writeCalls: 4,
      readCalls: 1,
      writeUnits: 7,
      readUnits: 0.5,
    }),
  },
};
const DURATIONS = { ingestAsyncMs: 1, workerRunMs: 2, decisionMs: 1 };
const WRU = PRICES.dynamoWriteRequestUnit.usd * 1e6;
const RRU = PRICES.dynamoReadRequestUnit.usd * 1e6;

describe('ticket alert → new task, and a sync of open tasks', () => {
  const ticketColumn = (paths: TicketPathCounts) => {
    const table = costTable(COUNTS, DURATIONS, paths);
    const async = table.paths.find((p) => p.name === 'async delivery')!.cost;
    const ticket = table.paths.find((p) => p.name === 'ticket alert → new task')!.cost;
    return { table, async, ticket };
  };

  it('adds the column after the existing ones, which stay as they were', () => {
    const without = costTable(COUNTS, DURATIONS);
    const { table } = ticketColumn(TICKETS);
    expect(without.paths).toHaveLength(4);
    expect(without.sync).toBeUndefined();
    expect(table.paths.map((p) => p.name)).toEqual([
      'async delivery',
      'decision',
      'scheduled run',
      'async, 128 KiB event',
      'ticket alert → new task',
    ]);
    expect(table.paths.slice(0, 4)).toEqual(without.paths);
    expect(table.markdown.split('\n')[0]).toContain('| ticket alert → new task |');
  });

  it("prices the async delivery plus the ticket path's and the ordering line's extra units", () => {
    const { async, ticket } = ticketColumn(TICKETS);
    // Writes: tickets +8 units (6 + 2 index), ordering +1 at ingest, +1 in the worker.
    expect(ticket.dynamoWrites - async.dynamoWrites).toBeCloseTo((8 + 1 + 1) * WRU, 10);
    // Reads: tickets +2, ordering +0.5.
    expect(ticket.dynamoReads - async.dynamoReads).toBeCloseTo((2 + 0.5) * RRU, 10);
    expect(ticket.httpApi).toBe(async.httpApi);
    expect(ticket.sqs).toBe(async.sqs);
  });

  it('changes with each input: the ticket counts, the ingest line, the worker line', () => {
    const base = totalOf(ticketColumn(TICKETS).ticket);
    const moreTicket = ticketColumn({
      ...TICKETS,
      tickets: { ...TICKETS.tickets, newTask: { ...TICKETS.tickets.newTask, writeUnits: 12 } },
    });
    expect(moreTicket.ticket.dynamoWrites - ticketColumn(TICKETS).ticket.dynamoWrites).toBeCloseTo(WRU, 10);
    const moreIngest = ticketColumn({
      ...TICKETS,
      ordering: { ...TICKETS.ordering, orderedIngest: { ...TICKETS.ordering.orderedIngest, writeUnits: 7 } },
    });
    expect(totalOf(moreIngest.ticket) - base).toBeCloseTo(2 * WRU, 10);
    const moreRun = ticketColumn({
      ...TICKETS,
      ordering: { ...TICKETS.ordering, orderedRun: { ...TICKETS.ordering.orderedRun, readUnits: 4.5 } },
    });
    expect(totalOf(moreRun.ticket) - base).toBeCloseTo(4 * RRU, 10);
  });

  it("bills the worker's wait on the target call and on its extra DynamoDB calls", () => {
    const { async, ticket } = ticketColumn(TICKETS);
    const workerGb = lambdaMemoryMb('Worker').memoryMb / 1024;
    // Worker: +4 +1 writes, +2 +1 reads = 8 more DynamoDB calls; ingest: +1 PutItem.
    const extraMs = TARGET_CALL_MS + 8 * (CALL_LATENCY_MS.DynamoDB ?? 0);
    const ingestExtraMs = CALL_LATENCY_MS.DynamoDB ?? 0;
    const ingestGb = lambdaMemoryMb('Ingest').memoryMb / 1024;
    expect(ticket.lambdaCompute - async.lambdaCompute).toBeCloseTo(
      ((workerGb * extraMs + ingestGb * ingestExtraMs) * (PRICES.lambdaGbSecondArm.usd * 1e6)) / 1000,
      6,
    );
  });

  it('prices one sync from its counted calls and its target calls, and shows it as an info row', () => {
    const table = costTable(COUNTS, DURATIONS, TICKETS);
    expect(table.sync?.tasks).toBe(10_000);
    const sync = table.sync!.cost;
    // The sync run's own units (its run item's writes included), and the run's creation (3 WCU).
    expect(sync.dynamoWrites).toBeCloseTo((300 + 3) * WRU, 10);
    expect(sync.dynamoReads).toBeCloseTo(700 * RRU, 10);
    expect(sync.scheduler).toBeGreaterThan(0);
    const fewerPages = costTable(COUNTS, DURATIONS, {
      ...TICKETS,
      tickets: { ...TICKETS.tickets, syncCalls: 50 },
    }).sync!.cost;
    const workerGb = lambdaMemoryMb('Worker').memoryMb / 1024;
    expect(sync.lambdaCompute - fewerPages.lambdaCompute).toBeCloseTo(
      (workerGb * 50 * TARGET_CALL_MS * PRICES.lambdaGbSecondArm.usd * 1e6) / 1000,
      6,
    );
    const section = costSection(COUNTS, DURATIONS, TICKETS);
    expect(section.rows.map((r) => r.name)).toEqual([
      'cost per million: async delivery',
      'cost per million: decision',
      'cost per million: scheduled run',
      'cost per million: async, 128 KiB event',
      'cost per million: ticket alert → new task',
      'cost of one sync of 10,000 open tasks',
    ]);
    const row = section.rows[5]!;
    expect(row.pass).toBe('info');
    expect(row.measured).toContain(`$${(totalOf(sync) / 1e6).toFixed(5)}`);
    const notes = section.notes.join('\n');
    expect(notes).toContain(`waits ${TARGET_CALL_MS} ms`);
    expect(notes).toContain('bench/tickets.ts');
    expect(notes).toContain('bench/ordering.ts');
    // Each figure the column adds, as counted.
    expect(notes).toContain('a new task beyond a plain run (+4 writes (+8 WCU), +2 reads (+2 RCU))');
    expect(notes).toContain('ingest +1 writes (+1 WCU), +0 reads (+0 RCU)');
    expect(notes).toContain('worker +1 writes (+1 WCU), +1 reads (+0.50 RCU)');
    expect(notes).toContain('(205 writes (300 WCU), 101 reads (700 RCU))');
  });

  it('says so in the notes when the ticket paths were not counted', () => {
    const section = costSection(COUNTS, DURATIONS);
    expect(section.rows).toHaveLength(4);
    expect(section.notes.join('\n')).toContain(
      '"ticket alert → new task" and the sync of open tasks not priced',
    );
  });

  it('adds what a path costs beyond its baseline, never below zero', () => {
    const sum = plusBeyond(
      pathTally({ operations: { 'DynamoDB.GetItem': 1 }, readCalls: 1, readUnits: 1, logBytes: 7 }),
      dynamoTally({ operations: { 'DynamoDB.PutItem': 2 }, writeCalls: 2, writeUnits: 3 }),
      dynamoTally({
        operations: { 'DynamoDB.GetItem': 0.5, 'DynamoDB.Query': 0.1 },
        readCalls: 1.1,
        readUnits: 0.5,
      }),
    );
    expect(sum.operations).toEqual({ 'DynamoDB.GetItem': 0.5, 'DynamoDB.PutItem': 2 });
    expect(sum.writeCalls).toBe(2);
    expect(sum.writeUnits).toBe(3);
    expect(sum.readCalls).toBe(0);
    expect(sum.readUnits).toBeCloseTo(0.5, 10);
    expect(sum.logBytes).toBe(7);
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
