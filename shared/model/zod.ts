import { config } from 'zod/mini';
import type { ZodMiniLazy } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// Every schema a Lambda bundle reaches is built with zod/mini and imports its
// functions from here. zod/mini is ~17 KiB and ~3 ms of module evaluation where
// classic zod is ~100 KiB and ~10 ms at every cold start, but it ships no locale:
// without this line every default message would read "Invalid input". English is
// the locale classic zod installs, so the messages users see stay word for word.
// (The CLI keeps classic zod for its own schemas; both share this one setting.)
config(en());

export * from 'zod/mini';

/**
 * The schema a model `lazy()` schema stands for, built on this first call and
 * kept: for what only an object schema has (`.shape`, `omit(…)`, `extend(…)`).
 *
 * @example
 * ```ts
 * const RunSummarySchema = omit(unlazy(RunSchema), { logs: true, event: true, output: true });
 * ```
 */
export const unlazy = <T extends ZodMiniLazy>(schema: T): T['_zod']['innerType'] => schema._zod.innerType;
