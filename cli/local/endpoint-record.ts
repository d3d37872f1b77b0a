import { readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { iso, number, object, url } from 'zod';
import type { infer as Infer } from 'zod';

/**
 * The local stack's data folder: `TRIGGERHUB_DATA_DIR`, else `.triggerhub` under
 * `cwd`. `npm start` and every CLI command resolve it the same way, so the CLI
 * run in the same project (or with the same `TRIGGERHUB_DATA_DIR`) finds the
 * stack's endpoint and secrets.
 */
export const DEFAULT_DATA_DIR = '.triggerhub';

export const localDataDir = (env: NodeJS.ProcessEnv, cwd: string = process.cwd()): string =>
  resolve(cwd, env.TRIGGERHUB_DATA_DIR || DEFAULT_DATA_DIR);

/** `<dataDir>/endpoint.json`, written by `npm start` once it listens and removed when it stops. */
export const ENDPOINT_FILE = 'endpoint.json';

const EndpointRecordSchema = object({
  url: url({ protocol: /^https?$/ }),
  pid: number().int().positive(),
  startedAt: iso.datetime(),
});
export type EndpointRecord = Infer<typeof EndpointRecordSchema>;

export const endpointRecordPath = (dataDir: string): string => join(dataDir, ENDPOINT_FILE);

/** Whether a process with this id exists; EPERM means it does, but belongs to someone else. */
export const processIsAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e instanceof Error && 'code' in e && e.code === 'EPERM';
  }
};

/** Written to a temporary file then renamed: a reader never sees half a record. */
export const writeEndpointRecord = async (dataDir: string, record: EndpointRecord): Promise<void> => {
  const path = endpointRecordPath(dataDir);
  const tmp = `${path}.${record.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
};

/** Removes the record if it is this process's (a later start's record is left alone). */
export const removeEndpointRecord = async (dataDir: string, pid: number = process.pid): Promise<void> => {
  const current = readRecord(dataDir);
  if (current !== undefined && current.pid !== pid) return;
  await rm(endpointRecordPath(dataDir), { force: true });
};

const readRecord = (dataDir: string): EndpointRecord | undefined => {
  let text: string;
  try {
    text = readFileSync(endpointRecordPath(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = EndpointRecordSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The endpoint of the stack `npm start` runs on this data folder, or undefined
 * when there is none: no record, an unreadable one, or one left by a process
 * that is gone (killed without cleaning up). Synchronous: the CLI resolves its
 * endpoint while parsing options.
 */
export const readEndpointRecord = (
  dataDir: string,
  isAlive: (pid: number) => boolean = processIsAlive,
): EndpointRecord | undefined => {
  const record = readRecord(dataDir);
  return record !== undefined && isAlive(record.pid) ? record : undefined;
};
