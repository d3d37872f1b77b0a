import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { readJson } from '../../shared/http/admin/read-json.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';

describe('the admin API reads JSON bodies one way', () => {
  it('readJson parses JSON and turns a syntax error into a 400 ValidationError', () => {
    expect(readJson('{"cursor":"c1"}')).toEqual({ cursor: 'c1' });
    expect(() => readJson('{"cursor":')).toThrow(ValidationError);
    expect(() => readJson('{"cursor":')).toThrow(/^malformed JSON: /);
  });

  it('PUT /admin/jobs/{id} and PUT /admin/jobs/{id}/checkpoint answer a malformed body alike', async () => {
    // Prepare
    const app = createAdminApp(memoryDeps());
    const put = async (path: string) => {
      const res = await app.request(path, { method: 'PUT', body: '{"a":' });
      return { status: res.status, body: (await res.json()) as { message?: string } };
    };

    // Act
    const job = await put('/admin/jobs/j1');
    const checkpoint = await put('/admin/jobs/j1/checkpoint');

    // Assess
    expect(job.status).toBe(400);
    expect(checkpoint.status).toBe(400);
    expect(job.body.message).toMatch(/^malformed JSON: /);
    expect(checkpoint.body.message).toBe(job.body.message);
  });
});
