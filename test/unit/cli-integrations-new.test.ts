import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../cli/integrations/registry-file.ts';
import { changelogSource, indexSource, jobExampleSource } from '../../cli/integrations/templates.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { runCli } from '../helpers/cli.ts';

const run = promisify(execFile);

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tmp = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'triggerhub-new-'));
  dirs.push(dir);
  return dir;
};

const NOW = () => new Date('2026-11-29T10:00:00.000Z');

describe('triggerhub integrations new', () => {
  it('writes index.ts, index.test.ts, CHANGELOG.md and job.example.json, and says what to do next', async () => {
    // Prepare
    const cwd = tmp();

    // Act
    const out = await runCli(
      [
        'integrations',
        'new',
        'ip-lookup',
        '--dir',
        'integrations',
        '--name',
        'IP lookup',
        '--description',
        'Who owns an IP.',
      ],
      { cwd, now: NOW },
    );

    // Assess
    expect(out).toMatchObject({ code: 0, stderr: '' });
    const folder = join(cwd, 'integrations', 'ip-lookup');
    expect(readdirSync(folder).sort()).toEqual([
      'CHANGELOG.md',
      'index.test.ts',
      'index.ts',
      'job.example.json',
    ]);
    expect(out.stdout).toContain('Created integrations/ip-lookup/:\n  integrations/ip-lookup/index.ts\n');
    expect(out.stdout).toContain('npx triggerhub jobs apply integrations/ip-lookup/job.example.json');
    expect(out.stdout).toContain('openssl rand -hex 32 | npx triggerhub secrets set ip-lookup');
    expect(out.stdout).toContain(`npx triggerhub send ip-lookup -d '{"hello":"world"}' --wait`);
    expect(out.stdout).toContain('npx vitest run integrations/ip-lookup');
    const changelog = readFileSync(join(folder, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toContain('## 0.1.0 - 2026-11-29\n\n### Added\n');
    // the example job is a valid generic async job for it, authenticated by a secret named as the id
    const job = JobSchema.parse(JSON.parse(readFileSync(join(folder, 'job.example.json'), 'utf8')));
    expect(job).toMatchObject({
      id: 'ip-lookup',
      integration: 'ip-lookup',
      source: 'generic',
      mode: 'async',
    });
    expect(job.auth?.secret).toBe('ip-lookup');
  });

  it('prints { id, dir, files } with --json', async () => {
    // Prepare
    const cwd = tmp();

    // Act
    const out = await runCli(['--json', 'integrations', 'new', 'x1', '--dir', cwd], { cwd, now: NOW });

    // Assess
    expect(out.code).toBe(0);
    const folder = join(cwd, 'x1');
    expect(JSON.parse(out.stdout)).toEqual({
      id: 'x1',
      dir: folder,
      files: ['index.ts', 'index.test.ts', 'CHANGELOG.md', 'job.example.json'].map((f) => join(folder, f)),
    });
  });

  it.each(['Bad_Name', 'UPPER', 'a.b', '_shared', 'a'.repeat(65), 'a/b'])(
    'refuses the id %j and writes nothing',
    async (id) => {
      // Prepare
      const cwd = tmp();

      // Act
      const out = await runCli(['integrations', 'new', id, '--dir', cwd], { cwd, now: NOW });

      // Assess
      expect(out.code).toBe(1);
      expect(out.stderr).toContain('is not a valid integration id');
      expect(readdirSync(cwd)).toEqual([]);
    },
  );

  it('refuses a folder that exists, leaving it untouched', async () => {
    // Prepare
    const cwd = tmp();
    mkdirSync(join(cwd, 'taken'));
    writeFileSync(join(cwd, 'taken', 'index.ts'), 'mine\n');

    // Act
    const out = await runCli(['integrations', 'new', 'taken', '--dir', cwd], { cwd, now: NOW });

    // Assess
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('exists already: nothing was written');
    expect(readdirSync(join(cwd, 'taken'))).toEqual(['index.ts']);
    expect(readFileSync(join(cwd, 'taken', 'index.ts'), 'utf8')).toBe('mine\n');
  });

  it('writes names and descriptions with quotes and backslashes as valid manifest text', () => {
    // Prepare: the scaffold's manifest lines
    const input = { id: 'q', name: `It's "q" \\ ok`, description: "Don't */ break", date: '2026-11-29' };
    const source = indexSource(input);
    const literal = (key: string): string => {
      const line = source.split('\n').find((l) => l.startsWith(`  ${key}: `)) ?? '';
      return line.slice(`  ${key}: `.length, -1);
    };

    // Act: each string literal the template wrote, evaluated
    const value = (text: string): unknown => runInNewContext(text) as unknown;

    // Assess
    expect(value(literal('name'))).toBe(input.name);
    expect(value(literal('description'))).toBe(input.description);
    // the doc comment ends where it should, whatever the description holds
    const comment = source.slice(source.indexOf('/**'), source.indexOf('export default'));
    expect(comment.match(/\*\//g)).toHaveLength(1);
    expect(changelogSource(input)).toContain('`q`');
    expect(JSON.parse(jobExampleSource(input))).toMatchObject({ name: input.name });
  });
});

describe('the scaffold', () => {
  // Two child processes (tsc and vitest over a copy): a few seconds alone, more on a loaded machine.
  it('type-checks, and its own test passes and covers all of run', { timeout: 180_000 }, async () => {
    // Prepare: a project root beside the repository's, sharing its shared/ and node_modules/
    const root = tmp();
    for (const name of ['shared', 'node_modules'])
      symlinkSync(join(REPO_ROOT, name), join(root, name), 'dir');
    copyFileSync(join(REPO_ROOT, 'package.json'), join(root, 'package.json'));
    const tsconfig = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ ...tsconfig, include: ['integrations'] }));
    const made = await runCli(['integrations', 'new', 'ip-lookup', '--dir', join(root, 'integrations')], {
      cwd: root,
      now: NOW,
    });
    expect(made.code).toBe(0);
    const bin = (path: string) => join(REPO_ROOT, 'node_modules', path);

    // Act
    const [tsc, vitest] = await Promise.allSettled([
      run(process.execPath, [bin('typescript/bin/tsc'), '--noEmit', '-p', root], { cwd: root }),
      run(
        process.execPath,
        [
          bin('vitest/vitest.mjs'),
          'run',
          '--root',
          root,
          '--coverage.enabled',
          '--coverage.provider=v8',
          '--coverage.include=integrations/ip-lookup/index.ts',
          '--coverage.thresholds.lines=100',
          '--coverage.reporter=text',
        ],
        { cwd: root, env: { ...process.env, CI: '1', NO_COLOR: '1' } },
      ),
    ]);

    // Assess
    const text = (r: PromiseSettledResult<{ stdout: string; stderr: string }>): string =>
      r.status === 'fulfilled' ? r.value.stdout + r.value.stderr : String(r.reason);
    expect(tsc.status, text(tsc)).toBe('fulfilled');
    expect(vitest.status, text(vitest)).toBe('fulfilled');
    expect(text(vitest)).toMatch(/Tests\s+2 passed/);
    expect(text(vitest)).toMatch(/index\.ts\s+\|\s+100 \|/);
  });
});
