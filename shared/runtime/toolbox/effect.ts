import { PermanentError } from '../../errors.ts';
import type { EffectInDoubtError } from '../../errors.ts';
import type { EffectFn } from '../../sdk/index.ts';
import type { RunScope, ToolboxDeps, ToolboxTarget } from './index.ts';
import type { PlatformNotify } from './notifier.ts';

/**
 * `ctx.effect` of one run, over the EffectLedger; `inDoubt` answers the
 * in-doubt error it met, if any (the run then fails permanently). Stub of
 * the seam: its owner fills it in.
 */
export const createEffect = (
  _deps: ToolboxDeps,
  _t: ToolboxTarget,
  _scope: RunScope,
  _notify: PlatformNotify,
): { effect: EffectFn; inDoubt: () => EffectInDoubtError | undefined } => ({
  effect: () => Promise.reject(new PermanentError('ctx.effect is not implemented yet')),
  inDoubt: () => undefined,
});
