import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { v5 as uuidv5 } from 'uuid';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ScriptArgs } from '../../shared/ports.ts';
import { runScriptInThread } from '../../shared/scripts/runner/host.ts';
import { moduleNotAvailableMessage } from '../../shared/scripts/runner/modules.ts';
import { scriptArgs, scriptRunInput } from '../helpers/script-input.ts';

// Each curated package, really used by a script the way the seed's scripts
// use them (CommonJS `require`, a few ESM imports), in the runner's thread.

const run = (source: string, args: Partial<ScriptArgs> = {}) =>
  runScriptInThread(
    scriptRunInput(source, {
      script: { id: 'modules', version: 1, sha256: '0'.repeat(64) },
      args: scriptArgs({ plutoraValues: { JobName: 'modules' }, ...args }),
      timeoutMs: 15_000,
    }),
  );

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// A loopback target for axios and fetch: answers JSON and echoes what it got.
let origin = '';
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        method: req.method,
        path: req.url,
        auth: req.headers.authorization ?? null,
        body: Buffer.concat(chunks).toString('utf8'),
      }),
    );
  });
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe.concurrent('the curated modules, used by scripts', () => {
  it('axios: GET and POST against a loopback server', async ({ expect }) => {
    const source = `const axios = require('axios');
      module.exports = { run: async (args) => {
        const got = await axios.get(args.arguments.url + '/items?page=2', { headers: { Authorization: 'Bearer ' + args.arguments.token } });
        const posted = await axios.post(args.arguments.url + '/items', { name: 'x' });
        return { got: got.data, posted: posted.data, status: posted.status };
      } };`;
    const result = await run(source, { arguments: { url: origin, token: 't0k' } });
    expect(result.status).toBe('succeeded');
    expect(JSON.parse(result.message)).toEqual({
      got: { method: 'GET', path: '/items?page=2', auth: 'Bearer t0k', body: '' },
      posted: { method: 'POST', path: '/items', auth: null, body: '{"name":"x"}' },
      status: 200,
    });
  });

  it('fetch is global (no node-fetch needed)', async ({ expect }) => {
    const source = `exports.run = async (args) => (await (await fetch(args.arguments.url + '/f')).json()).path;`;
    expect(await run(source, { arguments: { url: origin } })).toMatchObject({
      status: 'succeeded',
      message: '/f',
    });
  });

  it('lodash, and a file inside it (lodash/get)', async ({ expect }) => {
    const source = `const _ = require('lodash'); const get = require('lodash/get');
      exports.run = () => ({ groups: _.groupBy([1, 2, 3, 4], (n) => (n % 2 ? 'odd' : 'even')), deep: get({ a: [{ b: 'c' }] }, 'a[0].b') });`;
    expect(JSON.parse((await run(source)).message)).toEqual({
      groups: { odd: [1, 3], even: [2, 4] },
      deep: 'c',
    });
  });

  it('xml2js parses XML', async ({ expect }) => {
    const source = `const xml2js = require('xml2js');
      exports.run = () => new Promise((resolve, reject) => {
        xml2js.parseString('<ticket id="7"><subject>Open port</subject></ticket>', (err, out) => err ? reject(err) : resolve(out));
      });`;
    expect(JSON.parse((await run(source)).message)).toEqual({
      ticket: { $: { id: '7' }, subject: ['Open port'] },
    });
  });

  it('csvtojson reads CSV', async ({ expect }) => {
    const source = `const csv = require('csvtojson');
      exports.run = async () => csv().fromString('id,name\\n1,alpha\\n2,beta');`;
    expect(JSON.parse((await run(source)).message)).toEqual([
      { id: '1', name: 'alpha' },
      { id: '2', name: 'beta' },
    ]);
  });

  it('jsonwebtoken signs and verifies (and refuses a wrong key)', async ({ expect }) => {
    const source = `const jwt = require('jsonwebtoken');
      exports.run = () => {
        const token = jwt.sign({ sub: 'sync' }, 'k3y', { algorithm: 'HS256', noTimestamp: true });
        let wrong = '';
        try { jwt.verify(token, 'other'); } catch (e) { wrong = e.message; }
        return { token, sub: jwt.verify(token, 'k3y').sub, wrong };
      };`;
    const out = JSON.parse((await run(source)).message) as { token: string; sub: string; wrong: string };
    expect(out.sub).toBe('sync');
    expect(out.wrong).toBe('invalid signature');
    // a real HS256 token: its signature checks out here too
    const [header = '', payload = '', signature] = out.token.split('.');
    expect(createHmac('sha256', 'k3y').update(`${header}.${payload}`).digest('base64url')).toBe(signature);
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))).toEqual({ sub: 'sync' });
  });

  it('crypto-js hashes and encrypts, also by file (crypto-js/sha256)', async ({ expect }) => {
    const source = `const CryptoJS = require('crypto-js'); const sha256 = require('crypto-js/sha256');
      exports.run = () => {
        const sealed = CryptoJS.AES.encrypt('secret text', 'pass').toString();
        return { sha: sha256('abc').toString(), hmac: CryptoJS.HmacSHA256('abc', 'k').toString(CryptoJS.enc.Hex).length,
                 back: CryptoJS.AES.decrypt(sealed, 'pass').toString(CryptoJS.enc.Utf8) };
      };`;
    expect(JSON.parse((await run(source)).message)).toEqual({
      sha: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      hmac: 64,
      back: 'secret text',
    });
  });

  it("uuid, and the seed's deep paths uuid/v1, uuid/v3, uuid/v4, uuid/v5", async ({ expect }) => {
    const source = `const uuid = require('uuid');
      const uuidv1 = require('uuid/v1'); const uuidv3 = require('uuid/v3');
      const uuidv4 = require('uuid/v4'); const uuidv5 = require('uuid/v5');
      exports.run = () => ({ plain: uuid.v4(), v1: uuidv1(), v3: uuidv3('hello', uuidv3.DNS), v4: uuidv4(), v5: uuidv5('hello', uuidv5.DNS) });`;
    const out = JSON.parse((await run(source)).message) as Record<string, string>;
    for (const value of Object.values(out)) expect(value).toMatch(UUID);
    expect(out.v1?.[14]).toBe('1');
    expect(out.v4?.[14]).toBe('4');
    expect(out.v5).toBe(uuidv5('hello', uuidv5.DNS));
    expect(out.v3).not.toBe(out.v5);
  });

  it('ESM: import of curated packages, a deep uuid path and a built-in', async ({ expect }) => {
    const source = `import _ from 'lodash'; import uuidv4 from 'uuid/v4'; import { createHash } from 'node:crypto'; import axios from 'axios';
      export async function run(args) {
        const { data } = await axios.get(args.arguments.url + '/esm');
        return [_.camelCase('job name'), typeof uuidv4(), createHash('sha256').update('abc').digest('hex').slice(0, 8), data.path].join(' ');
      }`;
    expect(await run(source, { arguments: { url: origin } })).toMatchObject({
      status: 'succeeded',
      message: 'jobName string ba7816bf /esm',
    });
  });

  it.for<[string, string, string]>([
    ['require', "const request = require('request'); exports.run = () => 'ran';", 'request'],
    [
      'require of a package the runner itself uses',
      "require('@aws-sdk/client-s3'); exports.run = () => 'ran';",
      '@aws-sdk/client-s3',
    ],
    [
      'require through a curated package',
      "require('lodash/../zod'); exports.run = () => 'ran';",
      'lodash/../zod',
    ],
    ['ESM import', "import fetch from 'node-fetch'; export const run = () => 'ran';", 'node-fetch'],
    [
      'ESM import of a file',
      "import x from 'file:///etc/hosts'; export const run = () => 'ran';",
      'file:///etc/hosts',
    ],
    [
      'import() from CommonJS',
      "exports.run = async () => { await import('aws-sdk'); return 'ran'; };",
      'aws-sdk',
    ],
    ['import() from ESM', "export const run = async () => { await import('zod'); return 'ran'; };", 'zod'],
  ])('a module not offered fails the run: %s', async ([, source, name], { expect }) => {
    expect(await run(source)).toMatchObject({
      status: 'failed',
      message: moduleNotAvailableMessage(name),
    });
  });

  it('import() from CommonJS of an offered package works', async ({ expect }) => {
    const source =
      "exports.run = async () => { const { default: _ } = await import('lodash'); const v4 = (await import('uuid/v4')).default; return _.kebabCase('A b') + ' ' + typeof v4(); };";
    expect(await run(source)).toMatchObject({ status: 'succeeded', message: 'a-b string' });
  });
});
