import {
  _default,
  array,
  iso,
  lazy,
  looseObject,
  object,
  optional,
  record,
  string,
  unknown,
  enum as zEnum,
} from './zod.ts';
import type { infer as Infer } from './zod.ts';

/** A management object as reported by `show-changes` (only what we rely on is named). */
export const CheckPointObjectSchema = lazy(() =>
  looseObject({
    uid: string(),
    name: optional(string()),
    type: string(),
    comments: optional(string()),
  }),
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
    sessionUid: optional(string()),
    sessionName: optional(string()),
    /** When the session was published (After Publish; show-changes `publish-time`), ISO-8601. */
    publishTime: optional(iso.datetime({ offset: true })),
    /** The publishing (or installing) administrator. */
    userName: optional(string()),
    domain: optional(
      object({
        uid: optional(string()),
        name: optional(string()),
        type: optional(string()),
      }),
    ),
    /**
     * What the publish adds, modifies and deletes. Absent when the payload
     * carries no change set — Check Point leaves `operations` out when its
     * management API server is unavailable, and install-policy data has none:
     * absent means "unknown", never "no changes" (that is three empty lists).
     */
    changes: optional(
      object({
        added: array(CheckPointObjectSchema),
        modified: array(object({ old: optional(CheckPointObjectSchema), new: CheckPointObjectSchema })),
        deleted: array(CheckPointObjectSchema),
      }),
    ),
    installPolicy: optional(
      object({
        packageName: optional(string()),
        targets: _default(array(string()), []),
        result: optional(string()),
      }),
    ),
    /** The SmartTask's Custom Data, as configured. */
    customData: _default(record(string(), unknown()), {}),
  }),
);
export type CheckPointSession = Infer<typeof CheckPointSessionSchema>;
