import { Session } from 'node:inspector/promises';
import type { Profiler } from 'node:inspector';
import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import {
  bareIngestHandler,
  bareWorkerHandler,
  bodyOf,
  hookEvent,
  lambdaConfig,
  lambdaContext,
  realIngestHandler,
  realWorkerHandler,
  sqsEvent,
  transportWithJob,
} from './lambda.ts';
import { fixed } from './stats.ts';

/**
 * `npm run bench:profile [-- ingest|worker]`: where ours spends CPU beyond
 * its bare same-calls handler. Profiles only the measured loop of each (the
 * inspector's sampling profiler, started and stopped around it), scales each
 * profile's samples to the CPU time process.cpuUsage() measured over the
 * same loop, and prints µs per unit by component, ours against bare,
 * largest difference first. A diagnosis aid: the gated figures are in
 * `npm run bench`.
 */

const UNITS = { ingest: 2000, worker: 1000 } as const;
const WARM_UP = { ingest: 1000, worker: 500 } as const;
/** Components shown: the largest differences. */
const TOP = 25;
const WORKER_RECORDS = 10;
const SAMPLING_US = 50;

type Path = keyof typeof UNITS;

/** Which component a frame belongs to: a package, a node internal, or a triggerhub file. */
const componentOf = (frame: Profiler.ProfileNode['callFrame']): string => {
  const url = frame.url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg !== undefined) {
    if (/^@smithy\/|^@aws-sdk\//.test(pkg)) return 'AWS SDK (@smithy, @aws-sdk)';
    if (/^@aws-lambda-powertools\//.test(pkg)) return 'Powertools';
    return pkg;
  }
  if (/crypto\/random|RandomBytesJob/.test(url) || frame.functionName === 'RandomBytesJob')
    return 'crypto random';
  if (/undici|webstreams|js_transferable|abort_controller|event_target/.test(url)) {
    return 'fetch Request/Response (undici, web streams, AbortSignal)';
  }
  if (/console/.test(url)) return 'node console';
  const repo = /\/((?:shared|functions|integrations)\/.+)$/.exec(url)?.[1];
  if (repo !== undefined) return repo;
  if (frame.functionName === '(garbage collector)') return 'GC';
  // Native frames carry no URL: the sampler names them; `run` there is the random fill of getRandomValues.
  if (url === '') return frame.functionName === 'run' ? 'crypto random' : `native ${frame.functionName}`;
  return url.startsWith('node:') ? url : 'other';
};

/** µs per unit by component: the profile's shares of non-idle samples times the measured CPU per unit. */
const byComponent = (profile: Profiler.Profile, cpuUsPerUnit: number): Map<string, number> => {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const frame = nodes.get(samples[i] ?? -1)?.callFrame;
    if (frame === undefined || frame.functionName === '(idle)') continue;
    // The inspector's own message dispatch while stopping the profile: not the handler's.
    if (frame.functionName === 'dispatch' && frame.url === '') continue;
    const us = deltas[i] ?? 0;
    total += us;
    const component = componentOf(frame);
    self.set(component, (self.get(component) ?? 0) + us);
  }
  const scale = total > 0 ? cpuUsPerUnit / total : 0;
  return new Map([...self].map(([c, us]) => [c, us * scale]));
};

const profiled = async (
  session: Session,
  units: number,
  work: () => Promise<void>,
): Promise<{ profile: Profiler.Profile; cpuUsPerUnit: number }> => {
  await session.post('Profiler.start');
  const cpu = process.cpuUsage();
  await work();
  const used = process.cpuUsage(cpu);
  const { profile } = await session.post('Profiler.stop');
  return { profile, cpuUsPerUnit: (used.user + used.system) / units };
};

/** Prepares `n` units' inputs (outside the measured span) and answers the work that handles them. */
type Runner = (n: number) => () => Promise<void>;

/** Ours and bare for one path, each on its own transport. */
const runnersFor = async (path: Path): Promise<{ ours: Runner; bare: Runner }> => {
  const config = lambdaConfig();
  if (path === 'ingest') {
    const oursTransport = await transportWithJob(config, {});
    const bareTransport = await transportWithJob(config, {});
    const real = realIngestHandler(config, oursTransport);
    const bare = bareIngestHandler(config, bareTransport);
    let seq = 0;
    const prepare = (n: number) => Array.from({ length: n }, () => hookEvent(bodyOf(seq++)));
    const each =
      (handle: (e: APIGatewayProxyEventV2) => Promise<{ statusCode: number }>) =>
      async (events: APIGatewayProxyEventV2[]) => {
        for (const e of events) {
          const r = await handle(e);
          if (r.statusCode !== 202) throw new Error(`expected 202, got ${r.statusCode}`);
        }
      };
    const oursWork = each((e) => real(e, lambdaContext('triggerhub-ingest')));
    const bareWork = each(bare);
    return {
      ours: (n) => {
        const events = prepare(n);
        return () => oursWork(events);
      },
      bare: (n) => {
        const events = prepare(n);
        return () => bareWork(events);
      },
    };
  }
  const writer = await transportWithJob(config, {}, { keepWrites: true });
  const ingest = realIngestHandler(config, writer);
  for (let i = 0; i < 100; i++) await ingest(hookEvent(bodyOf(i)), lambdaContext('triggerhub-ingest'));
  const oursTransport = await transportWithJob(config, {});
  const bareTransport = await transportWithJob(config, {});
  for (const item of writer.items.values()) {
    if (item.sk?.S === 'RUN') for (const t of [oursTransport, bareTransport]) t.seed(item);
  }
  const real = realWorkerHandler(config, oursTransport);
  const bare = bareWorkerHandler(config, bareTransport);
  let next = 0;
  const eventOf = () =>
    sqsEvent(
      Array.from({ length: WORKER_RECORDS }, () => writer.sent[next++ % writer.sent.length] ?? ''),
      config,
    );
  // Units are runs: a batch of n runs is n / 10 events.
  const prepare = (n: number) => Array.from({ length: Math.ceil(n / WORKER_RECORDS) }, eventOf);
  const each =
    (handle: (e: SQSEvent) => Promise<{ batchItemFailures: unknown[] }>) => async (events: SQSEvent[]) => {
      for (const e of events) {
        const r = await handle(e);
        if (r.batchItemFailures.length > 0) throw new Error('a run failed');
      }
    };
  const oursWork = each((e) => real(e, lambdaContext('triggerhub-worker')));
  const bareWork = each(bare);
  return {
    ours: (n) => {
      const events = prepare(n);
      return () => oursWork(events);
    },
    bare: (n) => {
      const events = prepare(n);
      return () => bareWork(events);
    },
  };
};

const main = async (): Promise<string> => {
  const arg = process.argv[2] ?? 'ingest';
  if (arg !== 'ingest' && arg !== 'worker') throw new Error('usage: bench/profile.ts [ingest|worker]');
  const path: Path = arg;
  const { ours, bare } = await runnersFor(path);
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: SAMPLING_US });
  const units = UNITS[path];
  await ours(WARM_UP[path])();
  await bare(WARM_UP[path])();
  const o = await profiled(session, units, ours(units));
  const b = await profiled(session, units, bare(units));
  session.disconnect();
  const oursBy = byComponent(o.profile, o.cpuUsPerUnit);
  const bareBy = byComponent(b.profile, b.cpuUsPerUnit);
  const rows = [...new Set([...oursBy.keys(), ...bareBy.keys()])]
    .map((c) => ({ c, ours: oursBy.get(c) ?? 0, bare: bareBy.get(c) ?? 0 }))
    .sort((x, y) => y.ours - y.bare - (x.ours - x.bare));
  const unit = path === 'ingest' ? 'delivery' : 'run';
  const unitsName = path === 'ingest' ? 'deliveries' : 'runs';
  const lines = [
    `${path}: ours ${fixed(o.cpuUsPerUnit, 0)} µs CPU per ${unit}, bare ${fixed(b.cpuUsPerUnit, 0)} µs (profiler on; ${units} ${unitsName} each)`,
    `${'ours − bare'.padStart(11)}  ${'ours'.padStart(6)}  ${'bare'.padStart(6)}  component (µs per ${unit})`,
    ...rows
      .slice(0, TOP)
      .map(
        (r) =>
          `${fixed(r.ours - r.bare, 0).padStart(11)}  ${fixed(r.ours, 0).padStart(6)}  ${fixed(r.bare, 0).padStart(6)}  ${r.c}`,
      ),
  ];
  return lines.join('\n');
};

// The run logger writes to stdout: muted while measuring, the report printed after.
const write = process.stdout.write;
process.stdout.write = () => true;
main()
  .then((report) => {
    process.stdout.write = write;
    process.stdout.write(`${report}\n`);
  })
  .catch((e: unknown) => {
    process.stdout.write = write;
    process.stderr.write(`profile failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 2;
  });
