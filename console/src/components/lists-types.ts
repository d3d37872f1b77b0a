// The shapes the tasks, globals and dead-letter routes answer with, from the server's own
// definitions (types only: nothing of the server is bundled). Beside console/src/types.ts
// (the coordinator's) so that parallel pages do not edit one export list.
export type { GlobalView } from '../../../shared/model/global.ts';
/** A task as `GET /admin/jobs/{id}/tasks` lists it (the route's TaskView is this shape). */
export type { StoredTask as TaskView, TaskStatus } from '../../../shared/model/tickets.ts';
export type { DeadLetterList, DeadLetterView, RedriveResult } from '../../../shared/runtime/dlq.ts';
