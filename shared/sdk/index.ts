/**
 * The integration SDK: what integration code imports.
 *
 * @example
 * ```ts
 * import { defineIntegration } from '../../shared/sdk/index.ts';
 * ```
 */
export { defineIntegration, isIntegration, parseManifest } from './define-integration.ts';
export type { IntegrationDefinition } from './define-integration.ts';
export { checkJobParams, paramsSchema, resolveParams } from './params.ts';
export type { ParamsMode, ResolvedParams } from './params.ts';
export {
  DEFAULT_MAX_LINE_BYTES,
  DEFAULT_MAX_LOG_BYTES,
  DEFAULT_MAX_LOG_LINES,
  REDACTED,
  RunLogger,
  redact,
} from './run-logger.ts';
export type { RunLoggerOptions } from './run-logger.ts';
export { CUT_MARK, clip, cutText, MAX_QUOTED_CHARS, quote } from './text.ts';
export { compilePattern, MAX_PATTERN_LENGTH, patternProblem } from './pattern.ts';
export type { Pattern } from './pattern.ts';
export { createRegistry } from './registry.ts';
export type { IntegrationFolder, IntegrationRegistry } from './registry.ts';
export type {
  AnyIntegration,
  Checkpoint,
  DecideResult,
  EffectFn,
  EffectOptions,
  Integration,
  IntegrationLogger,
  IntegrationState,
  Notifier,
  ParamsOf,
  PendingEffect,
  RunContext,
  RunResult,
  StateEntry,
} from './types.ts';
export type { HttpClient, PaginateOptions, PaginationStyle } from '../outbound/types.ts';
export { SYNC_BATCH } from './tickets.ts';
export type {
  CreateTaskInput,
  TargetWebhook,
  TicketContext,
  TicketPlugin,
  UpdateTaskInput,
  ValidationResult,
} from './tickets.ts';
// Integrations catch these by class (`instanceof`), so they are part of the SDK.
export {
  EffectBusyError,
  EffectInDoubtError,
  EgressRefusedError,
  PermanentError,
  RunDeferredError,
  StateConflictError,
  StateLimitError,
} from '../errors.ts';
export type { EffectHolder, StateLimit } from '../errors.ts';
export { defineEnricher, ENRICHER_ID, enrichersOfFiles, isEnricher } from './enrichers.ts';
export type {
  Enricher,
  EnricherContext,
  EnricherDefinition,
  EnricherFile,
  EnricherOutput,
  TicketAddress,
  TicketInfo,
  TicketRequest,
  TicketService,
} from './enrichers.ts';
