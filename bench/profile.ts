import { Session } from 'node:inspector/promises';
import type { Profiler } from 'node:inspector';
import type { CpuSides } from './cpu.ts';
import { ingestSides, workerSides } from './cpu.ts';
import { lambdaConfig } from './lambda.ts';
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
const SAMPLING_US = 50;
/** Profiled rounds per side, in ABBA order. */
const ROUNDS = 4;

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

const runners = <I>(sides: CpuSides<I>): { ours: Runner; bare: Runner } => {
  const runner =
    (side: CpuSides<I>['ours']): Runner =>
    (n) => {
      const input = sides.prepare(n);
      return () => side.run(input);
    };
  return { ours: runner(sides.ours), bare: runner(sides.bare) };
};

/** Ours and bare for one path: the sides `npm run bench` measures (bench/cpu.ts), the same handlers, inputs and checks. */
const runnersFor = async (path: Path): Promise<{ ours: Runner; bare: Runner }> => {
  const config = lambdaConfig();
  return path === 'ingest' ? runners(await ingestSides(config)) : runners(await workerSides(config));
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
  // The first profile of a session also pays the profiler's start (it records every function
  // compiled so far): a short throwaway one takes that, so that neither side is charged with it.
  await profiled(session, 1, bare(ROUNDS));
  // Ours and bare in turn, in ABBA order, each half its units per round: drift falls on both alike.
  const oursBy = new Map<string, number>();
  const bareBy = new Map<string, number>();
  let oursCpu = 0;
  let bareCpu = 0;
  const perRound = Math.ceil(units / ROUNDS);
  const add = (into: Map<string, number>, from: Map<string, number>) => {
    for (const [c, us] of from) into.set(c, (into.get(c) ?? 0) + us / ROUNDS);
  };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? (['ours', 'bare'] as const) : (['bare', 'ours'] as const);
    for (const side of order) {
      const p = await profiled(session, perRound, (side === 'ours' ? ours : bare)(perRound));
      add(side === 'ours' ? oursBy : bareBy, byComponent(p.profile, p.cpuUsPerUnit));
      if (side === 'ours') oursCpu += p.cpuUsPerUnit / ROUNDS;
      else bareCpu += p.cpuUsPerUnit / ROUNDS;
    }
  }
  session.disconnect();
  const rows = [...new Set([...oursBy.keys(), ...bareBy.keys()])]
    .map((c) => ({ c, ours: oursBy.get(c) ?? 0, bare: bareBy.get(c) ?? 0 }))
    .sort((x, y) => y.ours - y.bare - (x.ours - x.bare));
  const unit = path === 'ingest' ? 'delivery' : 'run';
  const unitsName = path === 'ingest' ? 'deliveries' : 'runs';
  const lines = [
    `${path}: ours ${fixed(oursCpu, 0)} µs CPU per ${unit}, bare ${fixed(bareCpu, 0)} µs (profiler on; ${perRound * ROUNDS} ${unitsName} each, in ${ROUNDS} rounds)`,
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
