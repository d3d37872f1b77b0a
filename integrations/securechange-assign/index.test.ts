import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import secureChangeAssign, { assignmentOf } from './index.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { ingest } from '../../shared/runtime/ingest.ts';
import { RunLogger, type AnyIntegration } from '../../shared/sdk/index.ts';
import { memoryDeps } from '../../test/helpers/memory-deps.ts';
import { REPO_ROOT } from '../../test/helpers/local-process.ts';
import { contextOutsideRun } from '../../shared/runtime/toolbox/index.ts';

const example = (name: string) => readFileSync(join(REPO_ROOT, 'examples', name), 'utf8');

describe('securechange-assign', () => {
  it('assigns one task to the listed participants', () => {
    expect(
      assignmentOf({ taskName: 'Firewall team', participants: ' alice, bob ,', assignmentMode: 'self' }),
    ).toEqual({ tasks: [{ name: 'Firewall team', participants: ['alice', 'bob'], assignmentMode: 'self' }] });
    expect(
      assignmentOf({ taskName: 'Net', participants: 'alice', assignmentMode: 'manual', assigner: 'carol' }),
    ).toEqual({
      tasks: [{ name: 'Net', participants: ['alice'], assignmentMode: 'manual', assigner: 'carol' }],
    });
  });

  it('fails permanently when manual mode has no assigner', () => {
    expect(() => assignmentOf({ taskName: 'Net', participants: 'alice', assignmentMode: 'manual' })).toThrow(
      /"assigner" is needed/,
    );
  });

  it('answers the example assignment job with the <tasks> XML SecureChange reads', async () => {
    // Prepare
    const deps = memoryDeps({ secrets: { securechange: ['sc-secret'] } });
    const job = JobSchema.parse(JSON.parse(example('jobs/securechange-assignment.json')));
    expect(job.integration).toBe(secureChangeAssign.manifest.id);
    await deps.jobs.put(job);

    // Act
    const answer = await ingest(deps, {
      jobId: job.id,
      body: example('payloads/securechange-ticket-info.xml'),
      headers: { 'content-type': 'application/xml', 'x-shared-secret': 'sc-secret' },
      query: {},
    });

    // Assess
    if (answer.kind !== 'verdict') throw new Error(`expected a verdict, got ${answer.kind}`);
    expect(answer.response).toMatchObject({ status: 200, contentType: 'application/xml' });
    expect(answer.response.body).toContain('<name>Firewall team</name>');
    expect(answer.response.body).toContain(
      '<participant_username>alice</participant_username>\n      <participant_username>bob</participant_username>',
    );
    expect(answer.response.body).toContain('<assignment_mode>self</assignment_mode>');
  });

  it('echoes at most 200 characters of a huge ticket id, in its message and log line', async () => {
    // Prepare
    const logger = new RunLogger({ runId: 'r-1', jobId: 'a', clock: { now: () => new Date(0) } });
    const decide = (secureChangeAssign as AnyIntegration).decide;
    if (!decide) throw new Error('no decide');

    // Act
    const result = await decide({
      event: {
        source: 'securechange',
        trigger: 'PRE_ASSIGNMENT_SCRIPT',
        deliveryId: 'd-1',
        receivedAt: '2026-11-22T10:00:00.000Z',
        headers: {},
        query: {},
        payload: {},
        ticket: { id: '9'.repeat(1_000_000) },
      },
      params: { taskName: 'Net', participants: 'alice', assignmentMode: 'self' },
      logger,
      signal: new AbortController().signal,
      runId: 'r-1',
      jobId: 'a',
      ...contextOutsideRun(),
    });

    // Assess
    expect(result.message).toBe(`ticket ${'9'.repeat(200)}…: task "Net" for alice`);
    expect(logger.lines.map((l) => l.message)).toEqual([result.message]);
  });
});
