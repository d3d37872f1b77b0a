import type * as Powertools from '@aws-lambda-powertools/logger';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel, LogLine } from '../model/index.ts';
import { formatLogLine } from '../model/index.ts';
import { lazyModule } from '../lazy-require.ts';
import type { Clock } from '../ports.ts';
import type { Redactor } from './redaction.ts';
import { createRedactor } from './redaction.ts';
import { cutText } from './text.ts';
import type { IntegrationLogger } from './types.ts';

// Redaction lives in redaction.ts; these stay importable from here as before.
export { REDACTED, redact } from './redaction.ts';

// A script's console.log/dir/trace lines go out at INFO (trace at DEBUG), and keep their own level in the run log.
const POWERTOOLS_METHOD = {
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
  LOG: 'info',
  DIR: 'info',
  TRACE: 'debug',
} as const;

/** The parent of every run logger unless one is injected (Powertools: one logger per module). */
let defaultParent: Logger | undefined;
/** Loaded with the first default parent only: the platform's run loggers get theirs injected (see LAZY_PACKAGES). */
const powertools = lazyModule<typeof Powertools>('@aws-lambda-powertools/logger');
const parentLogger = (): Logger =>
  (defaultParent ??= new (powertools().Logger)({ serviceName: 'triggerhub' }));

const KIB = 1024;
/**
 * Default caps of a run's kept log: lines, and bytes of the rendered text.
 *
 * @example
 * ```ts
 * new RunLogger({ runId, jobId, clock, maxLines: DEFAULT_MAX_LOG_LINES * 2, maxBytes: DEFAULT_MAX_LOG_BYTES });
 * ```
 */
export const DEFAULT_MAX_LOG_LINES = 500;
/** @see {@link DEFAULT_MAX_LOG_LINES} */
export const DEFAULT_MAX_LOG_BYTES = 128 * KIB;
/**
 * Default cap of one line (its message, `extra` included), in bytes of UTF-8:
 * a line quoting a 1 MB payload is cut, in the kept log and on stdout alike
 * (CloudWatch cuts events at 256 KB; a readable log needs far less).
 */
export const DEFAULT_MAX_LINE_BYTES = 8 * KIB;
/** Kept free under the byte cap for the line that says what was dropped. */
const TRAILER_RESERVE = 256;
/** A line too large for what is left is cut when at least this much is left, dropped otherwise. */
const MIN_CUT_BYTES = 512;

/**
 * Options of {@link RunLogger}.
 *
 * @example
 * ```ts
 * const options: RunLoggerOptions = { runId, jobId: job.id, clock, redact: secretValues, logger: platformLogger };
 * ```
 */
export interface RunLoggerOptions {
  runId: string;
  jobId: string;
  clock: Clock;
  /** Secret values replaced by `***` everywhere, in every form (see {@link redact}). @default [] */
  redact?: readonly string[];
  /**
   * The run's redactor, shared with what else the run's text goes through
   * (message, error, output, notifications): secrets added to it later are
   * hidden from the lines written after. Wins over `redact`.
   */
  redactor?: Redactor;
  /**
   * The Powertools logger the stdout lines go through; every line the run
   * logger writes through it carries `runId` and `jobId`.
   * @default a module-wide `Logger({ serviceName: 'triggerhub' })`
   */
  logger?: Logger;
  /** @default 500 */
  maxLines?: number;
  /** Size of the kept log as rendered, in bytes of UTF-8. @default 131072 (128 KiB) */
  maxBytes?: number;
  /** Size of one line's message (`extra` included), in bytes of UTF-8. @default 8192 (8 KiB) */
  maxLineBytes?: number;
}

/** `2026-11-22T10:00:00.000Z`: the form a kept line's `ts` has (toISOString's). */
const ISO_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

const lineBytes = (line: LogLine): number => Buffer.byteLength(formatLogLine(line)) + 1;

/**
 * The logger an integration gets as `ctx.logger`. Every line is kept in the
 * run's log (`lines`, stored with the run and shown by the admin API) and
 * written to stdout as structured JSON through Powertools (CloudWatch in AWS).
 * Secret values are replaced by `***` in both, `extra` included.
 *
 * Each line is cut at 8 KiB by default (after redaction, on stdout too).
 * The kept log is capped (500 lines and 128 KiB by default): once over, the
 * first lines are kept, `truncated` is set, and one final line says how many
 * lines were dropped. Stdout gets every line.
 *
 * @example
 * ```ts
 * const logger = new RunLogger({ runId, jobId: job.id, clock: systemClock, redact: secretValues });
 * logger.info('issue created', { key: 'OPS-12' });
 * await runs.finish(runId, { ...rest, logs: logger.lines, logsTruncated: logger.truncated });
 * ```
 */
export class RunLogger implements IntegrationLogger {
  readonly #clock: Clock;
  readonly #redactor: Redactor;
  readonly #out: Logger;
  readonly #keys: { runId: string; jobId: string };
  readonly #maxLines: number;
  readonly #maxBytes: number;
  readonly #maxLineBytes: number;
  readonly #kept: LogLine[] = [];
  #bytes = 0;
  #truncated = false;
  #dropped = 0;
  #truncatedAt = '';

  constructor(options: RunLoggerOptions) {
    this.#clock = options.clock;
    this.#redactor = options.redactor ?? createRedactor(options.redact ?? []);
    this.#maxLines = options.maxLines ?? DEFAULT_MAX_LOG_LINES;
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_LOG_BYTES;
    this.#maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    // The run's keys go with each line: persistent keys would need a child logger per run
    // (a Powertools Logger built per run, ~100 µs) or would leak into the parent, which
    // concurrent runs share.
    this.#out = options.logger ?? parentLogger();
    this.#keys = { runId: options.runId, jobId: options.jobId };
  }

  debug(message: string, extra?: Record<string, unknown>): void {
    this.#write('DEBUG', message, extra);
  }

  info(message: string, extra?: Record<string, unknown>): void {
    this.#write('INFO', message, extra);
  }

  warn(message: string, extra?: Record<string, unknown>): void {
    this.#write('WARN', message, extra);
  }

  error(message: string, extra?: Record<string, unknown>): void {
    this.#write('ERROR', message, extra);
  }

  /**
   * A line written elsewhere, kept with its own level and time: an uploaded
   * script's `console` line as its runner returns it. Redacted and cut like
   * every line, and written to stdout too. A `ts` that is not an ISO time
   * (the runner is outside code) is replaced by now.
   */
  append(level: LogLevel, message: string, ts?: string): void {
    this.#write(level, message, undefined, ts !== undefined && ISO_TS.test(ts) ? ts : undefined);
  }

  /** The kept lines, with the line saying what was dropped last when `truncated`. */
  get lines(): LogLine[] {
    if (!this.#truncated) return [...this.#kept];
    const kib = Math.round((this.#maxBytes / KIB) * 10) / 10;
    return [
      ...this.#kept,
      {
        ts: this.#truncatedAt,
        level: 'WARN',
        message: `log capped at ${this.#maxLines} lines / ${kib} KiB: ${this.#dropped} more ${
          this.#dropped === 1 ? 'line' : 'lines'
        } dropped`,
      },
    ];
  }

  /** Whether lines were dropped (or one cut) to stay within the cap. */
  get truncated(): boolean {
    return this.#truncated;
  }

  /** The kept log as text, one `[ts] [LEVEL] – message` line each. */
  render(): string {
    return this.lines.map(formatLogLine).join('\n');
  }

  #write(level: LogLevel, message: unknown, extra?: Record<string, unknown>, ts?: string): void {
    // Redact first, cut second: cutting first could split a secret at the cut
    // and leave its first characters, no longer a whole match, unredacted.
    const max = this.#maxLineBytes;
    // Plain-JS integrations may log anything: make it text before redacting.
    const r = this.#redactor;
    const redacted = r.text(typeof message === 'string' ? message : (JSON.stringify(r.value(message)) ?? ''));
    const text = cutText(redacted, max);
    const safeExtra = extra === undefined ? undefined : r.value(extra);
    const extraJson = safeExtra === undefined ? undefined : JSON.stringify(safeExtra);
    const method = POWERTOOLS_METHOD[level];
    if (extraJson === undefined) this.#out[method](text, this.#keys);
    // Too large an extra goes out as its cut JSON text: still one valid JSON line.
    else
      this.#out[method](text, {
        ...this.#keys,
        extra: Buffer.byteLength(extraJson) <= max ? safeExtra : cutText(extraJson, max),
      });
    // The JSON text of `extra` may show a secret's JSON-escaped form its values did not: redacted again whole.
    const full = extraJson === undefined ? redacted : `${redacted} ${extraJson}`;
    this.#keep({
      ts: ts ?? this.#clock.now().toISOString(),
      level,
      message: cutText(r.text(full), max),
    });
  }

  #keep(line: LogLine): void {
    if (this.#truncated) {
      this.#dropped++;
      this.#truncatedAt = line.ts;
      return;
    }
    const size = lineBytes(line);
    const budget = this.#maxBytes - TRAILER_RESERVE - this.#bytes;
    if (this.#kept.length < this.#maxLines && size <= budget) {
      this.#kept.push(line);
      this.#bytes += size;
      return;
    }
    this.#truncated = true;
    this.#truncatedAt = line.ts;
    const room = budget - (size - Buffer.byteLength(line.message));
    if (this.#kept.length < this.#maxLines && room >= MIN_CUT_BYTES) {
      const cut = { ...line, message: cutText(line.message, room) };
      this.#kept.push(cut);
      this.#bytes += lineBytes(cut);
    } else {
      this.#dropped++;
    }
  }
}
