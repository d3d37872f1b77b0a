import { describe, expect, expectTypeOf, it } from 'vitest';
import { PermanentError, ValidationError } from '../../shared/errors.ts';
import type { TriggerEvent } from '../../shared/model/index.ts';
import type { AnyIntegration, IntegrationLogger, ParamsOf, RunContext } from '../../shared/sdk/index.ts';
import { defineIntegration, parseManifest } from '../../shared/sdk/index.ts';
import { contextOutsideRun } from '../../shared/runtime/toolbox/index.ts';

const silentLogger: IntegrationLogger = { debug() {}, info() {}, warn() {}, error() {} };

const contextWith = <P>(params: P): RunContext<P> => {
  const event: TriggerEvent = {
    source: 'generic',
    trigger: 'webhook',
    deliveryId: 'd-1',
    receivedAt: '2026-11-22T10:00:00.000Z',
    headers: {},
    query: {},
    payload: {},
  };
  return {
    event,
    params,
    logger: silentLogger,
    signal: new AbortController().signal,
    runId: 'r-1',
    jobId: 'j-1',
    ...contextOutsideRun(),
  };
};

describe('ParamsOf', () => {
  it('maps each parameter type to its TypeScript type, required when mandatory or defaulted', () => {
    // Prepare
    type P = ParamsOf<{
      url: { type: 'text'; mandatory: true };
      note: { type: 'text' };
      apiToken: { type: 'password'; mandatory: true };
      proxyPassword: { type: 'password' };
      retries: { type: 'number'; default: 3 };
      limit: { type: 'number' };
      dryRun: { type: 'boolean'; default: false };
      verbose: { type: 'boolean' };
      project: { type: 'choice'; choices: ['A', 'B']; default: 'A' };
      queue: { type: 'choice'; choices: ['X']; mandatory: false };
      labels: { type: 'multichoice'; choices: ['a', 'b']; mandatory: true };
      tags: { type: 'multichoice'; choices: ['a', 'b'] };
    }>;

    // Assess
    expectTypeOf<P>().toEqualTypeOf<{
      url: string;
      note?: string;
      apiToken: string;
      proxyPassword?: string;
      retries: number;
      limit?: number;
      dryRun: boolean;
      verbose?: boolean;
      project: string;
      queue?: string;
      labels: string[];
      tags?: string[];
    }>();
  });

  it('is what ctx.params is inside defineIntegration', () => {
    // Prepare
    const integration = defineIntegration({
      id: 'typed',
      name: 'Typed',
      version: '1.0.0',
      description: '',
      parameters: {
        url: { type: 'text', mandatory: true },
        retries: { type: 'number', default: 3 },
        tags: { type: 'multichoice', choices: ['a', 'b'] },
        secure: { type: 'boolean' },
      },
      run({ params }) {
        expectTypeOf(params).toEqualTypeOf<{
          url: string;
          retries: number;
          tags?: string[];
          secure?: boolean;
        }>();
        return { message: `${params.url} ${params.retries}` };
      },
    });

    // Assess
    expectTypeOf<Parameters<NonNullable<typeof integration.run>>[0]>().toEqualTypeOf<
      RunContext<{ url: string; retries: number; tags?: string[]; secure?: boolean }>
    >();
    // Any integration fits where the registry expects one.
    expectTypeOf(integration).toExtend<AnyIntegration>();
  });
});

describe('defineIntegration', () => {
  it('builds the manifest with the entry points it implements', () => {
    // Act
    const both = defineIntegration({
      id: 'both',
      name: 'Both',
      version: '2.1.0-beta.1',
      description: 'run and decide',
      parameters: { flag: { type: 'boolean', default: true, label: 'Flag' } },
      run: () => ({}),
      decide: () => ({ allow: true, message: 'ok' }),
    });
    const decideOnly = defineIntegration({
      id: 'decide-only',
      name: 'Decide',
      version: '1.0.0',
      description: '',
      parameters: {},
      decide: () => ({ allow: false, message: 'no' }),
    });

    // Assess
    expect(both.manifest).toEqual({
      id: 'both',
      name: 'Both',
      version: '2.1.0-beta.1',
      description: 'run and decide',
      parameters: { flag: { type: 'boolean', default: true, label: 'Flag' } },
      entryPoints: ['run', 'decide'],
    });
    expect(decideOnly.manifest.entryPoints).toEqual(['decide']);
    expect(decideOnly.run).toBeUndefined();
    expect(Object.isFrozen(both.manifest.parameters)).toBe(true);
  });

  it('throws, when the manifest is read, on a choice default not among the choices', () => {
    // Act
    const define = () =>
      defineIntegration({
        id: 'bad-choice',
        name: 'Bad',
        version: '1.0.0',
        description: '',
        parameters: { project: { type: 'choice', choices: ['A', 'B'], default: 'C' } },
        run: () => ({}),
      }).manifest;

    // Assess
    expect(define).toThrow(ValidationError);
    expect(define).toThrow(
      'integration "bad-choice": invalid manifest: parameters.project.default: must be one of A, B',
    );
  });

  it('checks the manifest when it is first read, not at definition, and once', () => {
    // Act
    const bad = defineIntegration({
      id: 'late',
      name: 'Late',
      version: 'one',
      description: '',
      parameters: {},
      run: () => ({}),
    });
    const good = defineIntegration({
      id: 'once',
      name: 'Once',
      version: '1.0.0',
      description: '',
      parameters: {},
      run: () => ({}),
    });

    // Assess: defining a bad one does not throw (module evaluation stays free of zod work);
    // reading its manifest does, every time
    expect(() => bad.manifest).toThrow('integration "late": invalid manifest: version: semantic version');
    expect(() => bad.manifest).toThrow(ValidationError);
    // a good one is parsed once: the same frozen object on every read
    expect(good.manifest).toBe(good.manifest);
    expect(Object.isFrozen(good.manifest)).toBe(true);
  });

  it('throws on a multichoice default outside the choices, a bad id or version, and no entry point', () => {
    // Act
    const define = () =>
      defineIntegration({
        id: 'Bad Id',
        name: 'Bad',
        version: 'one',
        description: '',
        parameters: { tags: { type: 'multichoice', choices: ['a'], default: ['a', 'z'] } },
      }).manifest;

    // Assess
    expect(define).toThrow(/^integration "Bad Id": invalid manifest: /);
    expect(define).toThrow(/id: /);
    expect(define).toThrow(/version: semantic version/);
    expect(define).toThrow(/parameters\.tags\.default: z not among the choices a/);
    expect(define).toThrow(/entryPoints: implement run, decide, tickets or a combination/);
  });

  it('returns a checked result from run and decide, callable unbound', async () => {
    // Prepare
    const integration = defineIntegration({
      id: 'echo',
      name: 'Echo',
      version: '1.0.0',
      description: '',
      parameters: { word: { type: 'text', default: 'hi' } },
      run(ctx) {
        return { message: `>${ctx.params.word}`, output: { n: 1 } };
      },
      async decide({ params }) {
        await Promise.resolve();
        return { allow: params.word === 'yes', message: params.word };
      },
    });
    const { run, decide } = integration;

    // Act
    const ran = await run?.(contextWith({ word: 'hello' }));
    const decided = await decide?.(contextWith({ word: 'yes' }));

    // Assess
    expect(ran).toEqual({ message: '>hello', output: { n: 1 } });
    expect(decided).toEqual({ allow: true, message: 'yes' });
  });

  it('treats a run that returns nothing as an empty result', async () => {
    // Prepare
    const integration = defineIntegration({
      id: 'quiet',
      name: 'Quiet',
      version: '1.0.0',
      description: '',
      parameters: {},
      run() {},
    });

    // Act
    const result = await integration.run?.(contextWith({}));

    // Assess
    expect(result).toEqual({});
  });

  it('fails permanently when decide returns no verdict', async () => {
    // Prepare: plain-JS code can return anything.
    const sloppy: unknown = { allow: 'yes' };
    const integration = defineIntegration({
      id: 'sloppy',
      name: 'Sloppy',
      version: '1.0.0',
      description: '',
      parameters: {},
      decide: () => sloppy as { allow: boolean; message: string },
    });

    // Act
    const result = integration.decide?.(contextWith({}));

    // Assess
    await expect(result).rejects.toThrow(PermanentError);
    await expect(result).rejects.toThrow(
      'integration "sloppy" decide returned an invalid result: allow: Invalid input: expected boolean, received string; message: Invalid input: expected string, received undefined',
    );
  });
});

describe('parseManifest', () => {
  it('accepts a valid manifest and rejects an unknown parameter type', () => {
    // Prepare
    const manifest = {
      id: 'from-file',
      name: 'From file',
      version: '0.1.0',
      description: '',
      parameters: { url: { type: 'text', mandatory: true } },
      entryPoints: ['run'],
    };

    // Act
    const parsed = parseManifest(manifest);
    const bad = () => parseManifest({ ...manifest, parameters: { url: { type: 'url' } } });

    // Assess
    expect(parsed).toEqual(manifest);
    expect(bad).toThrow(/^integration "from-file": invalid manifest: parameters\.url\.type: /);
  });

  it('takes a password parameter’s allowedHosts by the egress.allowedHosts rule, and refuses a bad pattern', () => {
    // Prepare
    const manifest = (allowedHosts: unknown) => ({
      id: 'pinned',
      name: 'Pinned',
      version: '1.0.0',
      description: '',
      parameters: { token: { type: 'password', allowedHosts } },
      entryPoints: ['run'],
    });

    // Act
    const parsed = parseManifest(manifest(['*.atlassian.net', 'jira.example.com', '10.0.0.1', '[::1]']));
    const bad = (hosts: unknown) => () => parseManifest(manifest(hosts));

    // Assess
    expect(parsed.parameters.token).toEqual({
      type: 'password',
      allowedHosts: ['*.atlassian.net', 'jira.example.com', '10.0.0.1', '[::1]'],
    });
    const rule = /invalid manifest: parameters\.token\.allowedHosts\.0: host pattern: /;
    expect(bad(['https://jira.example.com'])).toThrow(rule);
    expect(bad(['Jira.Example.com'])).toThrow(rule);
    expect(bad(['jira.*.com'])).toThrow(rule);
    expect(bad([])).toThrow(/parameters\.token\.allowedHosts: /);
    expect(bad(['a.example.com', 'evil.example.com/x'])).toThrow(/allowedHosts\.1: host pattern: /);
    expect(bad(['a.example.com'])).not.toThrow();
  });

  it('refuses allowedHosts on a parameter that is not a password', () => {
    // Act
    const bad = () =>
      parseManifest({
        id: 'text-pin',
        name: 'Text pin',
        version: '1.0.0',
        description: '',
        parameters: { url: { type: 'text', allowedHosts: ['a.example.com'] } },
        entryPoints: ['run'],
      });

    // Assess
    expect(bad).toThrow(/invalid manifest: parameters\.url: /);
  });
});

describe('parameter names', () => {
  it('rejects a name that is not an identifier', () => {
    // Act
    const define = () =>
      defineIntegration({
        id: 'proto',
        name: 'Proto',
        version: '1.0.0',
        description: '',
        parameters: { 'two words': { type: 'text' } },
        run: () => ({}),
      }).manifest;

    // Assess
    expect(define).toThrow(
      'integration "proto": invalid manifest: parameters.two words: parameter name: a letter, then letters, digits, _ and -, at most 64',
    );
  });
});
