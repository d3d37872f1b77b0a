// The shapes the admin API answers with, from the server's own definitions (types only:
// nothing of the server is bundled).
export type { ConsoleAuth, ConsoleSettings } from '../../shared/http/console-app.ts';
export type { JobGridItem, NextRun } from '../../shared/runtime/admin.ts';
export type {
  IntegrationManifest,
  Job,
  LogLine,
  ParameterSpec,
  Run,
  RunStatus,
  RunSummary,
  Schedule,
} from '../../shared/model/index.ts';

/** A page of an admin listing. */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}
export type { NotificationView } from '../../shared/model/notification.ts';
export type { ScriptVersion } from '../../shared/ports.ts';
