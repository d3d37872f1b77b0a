import { describe, expect, it } from 'vitest';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { PutGlobalBodySchema } from '../../shared/model/global.ts';
import { MIN_SECRET_LENGTH } from '../../shared/sdk/redaction.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import { MemoryGlobalStore } from '../helpers/memory-global-store.ts';

describe('a masked global is at least as long as the redactor hides', () => {
  it('the body schema refuses masked values of 1–3 characters, accepts 4, and any length unmasked', () => {
    expect(MIN_SECRET_LENGTH).toBe(4);
    for (const value of ['a', 'ab', 'abc']) {
      const parsed = PutGlobalBodySchema.safeParse({ value, masked: true });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.path).toEqual(['value']);
    }
    expect(PutGlobalBodySchema.safeParse({ value: 'abcd', masked: true }).success).toBe(true);
    expect(PutGlobalBodySchema.safeParse({ value: 'a', masked: false }).success).toBe(true);
    expect(PutGlobalBodySchema.safeParse({ value: 'a' }).success).toBe(true);
  });

  it('PUT /admin/globals/{name} answers 400 naming the rule, writes nothing and does not echo the value', async () => {
    // Prepare
    const deps = memoryDeps();
    const globals = new MemoryGlobalStore();
    const written: string[] = [];
    const app = createAdminApp({
      ...deps,
      globals,
      secretWriter: {
        put: (name) => {
          written.push(name);
          return Promise.resolve();
        },
        delete: () => Promise.resolve(false),
      },
    });

    // Act
    const res = await app.request('/admin/globals/pin', {
      method: 'PUT',
      body: JSON.stringify({ value: 'Q7z', masked: true }),
    });

    // Assess
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain('a masked value has at least 4 characters');
    expect(text).not.toContain('Q7z');
    expect(written).toEqual([]);
    expect(await globals.get('pin')).toBeUndefined();
  });
});
