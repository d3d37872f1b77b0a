import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import type { IntegrationManifest } from '../../shared/model/index.ts';
import type { SecretStore } from '../../shared/ports.ts';
import { checkJobParams, parseManifest, resolveParams } from '../../shared/sdk/index.ts';

const manifest: IntegrationManifest = parseManifest({
  id: 'jira-tickets',
  name: 'Jira',
  version: '1.0.0',
  description: '',
  entryPoints: ['run'],
  parameters: {
    url: { type: 'text', mandatory: true },
    note: { type: 'text' },
    apiToken: { type: 'password', mandatory: true },
    proxyPassword: { type: 'password' },
    retries: { type: 'number', default: 3 },
    limit: { type: 'number' },
    dryRun: { type: 'boolean', default: false },
    project: { type: 'choice', choices: ['A', 'B'], default: 'A' },
    labels: { type: 'multichoice', choices: ['fw', 'urgent'], default: ['fw'] },
    extraLabels: { type: 'multichoice', choices: ['fw', 'urgent'] },
  },
});

const valid = { url: 'https://acme.atlassian.net', apiToken: { secret: 'jira/api-token' } };

/** Message of the ValidationError `fn` throws; fails the test when it throws anything else. */
const validationMessage = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    if (e instanceof ValidationError) {
      expect(e.code).toBe('invalid_params');
      return e.message;
    }
  }
  throw new Error('expected a ValidationError');
};

class FakeSecretStore implements SecretStore {
  readonly asked: string[] = [];
  constructor(private readonly values: Record<string, string[]>) {}
  getVersions(name: string): Promise<string[]> {
    this.asked.push(name);
    return Promise.resolve(this.values[name] ?? []);
  }
}

describe('checkJobParams', () => {
  it('returns the params as given, without applying defaults, nulls dropped', () => {
    // Act
    const params = checkJobParams(manifest, { ...valid, note: null, retries: 5, extraLabels: ['urgent'] });

    // Assess
    expect(params).toEqual({ ...valid, retries: 5, extraLabels: ['urgent'] });
  });

  it.each([
    ['text', { url: 42 }, 'parameter "url": must be text'],
    ['number', { retries: '3' }, 'parameter "retries": must be a number'],
    ['number (not finite)', { retries: Number.POSITIVE_INFINITY }, 'parameter "retries": must be a number'],
    ['boolean', { dryRun: 'yes' }, 'parameter "dryRun": must be true or false'],
    ['choice', { project: 'C' }, 'parameter "project": must be one of A, B'],
    [
      'multichoice',
      { labels: ['fw', 'low'] },
      'parameter "labels": must be a list of values among fw, urgent',
    ],
    [
      'multichoice (not a list)',
      { labels: 'fw' },
      'parameter "labels": must be a list of values among fw, urgent',
    ],
    [
      'password given as a value',
      { apiToken: 'hunter22' },
      'parameter "apiToken" is a password: give { "secret": "<name>" }, not the value',
    ],
    [
      'password with a bad secret name',
      { apiToken: { secret: 'no spaces' } },
      'parameter "apiToken": must be { "secret": "<name>" } with a secret name of letters, digits and /_+=.@- only',
    ],
    ['mandatory text missing', { url: undefined }, 'parameter "url" is mandatory'],
    ['mandatory text empty', { url: '' }, 'parameter "url" is mandatory'],
    ['mandatory password null', { apiToken: null }, 'parameter "apiToken" is mandatory'],
    ['unknown key', { colour: 'red' }, 'parameter "colour" is unknown to integration "jira-tickets"'],
  ])('names the parameter when a %s is wrong', (_kind, change, message) => {
    // Act
    const error = validationMessage(() => checkJobParams(manifest, { ...valid, ...change }));

    // Assess
    expect(error).toBe(message);
  });

  it('names every bad parameter in one message, never a password value', () => {
    // Act
    const error = validationMessage(() =>
      checkJobParams(manifest, { apiToken: 'hunter22', project: 'C', limit: 'ten' }),
    );

    // Assess
    expect(error).toBe(
      'parameter "url" is mandatory; parameter "apiToken" is a password: give { "secret": "<name>" }, not the value; ' +
        'parameter "limit": must be a number; parameter "project": must be one of A, B',
    );
    expect(error).not.toContain('hunter22');
  });
});

describe('resolveParams', () => {
  it('applies defaults and replaces password refs by the current secret value', async () => {
    // Prepare
    const secrets = new FakeSecretStore({
      'jira/api-token': ['tok-current', 'tok-previous'],
      proxy: ['px-pass'],
    });

    // Act
    const resolved = await resolveParams(manifest, { ...valid, proxyPassword: { secret: 'proxy' } }, secrets);

    // Assess
    expect(resolved.params).toEqual({
      url: 'https://acme.atlassian.net',
      apiToken: 'tok-current',
      proxyPassword: 'px-pass',
      retries: 3,
      dryRun: false,
      project: 'A',
      labels: ['fw'],
    });
    expect(resolved.secretValues.sort()).toEqual(['px-pass', 'tok-current', 'tok-previous']);
  });

  it('gives every run its own copy of a default list', async () => {
    // Prepare
    const secrets = new FakeSecretStore({ 'jira/api-token': ['tok'] });
    const first = await resolveParams(manifest, valid, secrets);

    // Act
    const labels = first.params.labels;
    if (Array.isArray(labels)) labels.push('urgent');
    const second = await resolveParams(manifest, valid, secrets);

    // Assess
    expect(second.params.labels).toEqual(['fw']);
  });

  it('keeps given values over defaults and leaves optional parameters out', async () => {
    // Prepare
    const secrets = new FakeSecretStore({ 'jira/api-token': ['tok'] });

    // Act
    const { params } = await resolveParams(
      manifest,
      { ...valid, retries: 0, dryRun: true, project: 'B' },
      secrets,
    );

    // Assess
    expect(params).toEqual({
      url: 'https://acme.atlassian.net',
      apiToken: 'tok',
      retries: 0,
      dryRun: true,
      project: 'B',
      labels: ['fw'],
    });
    expect(secrets.asked).toEqual(['jira/api-token']);
  });

  it('fails naming the parameter and the secret when the secret does not exist', async () => {
    // Prepare
    const secrets = new FakeSecretStore({});

    // Act
    const result = resolveParams(manifest, valid, secrets);

    // Assess
    await expect(result).rejects.toThrow(ValidationError);
    await expect(result).rejects.toThrow('parameter "apiToken": secret "jira/api-token" not found');
  });

  it('fails like checkJobParams on a missing or wrong parameter, before asking for secrets', async () => {
    // Prepare
    const secrets = new FakeSecretStore({ 'jira/api-token': ['tok'] });

    // Act
    const result = resolveParams(manifest, { apiToken: { secret: 'jira/api-token' }, dryRun: 1 }, secrets);

    // Assess
    await expect(result).rejects.toThrow(
      'parameter "url" is mandatory; parameter "dryRun": must be true or false',
    );
    expect(secrets.asked).toEqual([]);
  });

  it('rejects a password stored as a plain value without echoing it', async () => {
    // Prepare
    const secrets = new FakeSecretStore({});

    // Act
    const result = resolveParams(manifest, { ...valid, apiToken: 'plain-token-value' }, secrets);

    // Assess
    await expect(result).rejects.toThrow(
      /^parameter "apiToken" is a password: give \{ "secret": "<name>" \}, not the value$/,
    );
  });
});
