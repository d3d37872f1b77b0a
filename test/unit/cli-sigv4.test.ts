import { createHash, createHmac } from 'node:crypto';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AdminConnectionError, createAdminClient } from '../../cli/admin-client.ts';
import { run } from '../../cli/main.ts';
import type { CliIo } from '../../cli/main.ts';
import { runCli } from '../helpers/cli.ts';
import {
  AwsCredentialsError,
  SigV4ConfigError,
  createSigV4Signer,
  isLoopbackEndpoint,
  regionFromEndpoint,
  shouldSign,
} from '../../cli/sigv4.ts';

// The default credential chain, replaced: it would read ~/.aws and probe the EC2 metadata service.
const { defaultProvider } = vi.hoisted(() => ({
  defaultProvider: vi.fn(
    (): AwsCredentialIdentityProvider => () => Promise.reject(new Error('not set by this test')),
  ),
}));
vi.mock('@aws-sdk/credential-provider-node', () => ({ defaultProvider }));

// The example key pair of the AWS documentation and of its SigV4 test suite.
const ACCESS_KEY = 'AKIDEXAMPLE';
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const staticCredentials = (sessionToken?: string) => () =>
  Promise.resolve({
    accessKeyId: ACCESS_KEY,
    secretAccessKey: SECRET_KEY,
    ...(sessionToken === undefined ? {} : { sessionToken }),
  });

const NOW = new Date('2026-11-22T10:00:00.000Z');
const DEPLOYED = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod';
const NO_CREDENTIALS =
  'no AWS credentials found: configure a profile (AWS_PROFILE) or environment credentials to call the deployed admin API';

/** What the default chain throws when every provider passed (a `CredentialsProviderError`). */
const nothingFound = () =>
  Object.assign(new Error('Could not load credentials from any providers'), {
    name: 'CredentialsProviderError',
    tryNextLink: false,
  });

// ── SigV4 by hand, with node:crypto only: the reference the library is checked against ──

const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();
/** RFC 3986 unreserved characters stay; everything else is %XX (upper case). */
const uriEncode = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

interface WireRequest {
  method: string;
  url: string;
  /** Lower-case names; `host` included. */
  headers: Record<string, string>;
  body: string;
}

/** Task 1: the canonical request, for the given signed headers. */
const canonicalRequest = (req: WireRequest, signedHeaders: string[]): string => {
  const url = new URL(req.url);
  // The path is percent-encoded on the wire; every service but S3 encodes each segment once more.
  const path = url.pathname
    .split('/')
    .map((segment) => uriEncode(segment))
    .join('/');
  const query = [...url.searchParams]
    .map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`)
    .sort()
    .join('&');
  const headers = signedHeaders
    .map((name) => `${name}:${(req.headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  return [req.method, path, query, headers, signedHeaders.join(';'), sha256Hex(req.body)].join('\n');
};

/** Tasks 2 to 4: string to sign, signing key, signature. */
const referenceSignature = (canonical: string, amzDate: string, region: string, service: string): string => {
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical)].join('\n');
  const key = [day, region, service, 'aws4_request'].reduce<string | Buffer>(
    (k, part) => hmac(k, part),
    `AWS4${SECRET_KEY}`,
  );
  return createHmac('sha256', key).update(stringToSign).digest('hex');
};

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/(\d{8})\/([a-z0-9-]+)\/execute-api\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

/** Checks a request as it was sent, recomputing its signature by hand. */
const verifySigned = (req: WireRequest, region = 'eu-west-1'): string => {
  const match = AUTHORIZATION.exec(req.headers.authorization ?? '');
  expect(match, `authorization: ${req.headers.authorization}`).not.toBeNull();
  const [, day, signedRegion, signedHeaders, signature] = match ?? [];
  const amzDate = req.headers['x-amz-date'] ?? '';
  expect(day).toBe(amzDate.slice(0, 8));
  expect(signedRegion).toBe(region);
  const names = (signedHeaders ?? '').split(';');
  expect(names).toContain('host');
  expect(names).toContain('x-amz-date');
  expect(signature).toBe(referenceSignature(canonicalRequest(req, names), amzDate, region, 'execute-api'));
  return signature ?? '';
};

const wire = async (request: Request): Promise<WireRequest> => {
  const headers: Record<string, string> = { host: new URL(request.url).host };
  request.headers.forEach((value, name) => (headers[name] = value));
  return { method: request.method, url: request.url, headers, body: await request.clone().text() };
};

/** A fetch that records what goes on the wire and answers with `answer`. */
const recordingFetch = (answer: (n: number) => Response = () => json(200, { items: [] })) => {
  const sent: WireRequest[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    sent.push(await wire(new Request(input, init)));
    return answer(sent.length);
  };
  return { fetch, sent };
};

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

beforeEach(() => {
  defaultProvider.mockClear();
});

// ── tests ────────────────────────────────────────────────────────────────────

describe('createSigV4Signer', () => {
  it('adds authorization and x-amz-date for execute-api in the region, signing host', async () => {
    // Prepare
    const sign = createSigV4Signer({ region: 'eu-west-1', credentials: staticCredentials(), now: () => NOW });

    // Act
    const signed = await sign(new Request(`${DEPLOYED}/admin/jobs?limit=5`));

    // Assess
    expect(signed.headers.get('x-amz-date')).toBe('20261122T100000Z');
    expect(signed.headers.get('authorization')).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261122\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=host;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    expect(signed.headers.has('x-amz-security-token')).toBe(false);
    // fetch derives Host from the URL; a Host header of our own would be dropped or doubled.
    expect(signed.headers.has('host')).toBe(false);
    expect(signed.url).toBe(`${DEPLOYED}/admin/jobs?limit=5`);
    verifySigned(await wire(signed));
  });

  it('adds and signs x-amz-security-token for temporary credentials', async () => {
    // Prepare
    const sign = createSigV4Signer({
      region: 'eu-west-1',
      credentials: staticCredentials('session-token-from-sso'),
      now: () => NOW,
    });

    // Act
    const signed = await sign(new Request(`${DEPLOYED}/admin/integrations`));

    // Assess
    expect(signed.headers.get('x-amz-security-token')).toBe('session-token-from-sso');
    expect(signed.headers.get('authorization')).toContain(
      'SignedHeaders=host;x-amz-date;x-amz-security-token,',
    );
    verifySigned(await wire(signed));
  });

  it('signs the body: another body, another signature; the body is sent unchanged', async () => {
    // Prepare
    const sign = createSigV4Signer({ region: 'eu-west-1', credentials: staticCredentials(), now: () => NOW });
    const put = (body: string) =>
      new Request(`${DEPLOYED}/admin/jobs/demo`, {
        method: 'PUT',
        body,
        headers: { 'content-type': 'application/json' },
      });

    // Act
    const a = await sign(put('{"id":"demo","enabled":true}'));
    const b = await sign(put('{"id":"demo","enabled":false}'));

    // Assess
    const sigA = verifySigned(await wire(a));
    const sigB = verifySigned(await wire(b));
    expect(sigA).not.toBe(sigB);
    expect(await a.text()).toBe('{"id":"demo","enabled":true}');
    expect(a.headers.get('authorization')).toContain('SignedHeaders=content-type;host;x-amz-date,');
  });

  it('matches a signature computed by hand for one fixed request (known answer)', async () => {
    // Prepare
    const body = '{"id":"team/demo","integration":"echo"}';
    const url = `${DEPLOYED}/admin/jobs/team%2Fdemo?b=2&a=x%20y`;
    const sign = createSigV4Signer({ region: 'eu-west-1', credentials: staticCredentials(), now: () => NOW });
    // Written out by hand from the SigV4 rules: path segments encoded twice, query sorted
    // and RFC 3986-encoded, headers lower-case and sorted, then the body's SHA-256.
    const expectedCanonical = [
      'PUT',
      '/prod/admin/jobs/team%252Fdemo',
      'a=x%20y&b=2',
      'content-type:application/json',
      'host:abc123.execute-api.eu-west-1.amazonaws.com',
      'x-amz-date:20261122T100000Z',
      '',
      'content-type;host;x-amz-date',
      sha256Hex(body),
    ].join('\n');
    const request = {
      method: 'PUT',
      url,
      headers: {
        'content-type': 'application/json',
        host: 'abc123.execute-api.eu-west-1.amazonaws.com',
        'x-amz-date': '20261122T100000Z',
      },
      body,
    };

    // Act
    const signed = await sign(
      new Request(url, { method: 'PUT', body, headers: { 'Content-Type': 'application/json' } }),
    );

    // Assess
    expect(canonicalRequest(request, ['content-type', 'host', 'x-amz-date'])).toBe(expectedCanonical);
    const expected = referenceSignature(expectedCanonical, '20261122T100000Z', 'eu-west-1', 'execute-api');
    expect(signed.headers.get('authorization')).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/eu-west-1/execute-api/aws4_request, ' +
        `SignedHeaders=content-type;host;x-amz-date, Signature=${expected}`,
    );
  });

  it("reproduces the AWS SigV4 test suite's get-vanilla signature", async () => {
    // Prepare: the suite signs for service "service" in us-east-1 at 20150830T123600Z.
    const sign = createSigV4Signer({
      region: 'us-east-1',
      service: 'service',
      credentials: staticCredentials(),
      now: () => new Date('2015-08-30T12:36:00Z'),
    });

    // Act
    const signed = await sign(new Request('https://example.amazonaws.com/'));

    // Assess
    expect(signed.headers.get('authorization')).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ' +
        'SignedHeaders=host;x-amz-date, ' +
        'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('re-signs a request that carries an earlier signature (a retry) from scratch', async () => {
    // Prepare: the credentials change between attempts, from temporary to long-term ones.
    let now = NOW;
    let token: string | undefined = 'token-1';
    const sign = createSigV4Signer({
      region: 'eu-west-1',
      credentials: () => staticCredentials(token)(),
      now: () => now,
    });
    const first = await sign(new Request(`${DEPLOYED}/admin/jobs`));
    now = new Date('2026-11-22T10:00:07.000Z');
    token = undefined;

    // Act
    const again = await sign(first.clone());
    const fresh = await sign(new Request(`${DEPLOYED}/admin/jobs`));

    // Assess
    expect(first.headers.get('x-amz-security-token')).toBe('token-1');
    expect(again.headers.get('x-amz-date')).toBe('20261122T100007Z');
    expect(again.headers.has('x-amz-security-token')).toBe(false);
    expect(again.headers.get('authorization')).toBe(fresh.headers.get('authorization'));
    expect(again.headers.get('authorization')).not.toBe(first.headers.get('authorization'));
    verifySigned(await wire(again));
  });

  it('refuses a region that is not one', () => {
    expect(() => createSigV4Signer({ region: 'Ireland', credentials: staticCredentials() })).toThrow(
      SigV4ConfigError,
    );
  });

  it('says clearly that there are no credentials when the chain found none', async () => {
    // Prepare
    const sign = createSigV4Signer({
      region: 'eu-west-1',
      credentials: () => Promise.reject(nothingFound()),
    });

    // Act
    const error = await Promise.resolve(sign(new Request(`${DEPLOYED}/admin/jobs`))).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AwsCredentialsError);
    expect(error).toMatchObject({ message: NO_CREDENTIALS });
  });

  it('passes on what a credential source said when it says more (an expired SSO session)', async () => {
    // Prepare
    const sign = createSigV4Signer({
      region: 'eu-west-1',
      credentials: () => Promise.reject(new Error('The SSO session has expired. Run aws sso login.')),
    });

    // Act
    const error = await Promise.resolve(sign(new Request(`${DEPLOYED}/admin/jobs`))).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AwsCredentialsError);
    expect(error).toMatchObject({
      message:
        'cannot load AWS credentials to call the deployed admin API: The SSO session has expired. Run aws sso login.',
    });
  });

  it('uses the default credential chain, loaded only when a request is signed', async () => {
    // Prepare
    defaultProvider.mockImplementationOnce(() => staticCredentials('from-the-chain'));

    // Act
    const sign = createSigV4Signer({ region: 'eu-west-1', now: () => NOW });
    const before = defaultProvider.mock.calls.length;
    const signed = await sign(new Request(`${DEPLOYED}/admin/jobs`));
    await sign(new Request(`${DEPLOYED}/admin/jobs`));

    // Assess
    expect(before).toBe(0);
    expect(defaultProvider).toHaveBeenCalledTimes(1);
    expect(signed.headers.get('x-amz-security-token')).toBe('from-the-chain');
  });
});

describe('regionFromEndpoint', () => {
  it('reads the region of an API Gateway host name, with or without a stage', () => {
    expect(regionFromEndpoint('https://abc123.execute-api.eu-west-1.amazonaws.com', {})).toBe('eu-west-1');
    expect(regionFromEndpoint('https://abc123.execute-api.us-east-2.amazonaws.com/prod/', {})).toBe(
      'us-east-2',
    );
    expect(regionFromEndpoint('https://abc123.execute-api.cn-north-1.amazonaws.com.cn', {})).toBe(
      'cn-north-1',
    );
    expect(regionFromEndpoint('https://abc123.execute-api.us-gov-west-1.amazonaws.com', {})).toBe(
      'us-gov-west-1',
    );
  });

  it('prefers the host name over the environment', () => {
    expect(
      regionFromEndpoint('https://abc123.execute-api.eu-west-1.amazonaws.com', { AWS_REGION: 'us-east-1' }),
    ).toBe('eu-west-1');
  });

  it('falls back to AWS_REGION, then AWS_DEFAULT_REGION, for a custom domain', () => {
    const url = 'https://hub.example.com';
    expect(regionFromEndpoint(url, { AWS_REGION: 'eu-central-1', AWS_DEFAULT_REGION: 'us-west-2' })).toBe(
      'eu-central-1',
    );
    expect(regionFromEndpoint(url, { AWS_DEFAULT_REGION: 'us-west-2' })).toBe('us-west-2');
    // A look-alike is a custom domain too.
    expect(
      regionFromEndpoint('https://abc.execute-api.eu-west-1.amazonaws.com.evil.example', {
        AWS_REGION: 'us-east-1',
      }),
    ).toBe('us-east-1');
  });

  it('asks for --region when nothing tells the region', () => {
    expect(() => regionFromEndpoint('https://hub.example.com', {})).toThrow(SigV4ConfigError);
    expect(() => regionFromEndpoint('https://hub.example.com', { AWS_REGION: '' })).toThrow('--region');
    expect(() => regionFromEndpoint('https://execute-api.eu-west-1.amazonaws.com.evil.example', {})).toThrow(
      '--region',
    );
  });
});

describe('when to sign', () => {
  const local = [
    'http://127.0.0.1:3000',
    'http://127.8.9.10',
    'http://localhost:3000',
    'http://LOCALHOST',
    'http://api.localhost:3000',
    'http://[::1]:3000',
    'http://[::ffff:127.0.0.1]:3000',
    'http://0.0.0.0:3000',
  ];
  const remote = [
    'https://abc123.execute-api.eu-west-1.amazonaws.com',
    'https://abc123.execute-api.eu-west-1.amazonaws.com/prod',
    'https://hub.example.com',
    'http://10.0.0.7:3000',
    'http://127.example.com',
    'http://localhost.example.com',
    'http://[::2]',
  ];

  it.each(local)('auto does not sign %s', (endpoint) => {
    expect(isLoopbackEndpoint(endpoint)).toBe(true);
    expect(shouldSign('auto', endpoint)).toBe(false);
  });

  it.each(remote)('auto signs %s', (endpoint) => {
    expect(isLoopbackEndpoint(endpoint)).toBe(false);
    expect(shouldSign('auto', endpoint)).toBe(true);
  });

  it('always and never override the endpoint', () => {
    expect(shouldSign('always', 'http://127.0.0.1:3000')).toBe(true);
    expect(shouldSign('never', 'https://abc123.execute-api.eu-west-1.amazonaws.com')).toBe(false);
  });
});

describe('admin client with the SigV4 signer', () => {
  const signer = () =>
    createSigV4Signer({ region: 'eu-west-1', credentials: staticCredentials('tok'), now: () => NOW });

  it('sends a correctly signed PUT to a deployed endpoint', async () => {
    // Prepare
    const job = { id: 'demo', integration: 'echo' };
    const { fetch, sent } = recordingFetch(() => json(201, {}));
    const client = createAdminClient({ endpoint: DEPLOYED, fetch, sign: signer(), retryLimit: 0 });

    // Act
    await client.putJob('demo', job).catch(() => undefined); // the answer is not a job: only the request matters

    // Assess
    expect(sent).toHaveLength(1);
    const [req] = sent;
    expect(req?.url).toBe(`${DEPLOYED}/admin/jobs/demo`);
    expect(req?.headers['x-amz-security-token']).toBe('tok');
    expect(req?.headers.authorization).toContain(
      'SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,',
    );
    expect(JSON.parse(req?.body ?? '')).toEqual(job);
    verifySigned(req ?? { method: '', url: '', headers: {}, body: '' });
  });

  it('signs each attempt afresh when a GET is retried', async () => {
    // Prepare
    let clock = NOW.getTime();
    const sign = createSigV4Signer({
      region: 'eu-west-1',
      credentials: staticCredentials(),
      now: () => new Date((clock += 5000)),
    });
    const { fetch, sent } = recordingFetch((n) =>
      n === 1
        ? json(503, { error: 'unavailable', message: 'busy' }, { 'Retry-After': '0' })
        : json(200, { items: [] }),
    );
    const client = createAdminClient({ endpoint: DEPLOYED, fetch, sign });

    // Act
    await client.listJobs({ limit: 2 });

    // Assess
    expect(sent.map((r) => r.headers['x-amz-date'])).toEqual(['20261122T100005Z', '20261122T100010Z']);
    for (const req of sent) verifySigned(req);
  });

  it('sends no signature to the local stack without a signer', async () => {
    // Prepare
    const { fetch, sent } = recordingFetch();
    const client = createAdminClient({ endpoint: 'http://127.0.0.1:3000', fetch });

    // Act
    await client.listJobs();

    // Assess
    expect(sent[0]?.headers.authorization).toBeUndefined();
    expect(sent[0]?.headers['x-amz-date']).toBeUndefined();
  });

  it('reports missing credentials as such, at once, without sending or retrying', async () => {
    // Prepare
    const { fetch, sent } = recordingFetch();
    let lookups = 0;
    const sign = createSigV4Signer({
      region: 'eu-west-1',
      credentials: () => {
        lookups++;
        return Promise.reject(nothingFound());
      },
    });
    const client = createAdminClient({ endpoint: DEPLOYED, fetch, sign });

    // Act
    const error = await client.listJobs().catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AwsCredentialsError);
    expect(error).not.toBeInstanceOf(AdminConnectionError);
    expect(sent).toHaveLength(0);
    // A GET is retried after network errors; missing credentials are not one.
    expect(lookups).toBe(1);
  });
});

describe('triggerhub --sigv4 / --region', () => {
  const cli = async (args: string[], io: Partial<CliIo> = {}) => {
    const result = await runCli(args, {
      env: {},
      credentials: staticCredentials(),
      now: () => NOW,
      ...io,
    });
    return result;
  };

  it('signs for a deployed endpoint by default (auto), in the region of its host name', async () => {
    // Prepare
    const { fetch, sent } = recordingFetch();

    // Act
    const out = await cli(['--endpoint', DEPLOYED, 'jobs', 'list'], { fetch });

    // Assess
    expect(out).toEqual({ code: 0, stdout: 'No jobs.\n', stderr: '' });
    expect(sent[0]?.url).toBe(`${DEPLOYED}/admin/jobs`);
    verifySigned(sent[0] ?? { method: '', url: '', headers: {}, body: '' });
  });

  it('does not sign for the local stack (auto), even with credentials at hand', async () => {
    // Prepare
    const { fetch, sent } = recordingFetch();

    // Act
    const byDefault = await cli(['jobs', 'list'], { fetch });
    const explicit = await cli(['--endpoint', 'http://localhost:3000', 'jobs', 'list'], { fetch });

    // Assess
    expect(byDefault.code).toBe(0);
    expect(explicit.code).toBe(0);
    expect(sent.map((r) => r.url)).toEqual([
      'http://127.0.0.1:3000/admin/jobs',
      'http://localhost:3000/admin/jobs',
    ]);
    expect(sent.map((r) => r.headers.authorization)).toEqual([undefined, undefined]);
  });

  it('never: does not sign a deployed endpoint; TRIGGERHUB_SIGV4 says the same, the flag wins', async () => {
    // Prepare
    const { fetch, sent } = recordingFetch();

    // Act
    await cli(['--endpoint', DEPLOYED, '--sigv4', 'never', 'jobs', 'list'], { fetch });
    await cli(['--endpoint', DEPLOYED, 'jobs', 'list'], { fetch, env: { TRIGGERHUB_SIGV4: 'never' } });
    await cli(['--endpoint', DEPLOYED, '--sigv4', 'auto', 'jobs', 'list'], {
      fetch,
      env: { TRIGGERHUB_SIGV4: 'never' },
    });

    // Assess
    expect(sent.map((r) => r.headers.authorization === undefined)).toEqual([true, true, false]);
  });

  it('always: signs the local endpoint too, in the --region given', async () => {
    // Prepare
    const { fetch, sent } = recordingFetch();

    // Act
    const out = await cli(['--sigv4', 'always', '--region', 'us-west-2', 'jobs', 'list'], { fetch });

    // Assess
    expect(out.code).toBe(0);
    verifySigned(sent[0] ?? { method: '', url: '', headers: {}, body: '' }, 'us-west-2');
  });

  it('signs a custom domain in AWS_REGION, and asks for --region when there is none', async () => {
    // Prepare
    const { fetch, sent } = recordingFetch();
    const custom = 'https://hub.example.com';

    // Act
    const withEnv = await cli(['--endpoint', custom, 'jobs', 'list'], {
      fetch,
      env: { AWS_REGION: 'eu-north-1' },
    });
    const without = await cli(['--endpoint', custom, 'jobs', 'list'], { fetch });

    // Assess
    expect(withEnv.code).toBe(0);
    verifySigned(sent[0] ?? { method: '', url: '', headers: {}, body: '' }, 'eu-north-1');
    expect(without.code).toBe(1);
    expect(without.stderr).toBe(
      'error: cannot tell the AWS region of https://hub.example.com to sign requests for it: pass --region <region> (or set AWS_REGION)\n',
    );
    expect(sent).toHaveLength(1);
  });

  it('fails with the clear message and exit code 1, no stack trace, when there are no credentials', async () => {
    // Prepare
    const { fetch, sent } = recordingFetch();

    // Act
    const out = await cli(['--endpoint', DEPLOYED, 'jobs', 'get', 'demo'], {
      fetch,
      credentials: () => Promise.reject(nothingFound()),
    });

    // Assess
    expect(out).toEqual({ code: 1, stdout: '', stderr: `error: ${NO_CREDENTIALS}\n` });
    expect(sent).toHaveLength(0);
  });

  it('takes its credentials from the default chain when none are given', async () => {
    // Prepare
    const { fetch, sent } = recordingFetch();
    defaultProvider.mockImplementationOnce(() => () => Promise.reject(nothingFound()));

    // Act
    const out = await run(['--endpoint', DEPLOYED, 'jobs', 'list'], {
      stdout: () => undefined,
      stderr: () => undefined,
      env: {},
      fetch,
    });

    // Assess
    expect(out).toBe(1);
    expect(defaultProvider).toHaveBeenCalledTimes(1);
    expect(sent).toHaveLength(0);
  });

  it('refuses a bad --sigv4 or --region as usage errors, a bad TRIGGERHUB_SIGV4 as a failure', async () => {
    // Prepare
    const { fetch, sent } = recordingFetch();

    // Act
    const badMode = await cli(['--sigv4', 'sometimes', 'jobs', 'list'], { fetch });
    const badRegion = await cli(['--region', 'Ireland', 'jobs', 'list'], { fetch });
    const badEnv = await cli(['jobs', 'list'], { fetch, env: { TRIGGERHUB_SIGV4: 'yes' } });

    // Assess
    expect(badMode.code).toBe(2);
    expect(badMode.stderr).toContain("option '--sigv4 <mode>' argument 'sometimes' is invalid");
    expect(badRegion.code).toBe(2);
    expect(badRegion.stderr).toContain('expected an AWS region such as eu-west-1');
    expect(badEnv).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: TRIGGERHUB_SIGV4 must be one of auto, always, never, not "yes"\n',
    });
    expect(sent).toHaveLength(0);
  });
});
