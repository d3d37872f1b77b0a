import { array, iso, lazy, object, record, string, unknown, enum as zEnum } from 'zod';
import type { infer as Infer } from 'zod';

/** A management object as reported by `show-changes` (only what we rely on is named). */
export const CheckPointObjectSchema = lazy(() =>
  object({
    uid: string(),
    name: string().optional(),
    type: string(),
    comments: string().optional(),
  }).loose(),
);
export type CheckPointObject = Infer<typeof CheckPointObjectSchema>;

export const CHECKPOINT_TRIGGERS = ['before-publish', 'after-publish', 'after-install-policy'] as const;

/**
 * The normalized Check Point SmartTask event (`event.session`): the publish
 * session and its changes flattened across every session in the show-changes
 * answer, or the install-policy task.
 */
export const CheckPointSessionSchema = lazy(() =>
  object({
    trigger: zEnum(CHECKPOINT_TRIGGERS),
    sessionUid: string().optional(),
    sessionName: string().optional(),
    /** When the session was published (After Publish; show-changes `publish-time`), ISO-8601. */
    publishTime: iso.datetime({ offset: true }).optional(),
    /** The publishing (or installing) administrator. */
    userName: string().optional(),
    domain: object({
      uid: string().optional(),
      name: string().optional(),
      type: string().optional(),
    }).optional(),
    /**
     * What the publish adds, modifies and deletes. Absent when the payload
     * carries no change set — Check Point leaves `operations` out when its
     * management API server is unavailable, and install-policy data has none:
     * absent means "unknown", never "no changes" (that is three empty lists).
     */
    changes: object({
      added: array(CheckPointObjectSchema),
      modified: array(object({ old: CheckPointObjectSchema.optional(), new: CheckPointObjectSchema })),
      deleted: array(CheckPointObjectSchema),
    }).optional(),
    installPolicy: object({
      packageName: string().optional(),
      targets: array(string()).default([]),
      result: string().optional(),
    }).optional(),
    /** The SmartTask's Custom Data, as configured. */
    customData: record(string(), unknown()).default({}),
  }),
);
export type CheckPointSession = Infer<typeof CheckPointSessionSchema>;
