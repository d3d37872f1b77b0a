import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../cli/main.ts';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import type { SecretWriter } from '../../shared/ports.ts';
import { runCli } from '../helpers/cli.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import { MemoryGlobalStore } from '../helpers/memory-global-store.ts';
import { MemoryNotificationStore } from '../helpers/memory-notification-store.ts';
import { makeNotification } from '../contract/notification-store.contract.ts';

const CANARY = 'canary-Kw2-cli-masked';

/** The CLI against the real admin app over memory stores: its fetch is the app's `request`. */
const stack = () => {
  const deps = memoryDeps();
  const globals = new MemoryGlobalStore();
  const notifications = new MemoryNotificationStore();
  const secretWriter: SecretWriter = {
    put: (name, value) => {
      deps.secrets.values[name] = [value];
      return Promise.resolve();
    },
    delete: (name) => Promise.resolve(delete deps.secrets.values[name]),
  };
  const app = createAdminApp({ ...deps, globals, notifications, secretWriter });
  const fetch: typeof globalThis.fetch = (input, init) =>
    Promise.resolve(app.request(new Request(input, init)));
  return { deps, globals, notifications, fetch };
};

describe('triggerhub globals', () => {
  let cwd: string;
  beforeEach(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'triggerhub-globals-cli-'));
  });
  afterEach(() => rm(cwd, { recursive: true, force: true }));

  const cli = (args: string[], io: Partial<CliIo>) =>
    runCli(args, {
      env: {},
      cwd,
      stdinIsTTY: false,
      readStdin: () => Promise.reject(new Error('stdin not expected')),
      promptHidden: () => Promise.reject(new Error('prompt not expected')),
      ...io,
    });

  it('sets a masked global from stdin and never prints its value: set, list, get, --json', async () => {
    // Prepare
    const api = stack();

    // Act
    const outs = [
      await cli(['globals', 'set', 'token', '--masked'], {
        fetch: api.fetch,
        readStdin: () => Promise.resolve(`${CANARY}\n`),
      }),
      await cli(['globals', 'list'], { fetch: api.fetch }),
      await cli(['globals', 'get', 'token'], { fetch: api.fetch }),
      await cli(['--json', 'globals', 'list'], { fetch: api.fetch }),
      await cli(['globals', 'get', 'token', '--json'], { fetch: api.fetch }),
    ];

    // Assess
    expect(outs.map((o) => o.code)).toEqual([0, 0, 0, 0, 0]);
    for (const o of outs) expect(o.stdout + o.stderr).not.toContain(CANARY);
    expect(outs[0]?.stdout).toBe('set  token  (masked)\n');
    expect(outs[1]?.stdout).toMatch(/^NAME +VALUE +UPDATED\ntoken +\(masked\) +2026-/);
    expect(outs[2]?.stdout).toMatch(/Masked: +yes\nValue: +\(masked\)/);
    expect(api.deps.secrets.values['global/token']).toEqual([CANARY]);
  });

  it('takes a masked value from a file or the hidden prompt, never from --value', async () => {
    // Prepare
    const api = stack();
    const file = join(cwd, 'token.txt');
    await writeFile(file, `${CANARY}-file\n`);

    // Act
    const fromValue = await cli(['globals', 'set', 'token', '--masked', '--value', CANARY], {
      fetch: api.fetch,
    });
    const fromFile = await cli(['globals', 'set', 'token', '--masked', '--from-file', file], {
      fetch: api.fetch,
    });
    const fromPrompt = await cli(['globals', 'set', 'other', '--masked'], {
      fetch: api.fetch,
      stdinIsTTY: true,
      promptHidden: () => Promise.resolve(`${CANARY}-typed`),
    });

    // Assess
    expect(fromValue.code).not.toBe(0);
    expect(fromValue.stderr).toContain('never taken from --value');
    expect(fromValue.stdout + fromValue.stderr).not.toContain(CANARY);
    expect(api.deps.secrets.values['global/token']).toEqual([`${CANARY}-file`]);
    expect(fromFile.code).toBe(0);
    expect(fromPrompt.code).toBe(0);
    expect(api.deps.secrets.values['global/other']).toEqual([`${CANARY}-typed`]);
  });

  it('sets and shows an unmasked global from --value, and deletes it', async () => {
    // Prepare
    const api = stack();

    // Act
    const set = await cli(['globals', 'set', 'region', '--value', 'eu-west-1'], { fetch: api.fetch });
    const get = await cli(['globals', 'get', 'region'], { fetch: api.fetch });
    const del = await cli(['globals', 'delete', 'region'], { fetch: api.fetch });
    const gone = await cli(['globals', 'get', 'region'], { fetch: api.fetch });

    // Assess
    expect(set.stdout).toBe('set  region = eu-west-1\n');
    expect(get.stdout).toMatch(/Value: +eu-west-1/);
    expect(del).toMatchObject({ code: 0, stdout: 'deleted  region\n' });
    expect(gone.code).not.toBe(0);
    expect(api.globals.items.size).toBe(0);
  });

  it('says why an unmask is refused (409)', async () => {
    // Prepare
    const api = stack();
    await cli(['globals', 'set', 'token', '--masked'], {
      fetch: api.fetch,
      readStdin: () => Promise.resolve(CANARY),
    });

    // Act
    const out = await cli(['globals', 'set', 'token', '--value', 'plain'], { fetch: api.fetch });

    // Assess
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('masked and cannot be unmasked');
  });

  it('refuses a bad name before any request', async () => {
    // Act
    const out = await cli(['globals', 'get', '__proto__'], {
      fetch: () => Promise.reject(new Error('no request expected')),
    });

    // Assess
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('global name');
  });
});

describe('triggerhub notifications', () => {
  it('prints TIME, SEVERITY, JOB, RUN, KIND and MESSAGE, newest first, with the next-page hint', async () => {
    // Prepare
    const api = stack();
    const made = [
      makeNotification(1, { message: 'first' }),
      makeNotification(2, { severity: 'error', kind: 'run_failed', message: 'second\nline' }),
      makeNotification(3, { message: 'third' }),
    ];
    for (const n of made) await api.notifications.add(n);

    // Act
    const out = await runCli(['notifications', '--limit', '2'], { fetch: api.fetch });
    const errors = await runCli(['notifications', '--severity', 'error', '--job', 'job-a'], {
      fetch: api.fetch,
    });
    const bad = await runCli(['notifications', '--severity', 'fatal'], { fetch: api.fetch });

    // Assess
    const lines = out.stdout.split('\n');
    expect(lines[0]).toMatch(/^TIME +SEVERITY +JOB +RUN +KIND +MESSAGE$/);
    expect(lines[1]).toMatch(/ info +job-a +\S+ +integration +third$/);
    expect(lines[2]).toMatch(/ error +job-a +\S+ +run_failed +second line$/);
    expect(out.stdout).toMatch(/More results: triggerhub notifications --limit 2 --cursor \S+/);
    expect(errors.stdout.split('\n').filter((l) => l.includes('job-a'))).toHaveLength(1);
    expect(bad.code).not.toBe(0);
  });
});
