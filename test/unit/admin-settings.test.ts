import { describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { loadConfig } from '../../shared/config.ts';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { deployedStackSettings } from '../../shared/runtime/admin.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';

const baseEnv = { TRIGGERHUB_TABLE: 't', TRIGGERHUB_QUEUE_URL: 'q', TRIGGERHUB_PAYLOAD_BUCKET: 'b' };

describe('GET /admin/settings', () => {
  it("reports a deployed stack's secret prefix, stage and version, from its configuration", async () => {
    // Prepare: the environment CDK gives the admin function with -c stage=prod
    const config = loadConfig({
      ...baseEnv,
      TRIGGERHUB_SECRET_PREFIX: 'triggerhub-prod/',
      TRIGGERHUB_STAGE: 'prod',
    });
    // Act
    const res = await createAdminApp(memoryDeps(), deployedStackSettings(config)).request('/admin/settings');
    // Assess
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      secretStore: 'secrets-manager',
      secretPrefix: 'triggerhub-prod/',
      stage: 'prod',
      version: packageJson.version,
    });
  });

  it('leaves the stage out for the default stage, and the default prefix is triggerhub/', async () => {
    const config = loadConfig(baseEnv);
    const res = await createAdminApp(memoryDeps(), deployedStackSettings(config)).request('/admin/settings');
    expect(await res.json()).toEqual({
      secretStore: 'secrets-manager',
      secretPrefix: 'triggerhub/',
      version: packageJson.version,
    });
  });

  it('says "local" and gives no prefix under npm start (secrets are files there)', async () => {
    const res = await createAdminApp(memoryDeps()).request('/admin/settings');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({ secretStore: 'local', version: packageJson.version });
    expect(body).not.toHaveProperty('secretPrefix');
  });

  it('answers other methods with 405 and Allow', async () => {
    const res = await createAdminApp(memoryDeps()).request('/admin/settings', { method: 'PUT', body: '{}' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toContain('GET');
  });

  it('refuses a malformed stage in the configuration', () => {
    expect(() => loadConfig({ ...baseEnv, TRIGGERHUB_STAGE: 'Prod_1' })).toThrow(/TRIGGERHUB_STAGE/);
  });
});
