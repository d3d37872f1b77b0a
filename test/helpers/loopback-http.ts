import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';
import { afterEach } from 'vitest';

/** One request as the loopback server received it. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type LoopbackHandler = (req: Received, res: ServerResponse, index: number) => void | Promise<void>;

export interface Loopback {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** `127.0.0.1:<port>` */
  host: string;
  readonly received: Received[];
  /** Connections whose socket closed before an answer was sent. */
  readonly abandoned: number;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 (a free port) that records every request and answers with `handler`. */
export const startLoopback = async (handler: LoopbackHandler): Promise<Loopback> => {
  const received: Received[] = [];
  let abandoned = 0;
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
      received.push(r);
      res.on('close', () => {
        if (!res.writableFinished) abandoned++;
      });
      void Promise.resolve(handler(r, res, received.length - 1)).catch((e: unknown) => {
        res.statusCode = 500;
        res.end(String(e));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    received,
    get abandoned() {
      return abandoned;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** A JSON answer. */
export const json = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

/** A forward proxy on 127.0.0.1 (absolute-form requests and CONNECT tunnels) that counts what it carries. */
export const startForwardProxy = async (): Promise<{
  port: number;
  seen: { line: string; auth?: string }[];
  close(): Promise<void>;
}> => {
  const seen: { line: string; auth?: string }[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    seen.push({ line: `${req.method} ${req.url}`, auth: req.headers['proxy-authorization'] });
    const target = new URL(req.url ?? '');
    const up = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: req.method,
        headers: req.headers,
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    req.pipe(up);
  });
  server.on('connection', (s: Socket) => sockets.add(s));
  server.on('connect', (req, socket: Socket, head: Buffer) => {
    seen.push({ line: `CONNECT ${req.url}`, auth: req.headers['proxy-authorization'] });
    const [host, port] = (req.url ?? '').split(':');
    const up = connect(Number(port), host ?? '', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    sockets.add(up);
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const proxy = {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return proxy;
};

/**
 * For a test file: `serve` starts a loopback server that is closed after the
 * test; anything else pushed on `open` (a proxy) is closed with it.
 */
export const loopbacksClosedAfterEach = (): {
  open: { close(): Promise<void> }[];
  serve: (handler: LoopbackHandler) => Promise<Loopback>;
} => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((o) => o.close()));
  });
  const serve = async (handler: LoopbackHandler): Promise<Loopback> => {
    const server = await startLoopback(handler);
    open.push(server);
    return server;
  };
  return { open, serve };
};
