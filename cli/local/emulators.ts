import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { buildApp } from 'fauxqs';

export interface EmulatorOptions {
  /** Folder for dynalite's LevelDB (`<dataDir>/dynamodb`); in memory when absent. fauxqs is always in memory. */
  dataDir?: string;
  /** Loopback only: the emulators accept any credentials. @default '127.0.0.1' */
  host?: '127.0.0.1';
  /** @default 0 (a free port) */
  dynamodbPort?: number;
  /** SQS and S3 (fauxqs serves both). @default 0 (a free port) */
  sqsPort?: number;
}

export interface Emulators {
  dynamodbEndpoint: string;
  sqsEndpoint: string;
  /** The same server as SQS. */
  s3Endpoint: string;
  stop(): Promise<void>;
}

const listen = (server: Server, port: number, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error('dynalite: no TCP address'));
        return;
      }
      resolve((address satisfies AddressInfo).port);
    });
  });

const close = (server: Server): Promise<void> =>
  new Promise((resolve, reject) => {
    // Keep-alive sockets of SDK clients would hold close() open.
    server.closeAllConnections();
    server.close((err) => (err ? reject(err) : resolve()));
  });

/**
 * Starts DynamoDB (dynalite) and SQS + S3 (fauxqs) in this process, on
 * loopback. Both start in well under a second.
 */
export const startEmulators = async (options: EmulatorOptions = {}): Promise<Emulators> => {
  const host = options.host ?? '127.0.0.1';
  const dynamo = dynalite(
    options.dataDir === undefined
      ? { createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }
      : { path: join(options.dataDir, 'dynamodb'), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 },
  );
  const dynamoPort = await listen(dynamo, options.dynamodbPort ?? 0, host);

  // startFauxqs() listens on 0.0.0.0; building its app keeps it on loopback.
  const fauxqs = buildApp({ logger: false });
  let fauxqsAddress: string;
  try {
    fauxqsAddress = await fauxqs.listen({ host, port: options.sqsPort ?? 0 });
  } catch (e) {
    await close(dynamo);
    throw e;
  }
  const fauxqsPort = new URL(fauxqsAddress).port;

  let stopped: Promise<void> | undefined;
  return {
    dynamodbEndpoint: `http://${host}:${dynamoPort}`,
    sqsEndpoint: `http://${host}:${fauxqsPort}`,
    s3Endpoint: `http://${host}:${fauxqsPort}`,
    stop: () => {
      stopped ??= Promise.all([close(dynamo), fauxqs.close()]).then(() => undefined);
      return stopped;
    },
  };
};
