import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { MOCK_DEFAULT_PORTS, registerMockCommand } from '../../cli/commands/mock.ts';
import { createContext } from '../../cli/commands/context.ts';
import { emptyCliFolder, runCli } from '../helpers/cli.ts';

/** `triggerhub mock <target>` run in-process until the test stops it. */
const startMockCommand = async (
  args: string[],
): Promise<{ out: () => string; url: string; stop: () => Promise<void> }> => {
  let out = '';
  let release = (): void => undefined;
  const until = new Promise<void>((r) => (release = r));
  const program = new Command('triggerhub').exitOverride();
  registerMockCommand(
    program,
    createContext({ stdout: (s) => (out += s), stderr: (s) => (out += s), env: {}, cwd: emptyCliFolder() }),
    () => until,
  );
  const done = program.parseAsync(['mock', ...args], { from: 'user' });
  let failed: unknown;
  done.catch((e: unknown) => (failed = e));
  // Bounded: the listening line comes once the server listens (a few ms; 10 s on a loaded machine).
  for (let i = 0; i < 200 && !out.includes('listening on') && failed === undefined; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  if (failed !== undefined) throw failed as Error;
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
  if (url === undefined) throw new Error(`no listening line:\n${out}`);
  return {
    out: () => out,
    url,
    stop: async () => {
      release();
      await done;
    },
  };
};

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('triggerhub mock', () => {
  const running: { stop: () => Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.stop()));
  });
  const start = async (args: string[]) => {
    const m = await startMockCommand(args);
    running.push(m);
    return m;
  };

  it('--help names the targets, the default ports and the control routes', async () => {
    const { code, stdout } = await runCli(['mock', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: triggerhub mock [options] <target>');
    expect(stdout).toMatch(/choices: "jira", "servicenow",\s+"securechange"/);
    expect(stdout).toMatch(/default: jira 3101,\s+servicenow 3102, securechange 3103/);
    expect(stdout).toContain('GET /_mock/state');
  });

  it('refuses an unknown target as a usage error', async () => {
    const { code, stderr } = await runCli(['mock', 'zendesk']);
    expect(code).toBe(2);
    expect(stderr).toContain(
      "error: command-argument value 'zendesk' is invalid for argument 'target'. Allowed choices are jira, servicenow, securechange.",
    );
  });

  it('says a taken port is taken, and how to pick another', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const { code, stderr } = await runCli(['mock', 'jira', '--port', String(port)]);
      expect(code).toBe(1);
      expect(stderr).toBe(`error: port ${port} on 127.0.0.1 is in use: choose another with --port <n>\n`);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('jira: prints what it accepts and the lines to use it; the printed credentials work; close and delete by curl', async () => {
    const m = await start(['jira', '--port', '0']);
    const text = m.out();
    expect(text).toContain(
      'Accepts Basic auth: email sec@acme.com, API token ATATT3xFfGF0-mock-jira-token-1234567890',
    );
    expect(text).toContain(
      '  printf %s ATATT3xFfGF0-mock-jira-token-1234567890 | npx triggerhub secrets set jira\n' +
        '  npx triggerhub jobs apply examples/tickets/alerts-to-jira.json\n' +
        `  (examples/tickets/alerts-to-jira.json points at port ${MOCK_DEFAULT_PORTS.jira}: set its params.url to ${m.url} first)`,
    );
    expect(text).toContain(`curl -sS -X POST ${m.url}/_mock/issues/EX-1/close`);

    // The API with the printed credentials, as the jira integration calls it.
    const auth = basic('sec@acme.com', 'ATATT3xFfGF0-mock-jira-token-1234567890');
    const created = await fetch(`${m.url}/rest/api/3/issue`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        fields: { project: { id: '10000' }, issuetype: { name: 'Task' }, summary: 'Tried by hand' },
      }),
    });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { key: string }).key).toBe('EX-1');
    expect((await fetch(`${m.url}/rest/api/3/myself`)).status).toBe(401);
    // One line per answer, under "Requests:" (written when the answer is flushed: waited for, bounded).
    for (let i = 0; i < 100 && !m.out().includes('myself → 401'); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(m.out()).toMatch(
      /\nRequests:\n\d\d:\d\d:\d\d {2}POST \/rest\/api\/3\/issue → 201\n\d\d:\d\d:\d\d {2}GET \/rest\/api\/3\/myself → 401\n$/,
    );

    // The control routes need no credentials.
    const closed = await fetch(`${m.url}/_mock/issues/EX-1/close`, { method: 'POST' });
    expect(await closed.json()).toEqual({ key: 'EX-1', status: 'Done' });
    expect(await (await fetch(`${m.url}/_mock/state`)).json()).toEqual({
      issues: [
        { key: 'EX-1', id: '10000', summary: 'Tried by hand', status: 'Done', labels: [], comments: [] },
      ],
    });
    // The task's link opens the issue.
    expect(await (await fetch(`${m.url}/browse/EX-1`)).json()).toMatchObject({ key: 'EX-1', status: 'Done' });
    expect((await fetch(`${m.url}/_mock/issues/EX-9/close`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${m.url}/_mock/incidents/EX-1/close`, { method: 'POST' })).status).toBe(404);
    const deleted = await fetch(`${m.url}/_mock/issues/EX-1/delete`, { method: 'POST' });
    expect(await deleted.json()).toEqual({ key: 'EX-1', deleted: true });
    expect(await (await fetch(`${m.url}/_mock/state`)).json()).toEqual({ issues: [] });

    await m.stop();
    expect(m.out()).toMatch(/mock Jira Cloud stopped\n$/);
    await expect(fetch(`${m.url}/_mock/state`)).rejects.toThrow();
  });

  it('servicenow: the printed password works; an incident is closed by its number', async () => {
    const m = await start(['servicenow', '--port', '0']);
    expect(m.out()).toContain("printf %s 'snow-Pa55word!' | npx triggerhub secrets set servicenow");
    expect(m.out()).toContain('287ebd7da9fe198100f92cc8d1d2154e (Group 0000)');
    const created = await fetch(`${m.url}/api/now/table/incident`, {
      method: 'POST',
      headers: { authorization: basic('triggerhub', 'snow-Pa55word!'), 'content-type': 'application/json' },
      body: JSON.stringify({ short_description: 'Tried by hand', work_notes: 'first note' }),
    });
    expect(created.status).toBe(201);
    const { result } = (await created.json()) as { result: { sys_id: string; number: string } };
    const closed = await fetch(`${m.url}/_mock/incidents/${result.number}/close`, { method: 'POST' });
    expect(await closed.json()).toEqual({ sys_id: result.sys_id, number: result.number, state: '7' });
    expect(await (await fetch(`${m.url}/_mock/state`)).json()).toEqual({
      incidents: [
        {
          sys_id: result.sys_id,
          number: result.number,
          short_description: 'Tried by hand',
          state: '7',
          correlation_id: '',
          work_notes: ['first note'],
        },
      ],
    });
    const link = await fetch(`${m.url}/nav_to.do?uri=incident.do?sys_id=${result.sys_id}`);
    expect(await link.json()).toMatchObject({ number: result.number, state: '7' });
    await fetch(`${m.url}/_mock/incidents/${result.sys_id}/delete`, { method: 'POST' });
    expect(await (await fetch(`${m.url}/_mock/state`)).json()).toEqual({ incidents: [] });
  });

  it('securechange: lists its tickets and the trigger to send; the state shows the tickets served', async () => {
    const m = await start(['securechange', '--port', '0']);
    expect(m.out()).toContain('446 "Ticket 446: private and public addresses"');
    expect(m.out()).toContain('printf %s sc-secret | npx triggerhub secrets set securechange-api');
    expect(m.out()).toContain(
      'npx triggerhub send securechange-enrichment -d @examples/payloads/securechange-ticket-446-create.xml --event CREATE --wait',
    );
    const state = (await (await fetch(`${m.url}/_mock/state`)).json()) as {
      tickets: { id: string; currentStep: string }[];
      comments: unknown[];
    };
    expect(state.tickets).toContainEqual({
      id: '446',
      subject: 'Ticket 446: private and public addresses',
      currentStep: 'Technical Design',
    });
    expect(state.comments).toEqual([]);
  });
});
