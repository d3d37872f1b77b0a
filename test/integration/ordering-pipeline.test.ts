import { describe, expect, it } from 'vitest';
import { startPoller } from '../../cli/local/poller.ts';
import { createDeps } from '../../functions/create-deps.ts';
import { createWorkerHandler } from '../../functions/worker/create-handler.ts';
import { JobSchema } from '../../shared/model/index.ts';
import type { Run } from '../../shared/model/index.ts';
import { ingest } from '../../shared/runtime/ingest.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { useFixedAwsCredentials } from '../helpers/aws-credentials.ts';
import { freshResources, resourcesConfig } from '../helpers/aws.ts';
import { MemorySecrets } from '../helpers/memory-deps.ts';
import { seedTicketInfoXml } from '../helpers/samples.ts';

useFixedAwsCredentials();

/**
 * Issue 10 §5 on dynalite and fauxqs, through the real pipeline: ingest (the
 * SecureChange source parses the ticket_info XML, the run gets the ticket id
 * as its order key and enters its line), the run queue, and the worker
 * handler fed by the local stack's poller (two receive loops, batches worked
 * in parallel, as Lambda does). Bounded waits only: nothing is asserted on
 * timings; the probe records what it saw, in the order it saw it.
 */

const SECRET = 's3cr3t-value';
const JOB = 'sc-order';
/** The ticket of the SecureChange custom-scripts seed (`<id>64</id>`) and a second one. */
const xmlOf = (ticketId: string): string =>
  seedTicketInfoXml().replace('<id>64</id>', `<id>${ticketId}</id>`);

/** What the probe saw: each run's begin and end, in the order they happened. */
const seen: string[] = [];
/** Run ids by `<ticket>:<trigger>`, filled as ingest answers. */
const runIds = new Map<string, string>();
const probeState: {
  deps?: ReturnType<typeof createDeps>;
  interleaved?: boolean;
  overlapped?: boolean;
  /** RESOLVE as it waited its turn: its attempt given back, no deferral counted. */
  waited?: { attempt: number; deferrals?: number };
} = {};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `ok` every 50 ms for at most `ms`: whether it came true. */
const eventually = async (ok: () => boolean | Promise<boolean>, ms = 30_000): Promise<boolean> => {
  for (let waited = 0; waited < ms; waited += 50) {
    if (await ok()) return true;
    await sleep(50);
  }
  return false;
};

const probe = defineIntegration({
  id: 'order-probe',
  name: 'Order probe',
  version: '1.0.0',
  description: 'Records when each ticket event begins and ends.',
  parameters: {},
  run: async ({ event }) => {
    const name = `${event.ticket?.id ?? '?'}:${event.trigger}`;
    seen.push(`begin ${name}`);
    if (name === '64:ADVANCE') {
      // Held until ticket 65 has begun (tickets run in parallel) and ticket 64's RESOLVE has come
      // to a worker: deferred for its turn, or — ordering broken — begun beside this one.
      probeState.interleaved = await eventually(() => seen.includes('begin 65:ADVANCE'));
      probeState.overlapped = false;
      await eventually(async () => {
        if (seen.includes('begin 64:RESOLVE')) return (probeState.overlapped = true);
        const id = runIds.get('64:RESOLVE');
        const run = id === undefined ? undefined : await probeState.deps?.runs.get(id);
        // A turn's wait is no deferral (never counted): the released run says why it waits.
        if (run?.status === 'queued' && run.error?.startsWith('waiting for its turn') === true) {
          probeState.waited = { attempt: run.attempt, deferrals: run.deferrals };
          return true;
        }
        return false;
      });
    } else {
      await sleep(100);
    }
    seen.push(`end ${name}`);
    return { message: name };
  },
});

describe('events of one ticket run in order (dynalite, fauxqs, the worker handler)', () => {
  it('ADVANCE, RESOLVE, CLOSE of one ticket sent 10 ms apart run one at a time in that order, while another ticket’s interleave', async () => {
    // Prepare
    const res = await freshResources('ordering', { visibilityTimeoutSeconds: 30 });
    const deps = createDeps(resourcesConfig(res), {
      integrations: [probe],
      secrets: new MemorySecrets({ demo: [SECRET] }),
    });
    probeState.deps = deps;
    await deps.jobs.put(
      JobSchema.parse({
        id: JOB,
        name: 'SecureChange in order',
        integration: 'order-probe',
        source: 'securechange',
        auth: { secret: 'demo' },
      }),
    );
    const send = async (ticketId: string, trigger: string): Promise<void> => {
      const answer = await ingest(deps, {
        jobId: JOB,
        body: xmlOf(ticketId),
        headers: { 'content-type': 'application/xml', 'x-shared-secret': SECRET },
        query: { event: trigger },
      });
      runIds.set(`${ticketId}:${trigger}`, answer.runId);
    };
    const poller = startPoller({
      sqs: res.clients.sqs,
      queueUrl: res.queueUrl,
      queueArn: res.queueArn,
      handler: createWorkerHandler(deps),
      concurrency: 2,
      waitTimeSeconds: 1,
    });
    const names = ['64:ADVANCE', '64:RESOLVE', '64:CLOSE', '65:ADVANCE', '65:RESOLVE'];

    // Act: ticket 64's events 10 ms apart, ticket 65's between them
    let runs: Run[] = [];
    try {
      await send('64', 'ADVANCE');
      await sleep(10);
      await Promise.all([send('64', 'RESOLVE'), send('65', 'ADVANCE')]);
      await sleep(10);
      await Promise.all([send('64', 'CLOSE'), send('65', 'RESOLVE')]);
      await eventually(async () => {
        runs = await Promise.all(names.map(async (n) => (await deps.runs.get(runIds.get(n) ?? '')) as Run));
        return runs.every((r) => r !== undefined && r.status !== 'queued' && r.status !== 'running');
      }, 90_000);
    } finally {
      await poller.stop();
    }

    // Assess
    expect(runs.map((r) => r.status)).toEqual(names.map(() => 'succeeded'));
    expect(runs.map((r) => r.orderKey)).toEqual(['64', '64', '64', '65', '65']);
    // Ticket 64: one at a time, in arrival order (each begins after the one before it ended).
    const ticket64 = seen.filter((s) => s.includes(' 64:'));
    expect(ticket64).toEqual([
      'begin 64:ADVANCE',
      'end 64:ADVANCE',
      'begin 64:RESOLVE',
      'end 64:RESOLVE',
      'begin 64:CLOSE',
      'end 64:CLOSE',
    ]);
    expect(probeState.overlapped).toBe(false);
    // RESOLVE came while ADVANCE ran: it waited its turn, queued, its attempt not spent, no deferral counted.
    const resolve = runs[1] as Run;
    expect(probeState.waited).toEqual({ attempt: 0 });
    expect(resolve.deferrals).toBeUndefined();
    expect(resolve.attempt).toBe(1);
    // Ticket 65 ran while ticket 64's first event was running.
    expect(probeState.interleaved).toBe(true);
    expect(seen.indexOf('begin 65:ADVANCE')).toBeLessThan(seen.indexOf('end 64:ADVANCE'));
    // The run records agree: each of ticket 64's runs ended before the next one's finish was recorded.
    const [advance, , close] = runs as [Run, Run, Run];
    expect(Date.parse(advance.endedAt ?? '')).toBeLessThanOrEqual(Date.parse(resolve.endedAt ?? ''));
    expect(Date.parse(resolve.endedAt ?? '')).toBeLessThanOrEqual(Date.parse(close.endedAt ?? ''));
    // Every run left its line.
    expect(await deps.turns.head(JOB, '64', 5)).toEqual([]);
    expect(await deps.turns.head(JOB, '65', 5)).toEqual([]);
  }, 120_000);
});
