import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { array, object, string } from 'zod';
import { errorMessage } from '../../shared/errors.ts';
import { admin } from '../../shared/runtime/admin.ts';
import type { Deps } from '../../shared/runtime/deps.ts';
import type { LocalSecretStore } from '../../shared/secrets/local-secret-store.ts';

/**
 * `<dataDir>/examples-seeded.json`: the example jobs this data folder has had.
 * An example is created once; a job the user deleted (or changed) stays so at
 * the next start. An example added in a later version is created then.
 */
export const SEEDED_FILE = 'examples-seeded.json';

const SeededSchema = object({ seeded: array(string()) });

const readSeeded = async (dataDir: string): Promise<Set<string>> => {
  try {
    const parsed = SeededSchema.safeParse(JSON.parse(await readFile(join(dataDir, SEEDED_FILE), 'utf8')));
    return new Set(parsed.success ? parsed.data.seeded : []);
  } catch {
    // Absent (a first start) or unreadable: nothing recorded. Existing jobs are still never replaced.
    return new Set();
  }
};

const writeSeeded = async (dataDir: string, seeded: ReadonlySet<string>): Promise<void> => {
  const path = join(dataDir, SEEDED_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ seeded: [...seeded].sort() }, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
};

export interface SeedResult {
  /** Example jobs created at this start. */
  created: string[];
  /** Example jobs that exist now (created at this start or before), in file order. */
  present: string[];
}

/**
 * Creates each example job of `dir` (`*.json`, sorted) that this data folder
 * never had, with its secret (random, in the secret store); records it as
 * seeded. A job that already exists under that id is kept as it is and
 * recorded too. An example that fails to load is reported and tried again at
 * the next start.
 */
export const seedExampleJobs = async (
  deps: Deps,
  secrets: LocalSecretStore,
  dataDir: string,
  dir: string,
  print: (line: string) => void,
): Promise<SeedResult> => {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return { created: [], present: [] };
  }
  const seeded = await readSeeded(dataDir);
  const before = seeded.size;
  const result: SeedResult = { created: [], present: [] };
  for (const file of files) {
    try {
      const body = JSON.parse(await readFile(join(dir, file), 'utf8')) as unknown;
      const id =
        typeof body === 'object' && body !== null && 'id' in body
          ? String(body.id)
          : file.replace(/\.json$/, '');
      const existing = await deps.jobs.get(id);
      if (existing !== undefined) {
        if (existing.auth !== undefined) await secrets.ensureSecret(existing.auth.secret);
        seeded.add(id);
        result.present.push(id);
        continue;
      }
      if (seeded.has(id)) continue; // deleted by the user: stays deleted
      // Not checked with its target (a ticket job's `validate`): an example's target is rarely up
      // when the stack first starts (a mock, a URL to edit); `jobs apply` checks it when applied again.
      const { job } = await admin.putJob(deps, id, body, { verify: false });
      if (job.auth !== undefined) await secrets.ensureSecret(job.auth.secret);
      seeded.add(job.id);
      result.created.push(job.id);
      result.present.push(job.id);
    } catch (e) {
      print(`example job ${file} not loaded: ${errorMessage(e)}`);
    }
  }
  if (seeded.size !== before) await writeSeeded(dataDir, seeded);
  return result;
};
