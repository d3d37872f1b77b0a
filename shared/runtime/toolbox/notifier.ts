import type { NotificationKind, Severity } from '../../ports.ts';
import type { Notifier } from '../../sdk/index.ts';
import type { RunScope, ToolboxDeps, ToolboxTarget } from './index.ts';

/** A platform notification: redacted, stored, and published when it is an error. */
export interface PlatformNotification {
  jobId: string;
  runId?: string;
  kind: NotificationKind;
  severity: Severity;
  message: string;
}

/** Raises a platform notification of the run (redacted); never rejects. */
export type PlatformNotify = (kind: NotificationKind, severity: Severity, message: string) => Promise<void>;

/**
 * `ctx.notifier` of one run, the run's platform notifications, and `settle`
 * (awaits what is still being written). Stub of the seam: notifications go
 * to the run log only; its owner fills it in.
 */
export const createNotifier = (
  _deps: ToolboxDeps,
  _t: ToolboxTarget,
  scope: RunScope,
): { notifier: Notifier; platformNotify: PlatformNotify; settle: () => Promise<void> } => {
  const write = (severity: Severity, message: string): Promise<void> => {
    scope.logger[severity](`notification: ${message}`);
    return Promise.resolve();
  };
  return {
    notifier: {
      info: (message) => write('info', message),
      warn: (message) => write('warn', message),
      error: (message) => write('error', message),
    },
    platformNotify: (_kind, severity, message) => write(severity, message),
    settle: () => Promise.resolve(),
  };
};

/** Raises a platform notification outside a run's toolbox. Stub of the seam (a no-op): its owner fills it in. */
export const raisePlatform = (_deps: ToolboxDeps, _n: PlatformNotification): Promise<void> =>
  Promise.resolve();
