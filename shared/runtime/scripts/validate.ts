import { ValidationError } from '../../errors.ts';
import type { Job } from '../../model/index.ts';
import type { Deps } from '../deps.ts';

/**
 * A script job may be saved only for a script that exists, and, when it pins
 * a version, one that exists: caught when the job is applied rather than on
 * its first run. Jobs that run an integration pass untouched.
 */
export const checkScriptExists = async (deps: Pick<Deps, 'scripts'>, job: Job): Promise<void> => {
  const script = job.script;
  if (script === undefined) return;
  const latest = await deps.scripts.get(script.id);
  if (latest === undefined) {
    throw new ValidationError(
      `invalid job: script: no script "${script.id}" (upload it first: PUT /admin/scripts/${script.id})`,
    );
  }
  if (script.version !== undefined && script.version > latest.version) {
    throw new ValidationError(
      `invalid job: script.version: script "${script.id}" has no version ${script.version} (latest: ${latest.version})`,
    );
  }
};
