import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JobSchema } from '../../shared/model/index.ts';
import { ingest } from '../../shared/runtime/ingest.ts';
import { platformLogger } from '../../shared/runtime/platform-logger.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import { repoRoot } from '../helpers/samples.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

const SECRET = 'cp-secret-1';
const readExample = (...parts: string[]): string =>
  readFileSync(path.join(repoRoot, 'examples', ...parts), 'utf8');

const allowAll = defineIntegration({
  id: 'allow-all',
  name: 'Allow all',
  version: '1.0.0',
  description: 'Allows everything.',
  parameters: {},
  decide: () => ({ allow: true, message: 'fine' }),
});
const broken = defineIntegration({
  id: 'broken',
  name: 'Broken',
  version: '1.0.0',
  description: 'Throws.',
  parameters: {},
  decide: () => {
    throw new Error('target unreachable');
  },
});

/** A Before Publish gate running `integration`, and a count of the checkpoint writes its runs make. */
const setup = async (integration: string): Promise<{ deps: MemoryDeps; recorded: string[] }> => {
  const deps = memoryDeps({ secrets: { checkpoint: [SECRET] }, integrations: [allowAll, broken] });
  await deps.jobs.put(
    JobSchema.parse({
      ...(JSON.parse(readExample('jobs', 'checkpoint-before-publish.json')) as object),
      id: 'gate',
      integration,
      params: {},
    }),
  );
  const recorded: string[] = [];
  const recordRun = deps.checkpoints.recordRun.bind(deps.checkpoints);
  deps.checkpoints.recordRun = (jobId, r) => {
    recorded.push(r.runId);
    return recordRun(jobId, r);
  };
  return { deps, recorded };
};

const post = (deps: MemoryDeps) =>
  ingest(deps, {
    jobId: 'gate',
    body: readExample('payloads', 'checkpoint-before-publish.json'),
    headers: { 'content-type': 'application/json', 'x-chkp-shared-secret': SECRET },
    query: {},
  });

describe('a decision’s after-run bookkeeping waits for its recorded finish', () => {
  it('records the checkpoint of a decision whose finish was recorded', async () => {
    const { deps, recorded } = await setup('allow-all');
    const answer = await post(deps);
    expect(answer.kind).toBe('verdict');
    expect(recorded).toHaveLength(1);
    expect(deps.checkpoints.items.get('gate')?.lastSuccessfulRunAt).toBeDefined();
  });

  it('leaves the checkpoint alone when the sweeper took the run over (finish found it no longer running)', async () => {
    // Prepare
    const { deps, recorded } = await setup('allow-all');
    deps.runs.finish = () => Promise.resolve(false);
    vi.spyOn(platformLogger, 'error').mockImplementation(() => undefined);

    // Act
    await post(deps);

    // Assess
    expect(recorded).toEqual([]);
    expect(deps.checkpoints.items.get('gate')).toBeUndefined();
  });

  it('raises no run_failed for a failed decision whose finish could not be recorded', async () => {
    // Prepare
    const { deps, recorded } = await setup('broken');
    deps.runs.finish = () => Promise.reject(new Error('throttled'));
    vi.spyOn(platformLogger, 'error').mockImplementation(() => undefined);

    // Act
    await post(deps);

    // Assess
    expect(recorded).toEqual([]);
    expect(deps.notifications.items.filter((n) => n.kind === 'run_failed')).toEqual([]);
  });
});
