import { PermanentError } from '../../errors.ts';
import type { IntegrationState } from '../../sdk/index.ts';
import type { RunScope, ToolboxDeps, ToolboxTarget } from './index.ts';

const notYet = (): Promise<never> => Promise.reject(new PermanentError('ctx.state is not implemented yet'));

/** `ctx.state` of one run: the job's keys, over the StateStore. Stub of the seam: its owner fills it in. */
export const createState = (_deps: ToolboxDeps, _t: ToolboxTarget, _scope: RunScope): IntegrationState => ({
  get: notYet,
  getEntry: notYet,
  set: notYet,
  delete: notYet,
  list: notYet,
});
