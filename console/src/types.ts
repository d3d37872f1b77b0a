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
export type { GlobalView } from '../../shared/model/global.ts';
/** A task as `GET /admin/jobs/{id}/tasks` lists it (the route's TaskView is this shape). */
export type { StoredTask as TaskView, TaskStatus } from '../../shared/model/tickets.ts';
export type { DeadLetterList, DeadLetterView, RedriveResult } from '../../shared/runtime/dlq.ts';
