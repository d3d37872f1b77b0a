import { z } from 'zod';

/** A management object as reported by `show-changes` (only what we rely on is named). */
export const CheckPointObjectSchema = z
  .object({
    uid: z.string(),
    name: z.string().optional(),
    type: z.string(),
    comments: z.string().optional(),
  })
  .loose();
export type CheckPointObject = z.infer<typeof CheckPointObjectSchema>;

export const CHECKPOINT_TRIGGERS = ['before-publish', 'after-publish', 'after-install-policy'] as const;

/**
 * The normalized Check Point SmartTask event (`event.session`): the publish
 * session and its changes flattened across every session in the show-changes
 * answer, or the install-policy task.
 */
export const CheckPointSessionSchema = z.object({
  trigger: z.enum(CHECKPOINT_TRIGGERS),
  sessionUid: z.string().optional(),
  sessionName: z.string().optional(),
  /** When the session was published (After Publish; show-changes `publish-time`), ISO-8601. */
  publishTime: z.iso.datetime({ offset: true }).optional(),
  /** The publishing (or installing) administrator. */
  userName: z.string().optional(),
  domain: z
    .object({ uid: z.string().optional(), name: z.string().optional(), type: z.string().optional() })
    .optional(),
  changes: z.object({
    added: z.array(CheckPointObjectSchema),
    modified: z.array(z.object({ old: CheckPointObjectSchema.optional(), new: CheckPointObjectSchema })),
    deleted: z.array(CheckPointObjectSchema),
  }),
  installPolicy: z
    .object({
      packageName: z.string().optional(),
      targets: z.array(z.string()).default([]),
      result: z.string().optional(),
    })
    .optional(),
  /** The SmartTask's Custom Data, as configured. */
  customData: z.record(z.string(), z.unknown()).default({}),
});
export type CheckPointSession = z.infer<typeof CheckPointSessionSchema>;
