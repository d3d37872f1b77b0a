import { afterEach, describe, expect, it, vi } from 'vitest';
import { UnauthorizedError } from '../../shared/errors.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { ingest } from '../../shared/runtime/ingest.ts';
import { forgetKnownSecrets } from '../../shared/runtime/known-secrets.ts';
import type * as KnownSecrets from '../../shared/runtime/known-secrets.ts';
import { platformLogger, resetLogFormat, useLocalLogFormat } from '../../shared/runtime/platform-logger.ts';
import { leaksIn } from '../helpers/leak-forms.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';

// Calls through; only counts what ingest hands over, and when.
const { handed } = vi.hoisted(() => ({ handed: [] as string[][] }));
vi.mock('../../shared/runtime/known-secrets.ts', async (importOriginal) => {
  const real = await importOriginal<typeof KnownSecrets>();
  return {
    ...real,
    rememberNewSecrets: (values: readonly string[]) => {
      handed.push([...values]);
      real.rememberNewSecrets(values);
    },
  };
});

const CURRENT = 'ingest-auth-S3CRET-now';
const PREVIOUS = 'ingest-auth-S3CRET-before';

const setup = async () => {
  const deps = memoryDeps({ secrets: { hooks: [CURRENT, PREVIOUS] } });
  await deps.jobs.put(
    JobSchema.parse({ id: 'demo', name: 'Demo', integration: 'log-event', auth: { secret: 'hooks' } }),
  );
  const lines: string[] = [];
  useLocalLogFormat('json', (line) => lines.push(line));
  const request = (secret: string) => ({
    jobId: 'demo',
    body: '{"a":1}',
    headers: { 'content-type': 'application/json', 'x-shared-secret': secret },
    query: {},
  });
  /** A platform line that carries both values, raw and as Basic auth: what a careless line could do. */
  const logBoth = () => {
    platformLogger.warn(`careless ${CURRENT} ${PREVIOUS}`, {
      authorization: `Basic ${Buffer.from(`svc:${CURRENT}`).toString('base64')}`,
    });
    return lines.at(-1) ?? '';
  };
  return { deps, request, logBoth };
};

afterEach(() => {
  forgetKnownSecrets();
  resetLogFormat();
  handed.length = 0;
});

describe('ingest remembers the job’s auth secrets for the platform log', () => {
  it('after it verifies a webhook: every platform line of the process hides every version of the secret', async () => {
    // Prepare
    const { deps, request, logBoth } = await setup();
    const before = logBoth();

    // Act
    const answer = await ingest(deps, request(CURRENT));
    const after = logBoth();

    // Assess
    expect(answer.kind).toBe('queued');
    expect(before).toContain(CURRENT);
    expect(leaksIn(after, CURRENT)).toEqual([]);
    expect(leaksIn(after, PREVIOUS)).toEqual([]);
    expect(after).toContain('careless *** ***');
    expect(handed).toEqual([[CURRENT, PREVIOUS]]);
  });

  it('remembers nothing for a request that fails authentication', async () => {
    // Prepare
    const { deps, request, logBoth } = await setup();

    // Act
    await expect(ingest(deps, request('a-wrong-guess'))).rejects.toBeInstanceOf(UnauthorizedError);
    const after = logBoth();

    // Assess
    expect(handed).toEqual([]);
    expect(after).toContain(CURRENT);
  });
});
