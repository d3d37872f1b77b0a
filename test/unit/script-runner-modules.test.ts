import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cutUtf8,
  MAX_SCRIPT_LINE_BYTES,
  MAX_SCRIPT_LOG_BYTES,
  MAX_SCRIPT_LOG_LINES,
  ScriptLog,
} from '../../shared/scripts/runner/log-cap.ts';
import {
  moduleNotAvailableMessage,
  SCRIPT_MODULES,
  scriptModuleTarget,
} from '../../shared/scripts/runner/modules.ts';
import { repoRoot } from '../helpers/samples.ts';

describe("what a script's require may load", () => {
  it.each([
    ['https', 'node:https'],
    ['node:crypto', 'node:crypto'],
    ['querystring', 'node:querystring'],
    ['stream/promises', 'node:stream/promises'],
    ['node:zlib', 'node:zlib'],
  ])('an allowed Node built-in: %s', (name, specifier) => {
    expect(scriptModuleTarget(name)).toEqual({ kind: 'builtin', specifier });
  });

  // Each a way out of the script's process or into its host's (the review's findings 1, 2, 5, 12).
  it.each([
    'fs',
    'node:fs',
    'fs/promises',
    'child_process',
    'node:child_process',
    'inspector',
    'inspector/promises',
    'worker_threads',
    'cluster',
    'module',
    'node:module',
    'vm',
    'v8',
    'wasi',
    'repl',
    'net',
    'tls',
    'dgram',
    'os',
    'process',
    'trace_events',
    'diagnostics_channel',
    'node:test',
    'node:lodash',
  ])('a Node built-in not offered: %s', (name) => {
    expect(scriptModuleTarget(name)).toBeUndefined();
  });

  it.each([
    'axios',
    'lodash',
    'lodash/get',
    'crypto-js/sha256',
    'xml2js',
    'csvtojson',
    'jsonwebtoken',
    'uuid',
  ])('a curated package or a file inside one: %s', (name) => {
    expect(scriptModuleTarget(name)).toEqual({ kind: 'package', specifier: name });
  });

  it.each([
    ['uuid/v1', 'v1'],
    ['uuid/v3', 'v3'],
    ['uuid/v4', 'v4'],
    ['uuid/v5', 'v5'],
  ])("the seed's deep path %s as uuid's %s", (name, member) => {
    expect(scriptModuleTarget(name)).toEqual({ kind: 'package', specifier: 'uuid', member });
  });

  it.each([
    'request',
    'aws-sdk',
    'node-fetch',
    '@aws-sdk/client-s3',
    'lodash/../@aws-sdk/client-s3',
    'lodash/./get',
    './local-file.js',
    '/etc/passwd',
    'file:///etc/passwd',
    'data:text/javascript,export default 1',
    'axios-retry',
    'Lodash',
  ])('nothing else: %s', (name) => {
    expect(scriptModuleTarget(name)).toBeUndefined();
  });

  it('says which modules are available', () => {
    expect(moduleNotAvailableMessage('request')).toBe(
      'module "request" is not available to scripts; available: axios, crypto-js, csvtojson, jsonwebtoken, lodash, uuid, xml2js and Node\'s assert, assert/strict, buffer, crypto, events, http, https, path, path/posix, querystring, stream, stream/promises, stream/web, string_decoder, timers, timers/promises, url, util, util/types, zlib',
    );
  });

  it('lists each curated package at the version package.json pins (the README documents these)', () => {
    const { dependencies } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    for (const [name, version] of Object.entries(SCRIPT_MODULES))
      expect(dependencies[name], name).toBe(version);
  });
});

describe('ScriptLog: the cap of a script log', () => {
  const line = (message: string) => ({ ts: '2026-01-01T00:00:00.000Z', level: 'LOG' as const, message });

  it(`keeps the first ${MAX_SCRIPT_LOG_LINES} lines and says more were dropped`, () => {
    const log = new ScriptLog();
    for (let i = 0; i < MAX_SCRIPT_LOG_LINES + 5; i++) log.add(line(`line ${i}`));
    expect(log.lines).toHaveLength(MAX_SCRIPT_LOG_LINES);
    expect(log.lines.at(-1)?.message).toBe(`line ${MAX_SCRIPT_LOG_LINES - 1}`);
    expect(log.truncated).toBe(true);
  });

  it('keeps at most the byte budget, each line cut to its own limit', () => {
    const log = new ScriptLog();
    const big = 'é'.repeat(MAX_SCRIPT_LINE_BYTES); // two bytes each: twice the line limit
    const kept = log.add(line(big));
    expect(Buffer.byteLength(kept?.message ?? '')).toBeLessThanOrEqual(MAX_SCRIPT_LINE_BYTES);
    expect(kept?.message.endsWith('é…')).toBe(true);
    while (log.add(line(big)) !== undefined);
    const bytes = log.lines.reduce((sum, l) => sum + Buffer.byteLength(l.message), 0);
    expect(bytes).toBeLessThanOrEqual(MAX_SCRIPT_LOG_BYTES);
    expect(bytes).toBeGreaterThan(MAX_SCRIPT_LOG_BYTES - MAX_SCRIPT_LINE_BYTES);
    expect(log.truncated).toBe(true);
  });

  it('is not truncated while everything fits', () => {
    const log = new ScriptLog();
    log.add(line('one'));
    expect(log.lines).toEqual([line('one')]);
    expect(log.truncated).toBe(false);
  });

  it('cuts on a character boundary', () => {
    expect(cutUtf8('aé', 3)).toBe('aé');
    expect(cutUtf8('aaaaéé', 6)).toBe('aaa…');
    expect(cutUtf8('ééé', 5)).toBe('é…');
    expect(cutUtf8('aééé', 5)).toBe('a…'); // half an é is dropped, not shown as U+FFFD
  });
});
