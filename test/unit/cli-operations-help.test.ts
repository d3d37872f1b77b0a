import { describe, expect, it } from 'vitest';
import { instantOf } from '../../cli/commands/follow.ts';
import { asksVersion } from '../../cli/main.ts';
import { describeLastRun, describeNextRun, relativeTime } from '../../cli/output.ts';
import packageJson from '../../package.json' with { type: 'json' };
import { runCli } from '../helpers/cli.ts';

const NOW = new Date('2026-11-29T10:00:00.000Z');

describe('the help of the operations commands', () => {
  it('lists dlq and scripts at the top, and each new subcommand under its group', async () => {
    // Act
    const top = await runCli(['--help']);
    const jobs = await runCli(['jobs', '--help']);
    const runs = await runCli(['runs', '--help']);
    const dlq = await runCli(['dlq', '--help']);
    const scripts = await runCli(['scripts', '--help']);

    // Assess
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('\n  -V, --version ');
    for (const command of ['jobs', 'runs', 'dlq', 'scripts']) {
      expect(top.stdout).toMatch(new RegExp(`\\n  ${command}\\b.*\\S`));
    }
    for (const [out, commands] of [
      [jobs, ['list', 'run', 'stop']],
      [runs, ['list', 'show', 'tail', 'stop', 'replay']],
      [dlq, ['list', 'redrive']],
      [scripts, ['push', 'list', 'show', 'pull']],
    ] as const) {
      expect(out.code).toBe(0);
      for (const command of commands) expect(out.stdout).toMatch(new RegExp(`\\n  ${command}\\b`));
    }
  });

  it.each([
    [
      ['jobs', 'list', '--help'],
      ['--watch', 'Overdue (due more than two'],
    ],
    [
      ['jobs', 'run', '--help'],
      ['--param <name=value>', '--wait', '--timeout <seconds>'],
    ],
    [['jobs', 'stop', '--help'], ['stopped <runId>']],
    [
      ['runs', 'list', '--help'],
      ['--status <status>', '--fired-by <what>', '--since <when>', '--until <when>', 'VERDICT'],
    ],
    [['runs', 'tail', '--help'], ['polling every 2 s until Ctrl-C']],
    [
      ['runs', 'replay', '--help'],
      ['[runId]', '--job <jobId>', '--error-contains <text>', '--dry-run', '--wait', '--timeout <seconds>'],
    ],
    [['runs', 'stop', '--help'], ['409 run_finished']],
    [['dlq', 'list', '--help'], ['--job <jobId>']],
    [
      ['scripts', 'push', '--help'],
      ['--id <id>', 'module.exports = { run }'],
    ],
    [
      ['scripts', 'pull', '--help'],
      ['--version <n>', '-o, --output <file>'],
    ],
  ])('%j explains its options', async (args, texts) => {
    // Act
    const out = await runCli(args);

    // Assess
    expect(out.code).toBe(0);
    for (const text of texts) expect(out.stdout).toContain(text);
    // The hidden options of the loops are for tests only.
    expect(out.stdout).not.toMatch(/--watch-interval|--watch-count|--polls|--interval /);
  });

  it('-V/--version prints the version only before a command: after one, it is the command’s', async () => {
    // Act
    const long = await runCli(['--version']);
    const short = await runCli(['--json', '-V']);
    const afterCommand = await runCli(['jobs', 'list', '--version']);

    // Assess
    expect(long).toEqual({ code: 0, stdout: `${packageJson.version}\n`, stderr: '' });
    expect(short.stdout).toBe(`${packageJson.version}\n`);
    expect(afterCommand.code).toBe(2);
    expect(afterCommand.stderr).toContain("unknown option '--version'");
    expect(asksVersion(['--endpoint', '--version'])).toBe(false);
    expect(asksVersion(['--endpoint', 'http://x', '--version'])).toBe(true);
    expect(asksVersion(['scripts', 'pull', 'sync', '--version', '2'])).toBe(false);
  });
});

describe('relative times and the grid cells', () => {
  it.each([
    ['2026-11-29T10:03:59.000Z', 'in 3 minutes'],
    ['2026-11-29T09:57:00.000Z', '3 minutes ago'],
    ['2026-11-29T10:00:00.400Z', 'now'],
    ['2026-11-29T10:00:45.000Z', 'in 45 seconds'],
    ['2026-11-29T12:00:00.000Z', 'in 2 hours'],
    ['2026-11-28T09:00:00.000Z', '1 day ago'],
    ['not a time', 'not a time'],
  ])('%s is "%s"', (iso, text) => {
    expect(relativeTime(iso, NOW)).toBe(text);
  });

  it('describes the last run and the next run', () => {
    expect(describeLastRun(undefined, NOW)).toBe('-');
    expect(describeLastRun(null, NOW)).toBe('never');
    expect(describeLastRun({ status: 'queued' }, NOW)).toBe('queued');
    expect(describeLastRun({ status: 'timed_out', endedAt: '2026-11-29T08:00:00.000Z' }, NOW)).toBe(
      'timed_out 2 hours ago',
    );
    expect(describeNextRun('scheduled', '2026-11-29T09:59:00.000Z', NOW)).toBe('now');
    expect(describeNextRun('scheduled', null, NOW)).toBe('Scheduled');
    expect(describeNextRun(undefined, undefined, NOW)).toBe('-');
  });
});

describe('--since and --until', () => {
  it.each([
    ['30m', '2026-11-29T09:30:00.000Z'],
    ['2h', '2026-11-29T08:00:00.000Z'],
    ['1d', '2026-11-28T10:00:00.000Z'],
    ['1w', '2026-11-22T10:00:00.000Z'],
    ['45s', '2026-11-29T09:59:15.000Z'],
    ['2026-11-01', '2026-11-01T00:00:00.000Z'],
    ['2026-11-28T10:00', '2026-11-28T10:00:00.000Z'],
    ['2026-11-28T10:00:00+01:00', '2026-11-28T09:00:00.000Z'],
    ['2026-11-28T10:00:00.5Z', '2026-11-28T10:00:00.500Z'],
  ])('%s is %s', (value, iso) => {
    expect(instantOf(value, NOW)).toBe(iso);
  });

  it.each(['yesterday', '2h ago', '-2h', '2026-13-45', '2026-11-28 10:00', '10:00', ''])(
    'refuses %j',
    (value) => {
      expect(instantOf(value, NOW)).toBeUndefined();
    },
  );
});
