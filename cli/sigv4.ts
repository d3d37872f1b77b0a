import { isIPv4, isIPv6 } from 'node:net';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { errorMessage } from '../shared/errors.ts';
import type { RequestSigner } from './admin-client.ts';

/** When the CLI signs admin requests: `auto` signs for any endpoint that is not this machine. */
export const SIGV4_MODES = ['auto', 'always', 'never'] as const;
export type SigV4Mode = (typeof SIGV4_MODES)[number];

export const isSigV4Mode = (value: string): value is SigV4Mode =>
  (SIGV4_MODES as readonly string[]).includes(value);

const NO_CREDENTIALS =
  'no AWS credentials found: configure a profile (AWS_PROFILE) or environment credentials to call the deployed admin API';

/** Signing was needed but no AWS credentials could be loaded; nothing was sent. */
export class AwsCredentialsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AwsCredentialsError';
  }
}

/** Signing was asked for but cannot be set up: no region, a bad `TRIGGERHUB_SIGV4`. */
export class SigV4ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigV4ConfigError';
  }
}

/** An AWS region name: `eu-west-1`, `us-gov-west-1`, `cn-north-1`. */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;

// `<api-id>.execute-api.<region>.amazonaws.com`, also in China (`.com.cn`) and through
// an interface VPC endpoint (`<api-id>-<vpce-id>.execute-api.<region>.vpce.amazonaws.com`).
const EXECUTE_API_HOST =
  /^[a-z0-9-]+\.execute-api\.([a-z]{2}(?:-[a-z]+)+-\d+)\.(?:vpce\.)?amazonaws\.com(?:\.cn)?$/;

/**
 * The AWS region of an admin API endpoint: read from an API Gateway default
 * host name; for a custom domain, `AWS_REGION` or `AWS_DEFAULT_REGION`.
 *
 * @throws SigV4ConfigError when the region cannot be told.
 * @example
 * regionFromEndpoint('https://abc123.execute-api.eu-west-1.amazonaws.com/prod'); // 'eu-west-1'
 */
export const regionFromEndpoint = (endpoint: string, env: NodeJS.ProcessEnv = process.env): string => {
  let host: string | undefined;
  try {
    host = new URL(endpoint).hostname;
  } catch {
    // Not a URL: the admin client reports that better; only the env can help here.
  }
  const match = host === undefined ? null : EXECUTE_API_HOST.exec(host);
  if (match?.[1] !== undefined) return match[1];
  for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION'] as const) {
    const value = env[name]?.trim();
    if (value !== undefined && value !== '') return value;
  }
  throw new SigV4ConfigError(
    `cannot tell the AWS region of ${endpoint} to sign requests for it: pass --region <region> (or set AWS_REGION)`,
  );
};

/**
 * Whether the endpoint is this machine: `localhost` (and `*.localhost`),
 * 127.0.0.0/8, `::1`, an IPv4-mapped loopback, or the unspecified address
 * (`0.0.0.0`, `::`), which connects here too. An unparsable URL is not.
 */
export const isLoopbackEndpoint = (endpoint: string): boolean => {
  let host: string;
  try {
    host = new URL(endpoint).hostname.toLowerCase();
  } catch {
    return false;
  }
  // WHATWG URLs keep the brackets of an IPv6 host and normalise it (`::ffff:127.0.0.1` → `::ffff:7f00:1`).
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIPv4(host)) return host.startsWith('127.') || host === '0.0.0.0';
  if (isIPv6(host))
    return host === '::1' || host === '::' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host);
  return false;
};

/**
 * Whether requests to `endpoint` are signed: `always`, `never`, or — for `auto` —
 * when it is not this machine (the local stack of `npm start` takes no signature;
 * a deployed API's admin routes are IAM-authorized).
 */
export const shouldSign = (mode: SigV4Mode, endpoint: string): boolean =>
  mode === 'always' || (mode === 'auto' && !isLoopbackEndpoint(endpoint));

export interface SigV4SignerOptions {
  /** The region of the API, e.g. from {@link regionFromEndpoint}. */
  readonly region: string;
  /**
   * Where the credentials come from.
   * @default the AWS SDK's default chain (environment, shared config and SSO profiles, web identity, ECS/EC2 metadata), resolved at the first signed request
   */
  readonly credentials?: AwsCredentialIdentityProvider;
  /** The signing name of the service. @default 'execute-api' */
  readonly service?: string;
  /** The signing clock; tests fix it. @default () => new Date() */
  readonly now?: () => Date;
}

/**
 * The default credential chain, imported only when a request is signed: a
 * local `triggerhub` run never loads it. The chain memoizes (and refreshes
 * expiring) credentials itself.
 */
const defaultCredentials = (): AwsCredentialIdentityProvider => {
  let chain: Promise<AwsCredentialIdentityProvider> | undefined;
  return async (properties) => {
    chain ??= import('@aws-sdk/credential-provider-node').then(({ defaultProvider }) => defaultProvider());
    return (await chain)(properties);
  };
};

/** The chain's last word when every provider passed; anything else says more (an expired SSO session…). */
const NOTHING_FOUND = /could not load credentials from any providers/i;

const explainCredentials =
  (provider: AwsCredentialIdentityProvider): AwsCredentialIdentityProvider =>
  async (properties): Promise<AwsCredentialIdentity> => {
    try {
      return await provider(properties);
    } catch (error) {
      const reason = errorMessage(error);
      throw new AwsCredentialsError(
        NOTHING_FOUND.test(reason)
          ? NO_CREDENTIALS
          : `cannot load AWS credentials to call the deployed admin API: ${reason}`,
        { cause: error },
      );
    }
  };

// Headers a previous attempt's signature left on the request: ky retries a clone of the sent request.
const SIGNATURE_HEADERS = ['authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'];

/**
 * A {@link RequestSigner} for the admin client that signs with AWS Signature
 * Version 4, as an IAM-authorized API Gateway route requires: method, path,
 * query, `host` and every other header, and the SHA-256 of the body. The
 * signature, `x-amz-date` and, for temporary credentials, `x-amz-security-token`
 * are added to the request.
 *
 * @throws AwsCredentialsError (from the returned signer) when no credentials can be loaded.
 * @example
 * const admin = createAdminClient({
 *   endpoint,
 *   sign: createSigV4Signer({ region: regionFromEndpoint(endpoint) }),
 * });
 */
export const createSigV4Signer = (options: SigV4SignerOptions): RequestSigner => {
  if (!REGION_PATTERN.test(options.region)) {
    throw new SigV4ConfigError(`not an AWS region: ${options.region}`);
  }
  const signer = new SignatureV4({
    service: options.service ?? 'execute-api',
    region: options.region,
    credentials: explainCredentials(options.credentials ?? defaultCredentials()),
    sha256: Hash.bind(null, 'sha256'),
    // The payload hash is part of the signature either way; only S3 wants it as a header too.
    applyChecksum: false,
  });
  const now = options.now ?? (() => new Date());

  return async (request) => {
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      if (!SIGNATURE_HEADERS.includes(name)) headers[name] = value;
    });
    // fetch sets Host from the URL (`url.host` leaves out a default port, as the wire does).
    headers.host = url.host;

    const query: Record<string, string | string[]> = {};
    for (const key of new Set(url.searchParams.keys())) {
      const values = url.searchParams.getAll(key);
      query[key] = values.length === 1 ? (values[0] ?? '') : values;
    }
    const body = request.body === null ? undefined : new Uint8Array(await request.clone().arrayBuffer());

    const signed = await signer.sign(
      {
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port === '' ? {} : { port: Number(url.port) }),
        // Already percent-encoded, as sent; the signer encodes each segment again, as SigV4 wants for every service but S3.
        path: url.pathname,
        query,
        headers,
        body,
      },
      { signingDate: now() },
    );

    const out = new Headers(request.headers);
    for (const name of SIGNATURE_HEADERS) out.delete(name);
    for (const [name, value] of Object.entries(signed.headers)) {
      if (name !== 'host') out.set(name, value);
    }
    return new Request(request, { headers: out, ...(body === undefined ? {} : { body }) });
  };
};
