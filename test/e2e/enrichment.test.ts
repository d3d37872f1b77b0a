import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../shared/model/index.ts';
import type { MockSecureChange } from '../helpers/mock-securechange.ts';
import { startMockSecureChange } from '../helpers/mock-securechange.ts';
import type { TicketStack } from '../helpers/tickets-e2e.ts';
import { examplePayload, startTicketStack } from '../helpers/tickets-e2e.ts';

/** Ticket 446's current step, task and Enrichment field in the mock (the derived pytos sample). */
const FIELD_PATH = '/securechangeworkflow/api/securechange/tickets/446/steps/1954/tasks/2021/fields/55813';

/**
 * Issue 10's third "Done when": a SecureChange Create trigger — sent as
 * SecureChange sends it, by the mediator script `triggerhub mediator`
 * generates, with the ticket_info XML on stdin and SCW_EVENT=CREATE — for a
 * ticket with private and public addresses posts one comment (the field
 * write) listing each address's class; `runs replay` of that run posts
 * nothing new.
 */
describe('SecureChange enrichment under npm start, with a mock SecureChange', () => {
  let sc: MockSecureChange;
  let t: TicketStack;
  let firstRunId = '';

  beforeAll(async () => {
    sc = await startMockSecureChange();
    t = await startTicketStack();
    // The mediator's shared secret and the REST API account's password.
    expect((await t.cli(['secrets', 'set', 'securechange'], 'mediator-shared-secret-0123456789')).code).toBe(
      0,
    );
    expect((await t.cli(['secrets', 'set', 'securechange-api'], sc.password)).code).toBe(0);
    const applied = await t.cli(['jobs', 'apply', t.exampleJob('securechange-enrichment', sc.url)]);
    expect(applied, applied.stderr).toMatchObject({ code: 0, stdout: 'created  securechange-enrichment\n' });
  });
  afterAll(async () => {
    await t?.stop();
    await sc?.close();
  });

  const runs = async (): Promise<{ id: string; status: string }[]> => {
    const res = await fetch(`${t.stack.url}/admin/jobs/securechange-enrichment/runs?limit=100`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: { id: string; status: string }[] }).items;
  };
  const fieldWrites = () => sc.requests.filter((r) => r.method === 'PUT');

  /** The generated mediator run as SecureChange runs it; asynchronous: the stack answers from this process. */
  const runMediator = async (
    event: string,
    xml: string,
  ): Promise<{ status: number | null; stderr: string }> => {
    const generated = await t.cli(['mediator', 'securechange-enrichment', '--kind', 'trigger']);
    expect(generated.code, generated.stderr).toBe(0);
    const path = join(t.cwd, 'trigger.sh');
    writeFileSync(path, generated.stdout, { mode: 0o700 });
    return new Promise((done) => {
      const child = spawn('bash', [path], { env: { PATH: process.env.PATH, SCW_EVENT: event } });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (status) => done({ status, stderr }));
      child.stdin.end(xml);
    });
  };

  it('a Create trigger for a ticket with private and public addresses writes one comment listing each class', async () => {
    const mediator = await runMediator('CREATE', examplePayload('securechange-ticket-446-create.xml'));
    expect(mediator.status, mediator.stderr).toBe(0);
    const [queued] = await runs();
    firstRunId = queued?.id ?? '';
    const run: Run = await t.stack.waitForFinishedRun(firstRunId);
    expect(run).toMatchObject({ status: 'succeeded', trigger: 'CREATE', source: 'securechange' });
    expect(run.message).toBe(
      'ticket 446: enrichment written to "Enrichment" of step "Technical Design" (1954) (1 added)',
    );

    expect(fieldWrites().map((r) => r.path)).toEqual([FIELD_PATH]);
    expect(sc.comments).toHaveLength(1);
    const text = sc.comments[0]?.text ?? '';
    expect(text.split('\n')).toEqual(
      expect.arrayContaining([
        '    10.20.30.0/24: private (RFC 1918), 256 addresses',
        '    192.168.1.10/32: private (RFC 1918), 1 address',
        '    8.8.8.8/32: public, 1 address',
        '    100.64.1.0/24: carrier-grade NAT shared space (RFC 6598), 256 addresses',
      ]),
    );
    // What `triggerhub mock securechange` shows a person at GET /_mock/state.
    const state = (await (await fetch(`${sc.url}/_mock/state`)).json()) as { comments: { text: string }[] };
    expect(state.comments.map((c) => c.text)).toEqual([text]);
  });

  it('runs replay of that run posts nothing new', async () => {
    const replayed = await t.cli(['runs', 'replay', firstRunId]);
    expect(replayed.code, replayed.stderr).toBe(0);
    const replayId = /^queued\s+(\S+)\s+\(replay of (\S+)\)$/m.exec(replayed.stdout);
    expect(replayId?.[2]).toBe(firstRunId);
    const run = await t.stack.waitForFinishedRun(replayId?.[1] ?? '');
    expect(run).toMatchObject({ status: 'succeeded', firedBy: 'replay' });
    expect(run.message).toBe(
      'ticket 446: step "Technical Design" (1954) was enriched by an earlier run: nothing written',
    );
    expect(fieldWrites()).toHaveLength(1);
    expect(sc.comments).toHaveLength(1);
    expect((await runs()).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  });
});
