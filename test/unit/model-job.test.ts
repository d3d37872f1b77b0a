import { describe, expect, it } from 'vitest';
import type { JobInput } from '../../shared/model/index.ts';
import { JobSchema, SecretRefSchema } from '../../shared/model/index.ts';
import { checkJobParams, defineIntegration } from '../../shared/sdk/index.ts';

const base: JobInput = { id: 'j-1', name: 'J', integration: 'log-event', auth: { secret: 'demo' } };

/** The messages zod gives for the job, joined; '' when it is valid. */
const problems = (job: Record<string, unknown>): string => {
  const parsed = JobSchema.safeParse({ ...base, ...job });
  return parsed.success ? '' : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
};

describe('job: secret names under global/ are reserved for masked globals', () => {
  it.each([
    ['shared-secret auth', { auth: { secret: 'global/token' } }, 'auth'],
    ['hmac auth', { auth: { type: 'hmac', secret: 'global/token' } }, 'auth'],
  ])('%s refuses it', (_what, job, path) => {
    // Act
    const found = problems(job);
    // Assess: the reason is named, on the field
    expect(found).toContain('secret name global/… is reserved for masked globals');
    expect(found.startsWith(path)).toBe(true);
  });

  it('a password parameter refuses it; a name that merely contains global/ is fine', () => {
    // Prepare: a job's params are checked against the integration's manifest
    const manifest = defineIntegration({
      id: 'pw',
      name: 'Pw',
      version: '1.0.0',
      description: 'd',
      parameters: { token: { type: 'password', mandatory: true } },
      run: () => ({}),
    }).manifest;
    // Act / Assess
    expect(() => checkJobParams(manifest, { token: { secret: 'global/token' } })).toThrow(
      'secret name global/… is reserved for masked globals',
    );
    expect(checkJobParams(manifest, { token: { secret: 'team/global/token' } })).toEqual({
      token: { secret: 'team/global/token' },
    });
    expect(problems({ auth: { secret: 'team/global' } })).toBe('');
  });

  it('a secret reference may pin the hosts it goes to', () => {
    expect(SecretRefSchema.parse({ secret: 'jira', allowedHosts: ['*.atlassian.net'] })).toEqual({
      secret: 'jira',
      allowedHosts: ['*.atlassian.net'],
    });
    expect(SecretRefSchema.safeParse({ secret: 'jira', allowedHosts: [] }).success).toBe(false);
    expect(SecretRefSchema.safeParse({ secret: 'jira', allowedHosts: ['Evil.COM'] }).success).toBe(false);
  });
});

describe('job: ctx.http settings', () => {
  it('egress.allowedHosts takes host names, *.patterns, IPv4 and [IPv6]; 1 to 100 of them', () => {
    expect(
      problems({ egress: { allowedHosts: ['api.example.com', '*.example.com', '10.0.0.1', '[::1]'] } }),
    ).toBe('');
    expect(problems({ egress: { allowedHosts: [] } })).toContain('egress.allowedHosts');
    expect(
      problems({ egress: { allowedHosts: Array.from({ length: 101 }, (_, i) => `h${i}.io`) } }),
    ).toContain('egress.allowedHosts');
    for (const bad of ['API.example.com', 'example.com/path', 'https://example.com', 'a.*.com', '*', '']) {
      expect(problems({ egress: { allowedHosts: [bad] } }), bad).toContain('host pattern');
    }
  });

  it('proxy is an http(s) URL without credentials, which belong in a masked global', () => {
    expect(problems({ proxy: 'http://proxy.internal:3128' })).toBe('');
    expect(problems({ proxy: 'https://proxy.internal' })).toBe('');
    expect(problems({ proxy: 'http://user:pw@proxy.internal:3128' })).toBe(
      'proxy: put proxy credentials in a masked global `proxy`',
    );
    expect(problems({ proxy: 'socks5://proxy.internal' })).toBe('proxy: an http(s) URL');
    expect(problems({ proxy: 'not a url' })).toBe('proxy: an http(s) URL');
  });

  it('tlsVerify is a boolean, absent by default (verified)', () => {
    expect(JobSchema.parse(base).tlsVerify).toBeUndefined();
    expect(JobSchema.parse({ ...base, tlsVerify: false }).tlsVerify).toBe(false);
    expect(problems({ tlsVerify: 'no' })).toContain('tlsVerify');
  });
});

describe('job: effectTtlDays', () => {
  it('is a whole number of days from 1 to 365, absent by default', () => {
    expect(JobSchema.parse(base).effectTtlDays).toBeUndefined();
    expect(JobSchema.parse({ ...base, effectTtlDays: 365 }).effectTtlDays).toBe(365);
    for (const bad of [0, 366, 1.5]) {
      expect(problems({ effectTtlDays: bad }), String(bad)).toContain('effectTtlDays');
    }
  });
});
