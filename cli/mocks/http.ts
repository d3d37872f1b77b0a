import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What the target mocks of `triggerhub mock` (and the tests) share: the
 * vendored samples they answer with, a loopback listener, and JSON answers.
 * Nothing here imports vitest or test code: the CLI runs it.
 */

/** The repository root (this file is `cli/mocks/http.ts`). */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/**
 * The real responses the mocks answer with live with the test fixtures
 * (test/fixtures/samples, sources in test/fixtures/PROVENANCE.md): a clone
 * has them, so `triggerhub mock` works from any checkout.
 */
const SAMPLES_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'samples');

/** A sample file as text, by its path under `test/fixtures/samples`. */
export const readSample = (relativePath: string): string =>
  readFileSync(path.join(SAMPLES_DIR, relativePath), 'utf8');

export const readSampleJson = (relativePath: string): unknown => JSON.parse(readSample(relativePath));

/** One request as a mock received it. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Where a mock listens: always 127.0.0.1; `port` 0 (the default) asks the OS for a free one. */
export interface ListenOptions {
  /** @default 0 */
  port?: number;
  /** Told of every answer, as `POST /rest/api/3/issue → 201` (`triggerhub mock` prints these). */
  onAnswer?: (line: string) => void;
}

/**
 * The port is taken: what `triggerhub mock` says instead of the raw
 * EADDRINUSE (and tests recognise).
 */
export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} on 127.0.0.1 is in use: choose another with --port <n>`);
    this.name = 'PortInUseError';
  }
}

/** Listens on 127.0.0.1:`port` and answers the origin (`http://127.0.0.1:<port>`). */
export const listenLoopback = async (
  server: Server,
  { port = 0, onAnswer }: ListenOptions = {},
): Promise<string> => {
  if (onAnswer !== undefined) {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      res.on('finish', () => onAnswer(`${req.method ?? ''} ${path} → ${res.statusCode}`));
    });
  }
  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      reject(e.code === 'EADDRINUSE' ? new PortInUseError(port) : e);
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/** Closes the server, dropping kept-alive connections (a stack's HTTP client keeps them). */
export const closeServer = (server: Server): Promise<void> =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/** An HTTP server on 127.0.0.1 that records every request but the control ones and answers with `handler`. */
export const startLoopback = async (
  handler: (req: Received, res: ServerResponse) => void | Promise<void>,
  options: ListenOptions = {},
): Promise<{ origin: string; received: Received[]; close(): Promise<void> }> => {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      // A person's control calls are not the target's traffic: tests count that.
      if (!r.url.startsWith(CONTROL_PREFIX)) received.push(r);
      void Promise.resolve(handler(r, res)).catch((e: unknown) => {
        res.statusCode = 500;
        res.end(String(e));
      });
    });
  });
  const origin = await listenLoopback(server, options);
  return { origin, received, close: () => closeServer(server) };
};

/** A JSON answer. */
export const json = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

/** The control routes every mock serves beside the target's API (never behind its auth, never recorded). */
export const CONTROL_PREFIX = '/_mock/';

/**
 * A control request: `GET /_mock/state`, or `POST /_mock/<things>/<id>/<action>`.
 * Answers undefined for any other path (the target's API).
 */
export const controlOf = (
  method: string,
  pathname: string,
): { kind: 'state' } | { kind: 'action'; things: string; id: string; action: string } | undefined => {
  if (!pathname.startsWith(CONTROL_PREFIX)) return undefined;
  if (method === 'GET' && pathname === '/_mock/state') return { kind: 'state' };
  const m = /^\/_mock\/([a-z]+)\/([^/]+)\/([a-z]+)$/.exec(pathname);
  if (method === 'POST' && m !== null) {
    return { kind: 'action', things: m[1] ?? '', id: decodeURIComponent(m[2] ?? ''), action: m[3] ?? '' };
  }
  return { kind: 'action', things: '', id: '', action: '' };
};

/** The text of an Atlassian Document (its text nodes, paragraphs on lines of their own). */
export const adfText = (doc: unknown): string => {
  const walk = (node: unknown): string => {
    if (typeof node !== 'object' || node === null) return '';
    const n = node as { type?: unknown; text?: unknown; content?: unknown };
    if (typeof n.text === 'string') return n.text;
    if (n.type === 'hardBreak') return '\n';
    const inner = Array.isArray(n.content) ? n.content.map(walk) : [];
    return n.type === 'doc' ? inner.join('\n') : inner.join('');
  };
  return walk(doc);
};
