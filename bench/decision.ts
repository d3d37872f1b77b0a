import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createDeps } from '../functions/create-deps.ts';
import { httpHandler } from '../functions/http-handler.ts';
import type { HttpHandler } from '../functions/http-handler.ts';
import checkpointPublishGate from '../integrations/checkpoint-publish-gate/index.ts';
import type { Config } from '../shared/config.ts';
import { createIngestApp } from '../shared/http/ingest-app.ts';
import type { JobInput } from '../shared/model/index.ts';
import { JobSchema } from '../shared/model/index.ts';
import type { AnyIntegration, DecideResult, IntegrationLogger } from '../shared/sdk/index.ts';
import { defineIntegration } from '../shared/sdk/index.ts';
import { sourceAdapter } from '../shared/sources/index.ts';
import { CHECKPOINT, readSample } from '../test/helpers/samples.ts';
import type { CannedTransport } from './canned-transport.ts';
import { JOB_ID, hookEvent, lambdaConfig, lambdaContext, transportWithJob } from './lambda.ts';
import type { BenchRow, BenchSection } from './row.ts';
import { fixed, median, quantile } from './stats.ts';
import { contextOutsideRun } from '../shared/runtime/toolbox/index.ts';

/** DESIGN.md "Budgets": the integration's time plus < 10 ms of ours. */
export const MAX_DECISION_OVERHEAD_MS = 10;

/** The integration's own work per verdict: long enough to dwarf timer noise, short enough to repeat. */
const WORK_TARGET_MS = 5;
const WARM_UP = 60;
const RUNS = 200;

const WORK_ID = 'bench-fixed-work';
/** The real show-changes answer (two sessions), sent as Check Point sends a Web Request body. */
const CHECKPOINT_SAMPLE = `${CHECKPOINT}/show-changes_example_response_by_sessions.json`;
const GATE_PARAMS = { allowedAdmins: 'aa', maxChanges: 100 };

const BLOCK = Buffer.alloc(16 * 1024, 0x5a);

/** CPU-bound work whose digest depends on every round, so none can be skipped. */
const hashRounds = (rounds: number): string => {
  let digest = Buffer.alloc(32);
  for (let i = 0; i < rounds; i++) digest = createHash('sha256').update(digest).update(BLOCK).digest();
  return digest.toString('hex');
};

/** CPU milliseconds (user + system) of one synchronous call: steadier than wall time on a shared machine. */
const cpuMsOf = (work: () => unknown): number => {
  const cpu = process.cpuUsage();
  work();
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000;
};

/**
 * Rounds of {@link hashRounds} that take about `targetMs` of CPU on this
 * machine: a first estimate from short runs, then one correction at full length.
 */
const calibrateRounds = (targetMs: number): number => {
  // ~100 ms of hashing first: the first calls run before the JIT and the CPU clock have settled.
  const warmUntil = performance.now() + 100;
  while (performance.now() < warmUntil) hashRounds(20);
  const perRound = median(Array.from({ length: 15 }, () => cpuMsOf(() => hashRounds(100)) / 100));
  const estimate = Math.max(1, Math.round(targetMs / perRound));
  const measured = median(Array.from({ length: 9 }, () => cpuMsOf(() => hashRounds(estimate))));
  return Math.max(1, Math.round((estimate * targetMs) / measured));
};

/** What the integration author wrote: the direct measurement calls exactly this. */
const fixedWorkVerdict = (rounds: number): DecideResult => {
  const digest = hashRounds(rounds);
  return { allow: digest.length === 64, message: `hashed ${rounds} blocks` };
};

const fixedWorkIntegration = (rounds: number) =>
  defineIntegration({
    id: WORK_ID,
    name: 'Bench fixed work',
    version: '1.0.0',
    description: 'Hashes a buffer a fixed number of times, then allows.',
    parameters: {},
    decide: () => fixedWorkVerdict(rounds),
  });

const silentLogger: IntegrationLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Markers of a verdict the integration did not give: the job's onError or onMissingChanges fallback. */
const FALLBACK_MARKERS = ['onError=', 'onMissingChanges='];

/** A decision job's handler: the ingest Lambda as built in AWS, with `integrations` installed. */
const decisionHandler = async (
  config: Config,
  job: Partial<JobInput>,
  integrations: readonly AnyIntegration[],
): Promise<{ handler: HttpHandler; transport: CannedTransport }> => {
  const transport = await transportWithJob(config, { mode: 'decision', ...job });
  const deps = createDeps(config, { requestHandler: transport, integrations });
  return { handler: httpHandler(createIngestApp(deps)), transport };
};

/** One verdict; throws unless the integration itself answered (no fallback) with 200. */
const verdict = async (handler: HttpHandler, event: APIGatewayProxyEventV2): Promise<string> => {
  const result = await handler(event, lambdaContext('triggerhub-ingest'));
  if (result.statusCode !== 200 || FALLBACK_MARKERS.some((m) => result.body.includes(m))) {
    throw new Error(`the bench verdict fell back: ${result.statusCode} ${result.body.slice(0, 300)}`);
  }
  return result.body;
};

interface LatencyFigures {
  ingestMs: number[];
  directMs: number[];
  ingestCpuMs: number[];
  directCpuMs: number[];
}

/** Wall and CPU (user + system) milliseconds of one call. */
const clocked = async (work: () => unknown): Promise<{ wallMs: number; cpuMs: number }> => {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await work();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
};

/**
 * Verdicts through the handler and the integration's own call, alternately,
 * so that machine drift affects both alike.
 */
const sample = async (
  handler: HttpHandler,
  event: APIGatewayProxyEventV2,
  direct: () => unknown,
): Promise<{ figures: LatencyFigures; answer: string }> => {
  let answer = '';
  for (let i = 0; i < WARM_UP; i++) {
    direct();
    answer = await verdict(handler, event);
  }
  const figures: LatencyFigures = { ingestMs: [], directMs: [], ingestCpuMs: [], directCpuMs: [] };
  for (let i = 0; i < RUNS; i++) {
    const alone = await clocked(direct);
    const through = await clocked(() => verdict(handler, event));
    figures.directMs.push(alone.wallMs);
    figures.directCpuMs.push(alone.cpuMs);
    figures.ingestMs.push(through.wallMs);
    figures.ingestCpuMs.push(through.cpuMs);
  }
  return { figures, answer };
};

/** Calls per verdict seen by the transport during `sample`, for the notes. */
const callsPerVerdict = (transport: CannedTransport, verdicts: number): string =>
  [...transport.calls]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, n]) => `${fixed(n / verdicts, 2)} ${op}`)
    .join(', ');

/**
 * The row of one decision job. Latency is wall time (p50, p99); "ours" is
 * the CPU time the handler adds to the integration's (p50 − p50): nothing
 * in process waits on I/O (the transport answers at once), so on an idle
 * core the two agree, while on a shared machine wall time also counts other
 * processes' turns and would make the budget a coin toss.
 */
const latencyRow = (name: string, f: LatencyFigures): { row: BenchRow; note: string } => {
  const p50 = median(f.ingestMs);
  const p99 = quantile(f.ingestMs, 0.99);
  const direct = median(f.directMs);
  const overheadMs = median(f.ingestCpuMs) - median(f.directCpuMs);
  return {
    row: {
      name,
      measured: `p50 ${fixed(p50)} ms, p99 ${fixed(p99)} ms; ours +${fixed(overheadMs)} ms CPU`,
      baseline: `${fixed(direct)} ms integration alone`,
      ratio: `${fixed(p50 / direct)}×`,
      spread: `p25–p75 ${fixed(quantile(f.ingestMs, 0.25))}–${fixed(quantile(f.ingestMs, 0.75))} ms; alone p99 ${fixed(quantile(f.directMs, 0.99))} ms`,
      target: `ours < ${MAX_DECISION_OVERHEAD_MS} ms`,
      pass: overheadMs < MAX_DECISION_OVERHEAD_MS,
    },
    note: `${name}: wall p50 − alone p50 = ${fixed(p50 - direct)} ms; CPU per verdict p50 ${fixed(median(f.ingestCpuMs))} ms, alone ${fixed(median(f.directCpuMs))} ms`,
  };
};

/**
 * Decision verdict latency through the real ingest handler, its store calls
 * on the real SDK path: a generic job whose integration does a fixed ~5 ms
 * of work, and the built-in Check Point publish gate on the real
 * show-changes sample; each against the integration's own call alone, in
 * the same run. Also the gate verdict's CPU p50 for the cost table.
 */
export const measureDecision = async (): Promise<{ section: BenchSection; decisionMs: number }> => {
  const config = lambdaConfig();
  const rounds = calibrateRounds(WORK_TARGET_MS);
  const notes = [
    `decision: ${RUNS} verdicts after ${WARM_UP} warm-up, each alternated with the integration called alone; latency is wall time; "ours" = CPU p50 through the handler − CPU p50 alone (in process nothing waits on I/O, so on an idle core they agree; wall time on a shared machine also counts other processes)`,
    `decision generic: decide does ${rounds} SHA-256 rounds over 16 KiB, calibrated to ~${WORK_TARGET_MS} ms of CPU`,
  ];

  const generic = await decisionHandler(config, { integration: WORK_ID, source: 'generic' }, [
    fixedWorkIntegration(rounds),
  ]);
  const genericBody = JSON.stringify({ change: 'CHG-1042', requester: 'alice', rules: [1, 2, 3] });
  const g = await sample(generic.handler, hookEvent(genericBody), () => fixedWorkVerdict(rounds));
  const genericRow = latencyRow('decision verdict: generic job', g.figures);
  notes.push(genericRow.note);
  notes.push(`decision generic calls per verdict: ${callsPerVerdict(generic.transport, WARM_UP + RUNS)}`);

  const checkpointBody = readSample(CHECKPOINT_SAMPLE);
  const gateJob = {
    integration: 'checkpoint-publish-gate',
    source: 'checkpoint',
    params: GATE_PARAMS,
  } as const;
  const gate = await decisionHandler(config, gateJob, []);
  // The gate alone: on the event our Check Point adapter makes of the sample (parsing is ours, so outside).
  const job = JobSchema.parse({
    id: JOB_ID,
    name: 'Bench',
    auth: { secret: 'bench' },
    mode: 'decision',
    ...gateJob,
  });
  const event = sourceAdapter('checkpoint').parse(
    {
      body: checkpointBody,
      contentType: 'application/json',
      headers: {},
      query: {},
      deliveryId: '01KBENCH000000000000000000',
      receivedAt: new Date().toISOString(),
    },
    job,
  );
  const decide = checkpointPublishGate.decide;
  if (decide === undefined) throw new Error('checkpoint-publish-gate has no decide');
  const params = { requireRuleComments: true, requireRuleNames: true, ...GATE_PARAMS };
  const signal = new AbortController().signal;
  const gateAlone = () =>
    decide({
      event,
      params,
      logger: silentLogger,
      signal,
      runId: 'bench',
      jobId: JOB_ID,
      ...contextOutsideRun(),
    });
  const c = await sample(gate.handler, hookEvent(checkpointBody), gateAlone);
  const gateRow = latencyRow('decision verdict: checkpoint-publish-gate', c.figures);
  notes.push(gateRow.note);
  notes.push(
    `decision checkpoint-publish-gate: ${CHECKPOINT_SAMPLE} (${Buffer.byteLength(checkpointBody)} bytes), params ${JSON.stringify(GATE_PARAMS)}; calls per verdict: ${callsPerVerdict(gate.transport, WARM_UP + RUNS)}; answer ${c.answer.slice(0, 160)}`,
  );
  return {
    section: { rows: [genericRow.row, gateRow.row], notes },
    // CPU, like the ingest and worker durations: wall time here also counts other processes' turns.
    decisionMs: median(c.figures.ingestCpuMs),
  };
};
