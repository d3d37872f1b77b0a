import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEEDED_FILE, seedExampleJobs } from '../../cli/local/examples.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { LocalSecretStore } from '../../shared/secrets/local-secret-store.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import { REPO_ROOT } from '../helpers/local-process.ts';

const EXAMPLES = [
  'checkpoint-before-publish',
  'demo',
  'heartbeat',
  'securechange-assignment',
  'securechange-trigger',
  'securechange-validation',
];

describe('example jobs are created on the first start only', () => {
  let dataDir: string;
  let examplesDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'triggerhub-seed-'));
    examplesDir = join(dataDir, 'examples');
    await cp(join(REPO_ROOT, 'examples', 'jobs'), examplesDir, { recursive: true });
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  const seed = (deps: ReturnType<typeof memoryDeps>, lines: string[] = []) =>
    seedExampleJobs(deps, new LocalSecretStore({ dataDir, env: {} }), dataDir, examplesDir, (l) =>
      lines.push(l),
    );

  it('creates every example with its secret, and records them', async () => {
    // Prepare
    const deps = memoryDeps();

    // Act
    const result = await seed(deps);

    // Assess
    expect(result.created).toEqual(EXAMPLES);
    expect([...deps.jobs.items.keys()].sort()).toEqual(EXAMPLES);
    const secrets = new LocalSecretStore({ dataDir, env: {} });
    for (const name of ['demo', 'checkpoint', 'securechange']) {
      expect(await secrets.getVersions(name)).toHaveLength(1);
    }
    expect(JSON.parse(await readFile(join(dataDir, SEEDED_FILE), 'utf8'))).toEqual({ seeded: EXAMPLES });
  });

  it('leaves a deleted example deleted and a changed one changed', async () => {
    // Prepare
    const deps = memoryDeps();
    await seed(deps);
    await deps.jobs.delete('demo');
    const changed = JobSchema.parse({ ...deps.jobs.items.get('securechange-trigger'), name: 'Mine now' });
    await deps.jobs.put(changed);

    // Act
    const again = await seed(deps);

    // Assess
    expect(again.created).toEqual([]);
    expect(deps.jobs.items.has('demo')).toBe(false);
    expect(deps.jobs.items.get('securechange-trigger')?.name).toBe('Mine now');
    expect(again.present).not.toContain('demo');
  });

  it('creates an example added later, and retries one that failed to load', async () => {
    // Prepare
    const deps = memoryDeps();
    await writeFile(join(examplesDir, 'zz-broken.json'), '{"id": "zz-broken", "name": "x"}');
    const lines: string[] = [];
    await seed(deps, lines);
    await writeFile(
      join(examplesDir, 'new-one.json'),
      JSON.stringify({ id: 'new-one', name: 'New', integration: 'log-event', auth: { secret: 'new-one' } }),
    );
    await writeFile(
      join(examplesDir, 'zz-broken.json'),
      JSON.stringify({ id: 'zz-broken', name: 'Fixed', integration: 'log-event', auth: { secret: 'demo' } }),
    );

    // Act
    const again = await seed(deps);

    // Assess
    expect(lines[0]).toMatch(/^example job zz-broken\.json not loaded: invalid job: /);
    expect(again.created).toEqual(['new-one', 'zz-broken']);
  });

  it('counts a job the user made under an example id as seeded, without replacing it', async () => {
    // Prepare
    const deps = memoryDeps();
    const mine = JobSchema.parse({
      id: 'demo',
      name: 'My demo',
      integration: 'log-event',
      auth: { secret: 'mine' },
    });
    await deps.jobs.put(mine);

    // Act
    const result = await seed(deps);
    await deps.jobs.delete('demo');
    const again = await seed(deps);

    // Assess
    expect(result.created).not.toContain('demo');
    expect(result.present).toContain('demo');
    expect(again.created).toEqual([]);
    expect(deps.jobs.items.has('demo')).toBe(false);
  });
});
