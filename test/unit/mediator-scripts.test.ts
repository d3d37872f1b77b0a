import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateMediatorScript } from '../../cli/mediator/generate.ts';
import type { MediatorKind, MediatorLang } from '../../cli/mediator/generate.ts';

// Runs the generated scripts for real, with bash + curl and python3, against a
// local HTTP server standing in for triggerhub's POST /hooks/{jobId}.

const has = (cmd: string, arg: string): boolean => spawnSync(cmd, [arg], { stdio: 'ignore' }).status === 0;
const interpreters: Record<MediatorLang, boolean> = {
  bash: has('bash', '--version') && has('curl', '--version'),
  python: has('python3', '--version'),
};

const TICKET_XML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<ticket_info>
  <id>64</id>
  <subject>Ouvrir le port 443 – équipe « réseau »</subject>
  <current_stage><id>253</id><name>Risk review</name></current_stage>
</ticket_info>
`;
const SECRET = 's3cr3t-value_with/odd+chars=';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Answer {
  status: number;
  body: string;
  contentType?: string;
}

let server: Server;
let baseUrl: string;
let answer: Answer;
let received: Received[] = [];
let dir: string;
let secretFile: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A quote and a space in the path: the scripts must quote it correctly.
  dir = await mkdtemp(join(tmpdir(), "triggerhub mediator's-"));
  secretFile = join(dir, 'job.secret');
  await writeFile(secretFile, `${SECRET}\n`, { mode: 0o600 });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  received = [];
  answer = { status: 202, body: '{"runId":"r1","deliveryId":"d1","status":"queued"}' };
});

interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const writeScript = async (
  kind: MediatorKind,
  lang: MediatorLang,
  options: { url?: string; secretFile?: string } = {},
) => {
  const script = generateMediatorScript({
    jobId: 'sc-job',
    kind,
    lang,
    url: options.url ?? baseUrl,
    secretHeader: 'X-Shared-Secret',
    secretFile: options.secretFile ?? secretFile,
  });
  const file = join(
    dir,
    `${kind}-${lang}-${Math.random().toString(36).slice(2)}.${lang === 'bash' ? 'sh' : 'py'}`,
  );
  await writeFile(file, script);
  await chmod(file, 0o755);
  return file;
};

/** Runs a script as SecureChange would: XML on stdin, SCW_EVENT in the environment, no proxy settings. */
const runScript = (
  lang: MediatorLang,
  file: string,
  env: Record<string, string> = { SCW_EVENT: 'ADVANCE' },
) =>
  new Promise<ScriptResult>((resolve, reject) => {
    const child = spawn(lang === 'bash' ? 'bash' : 'python3', [file], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    // A script that stops early (no secret file) exits before reading its
    // input, and writing to the closed pipe fails with EPIPE. That is its right;
    // what a script that does read received is checked on the server side.
    child.stdin.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') reject(e);
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(TICKET_XML);
  });

const closedPortUrl = async (): Promise<string> => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
};

const KINDS: MediatorKind[] = ['trigger', 'validation', 'risk', 'assignment'];
const LANGS: MediatorLang[] = ['bash', 'python'];

describe.each(LANGS)('%s mediator script', (lang) => {
  describe.skipIf(!interpreters[lang])('runs', () => {
    it.each(KINDS)(
      '%s: POSTs the ticket XML with the event and the secret read from the file',
      async (kind) => {
        // Prepare
        answer =
          kind === 'trigger'
            ? { status: 202, body: '{"runId":"r1","deliveryId":"d1","status":"queued"}' }
            : kind === 'assignment'
              ? { status: 200, body: '<tasks/>', contentType: 'application/xml' }
              : { status: 200, body: '{"result":"success","message":"ok","runId":"r1"}' };
        const file = await writeScript(kind, lang);

        // Act
        const result = await runScript(lang, file);

        // Assess
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        expect(received).toHaveLength(1);
        const request = received[0]!;
        expect(request.method).toBe('POST');
        expect(request.url).toBe('/hooks/sc-job');
        expect(request.body).toBe(TICKET_XML);
        expect(request.headers['content-type']).toBe('application/xml');
        expect(request.headers['x-scw-event']).toBe('ADVANCE');
        expect(request.headers['x-shared-secret']).toBe(SECRET);
      },
    );

    it('sends no X-SCW-Event header when SCW_EVENT is not set', async () => {
      // Prepare
      const file = await writeScript('trigger', lang);

      // Act
      const result = await runScript(lang, file, {});

      // Assess
      expect(result.code).toBe(0);
      expect(received[0]?.headers).not.toHaveProperty('x-scw-event');
    });

    it.each(KINDS)('%s: a non-2xx answer is an error with the server message', async (kind) => {
      // Prepare
      answer = { status: 401, body: '{"error":"unauthorized","message":"missing or wrong secret"}' };
      const file = await writeScript(kind, lang);

      // Act
      const result = await runScript(lang, file);

      // Assess
      expect(result.code).toBe(4);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `triggerhub: HTTP 401 from ${baseUrl}/hooks/sc-job: missing or wrong secret\n`,
      );
    });

    it.each(KINDS)('%s: an unreachable triggerhub is an error', async (kind) => {
      // Prepare
      const url = await closedPortUrl();
      const file = await writeScript(kind, lang, { url });

      // Act
      const result = await runScript(lang, file);

      // Assess
      expect(result.code).toBe(3);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`triggerhub: cannot reach ${url}/hooks/sc-job`);
    });

    it('trigger: exits non-zero on a 5xx, so SecureChange tries again', async () => {
      // Prepare
      answer = { status: 503, body: '{"error":"unavailable","message":"queue unavailable"}' };
      const file = await writeScript('trigger', lang);

      // Act
      const result = await runScript(lang, file);

      // Assess
      expect(result.code).toBe(4);
      expect(result.stderr).toBe(`triggerhub: HTTP 503 from ${baseUrl}/hooks/sc-job: queue unavailable\n`);
    });

    it.each(['validation', 'risk'] as const)(
      '%s: a failure verdict exits 1 with its message on stderr',
      async (kind) => {
        // Prepare
        answer = {
          status: 200,
          body: JSON.stringify({
            result: 'failure',
            message: 'rule "12" has no comment – see C:\\rules/12',
            runId: 'r9',
          }),
        };
        const file = await writeScript(kind, lang);

        // Act
        const result = await runScript(lang, file);

        // Assess
        expect(result.code).toBe(1);
        expect(result.stdout).toBe('');
        expect(result.stderr).toBe('rule "12" has no comment – see C:\\rules/12\n');
      },
    );

    it('validation: a 202 (an async job) is an error that says to make it a decision job', async () => {
      // Prepare
      const file = await writeScript('validation', lang);

      // Act
      const result = await runScript(lang, file);

      // Assess
      expect(result.code).toBe(4);
      expect(result.stderr).toContain('make the job a decision job');
    });

    it('risk: an answer without a result is an error', async () => {
      // Prepare
      answer = { status: 200, body: '{"ok":true}' };
      const file = await writeScript('risk', lang);

      // Act
      const result = await runScript(lang, file);

      // Assess
      expect(result.code).toBe(4);
      expect(result.stderr).toBe(
        `triggerhub: unexpected answer from ${baseUrl}/hooks/sc-job (HTTP 200): no "result"\n`,
      );
    });

    it('assignment: prints the XML answer on stdout', async () => {
      // Prepare
      const xml =
        '<tasks>\n  <task>\n    <name>Firewall team – 1</name>\n    <participants><participant_username>a.b</participant_username></participants>\n' +
        '    <assignment><assignment_mode>self</assignment_mode></assignment>\n  </task>\n</tasks>';
      answer = { status: 200, body: `${xml}\n`, contentType: 'application/xml' };
      const file = await writeScript('assignment', lang);

      // Act
      const result = await runScript(lang, file);

      // Assess
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`${xml}\n`);
      expect(result.stderr).toBe('');
    });

    it('assignment: a JSON answer instead of the XML is an error, and nothing goes to stdout', async () => {
      // Prepare
      answer = { status: 200, body: '{"result":"success","message":"ok","runId":"r1"}' };
      const file = await writeScript('assignment', lang);

      // Act
      const result = await runScript(lang, file);

      // Assess
      expect(result.code).toBe(4);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `triggerhub: unexpected answer from ${baseUrl}/hooks/sc-job (HTTP 200): expected 200 with the assignment XML\n`,
      );
    });

    it('exits 2 without calling triggerhub when the secret file cannot be read', async () => {
      // Prepare
      const file = await writeScript('trigger', lang, { secretFile: join(dir, 'missing.secret') });

      // Act
      const result = await runScript(lang, file);

      // Assess
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        `triggerhub: cannot read the secret file ${join(dir, 'missing.secret')}`,
      );
      expect(received).toHaveLength(0);
    });
  });
});
