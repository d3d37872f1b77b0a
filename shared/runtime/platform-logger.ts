import { AsyncLocalStorage } from 'node:async_hooks';
import type * as Powertools from '@aws-lambda-powertools/logger';
import type { LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';
import type { Context } from 'aws-lambda';
import { lazyModule } from '../lazy-require.ts';
import { CUT_MARK, cutText } from '../sdk/text.ts';
import { anySecretKnown, redactKnownValue } from './known-secrets.ts';

/**
 * Powertools' logger package loads with the first line actually written
 * (importing it and building a Logger cost ≈ 11 ms of a cold start): a warm
 * ingest whose one line is a DEBUG line never loads it (see LAZY_PACKAGES).
 */
const powertools = lazyModule<typeof Powertools>('@aws-lambda-powertools/logger');

/** How `npm start` prints the platform's log: readable lines (default) or Powertools JSON. */
export const LOCAL_LOG_FORMATS = ['text', 'json'] as const;
export type LocalLogFormat = (typeof LOCAL_LOG_FORMATS)[number];

/** Where a local line goes; WARN and above to stderr, like Powertools' own console. */
export type LogSink = (line: string, level: string) => void;

const processSink: LogSink = (line, level) => {
  const stream =
    level === 'WARN' || level === 'ERROR' || level === 'CRITICAL' ? process.stderr : process.stdout;
  stream.write(`${line}\n`);
};

/** `undefined` in Lambda: the output is Powertools JSON, untouched. */
let localFormat: LocalLogFormat | undefined;
let localSink: LogSink = processSink;

/**
 * The invocation a local line belongs to. Under `npm start` every function
 * shares this one process, so the logger's own Lambda context is whichever
 * invocation began last; each invocation's context is kept here instead.
 */
const invocation = new AsyncLocalStorage<Pick<Context, 'functionName' | 'awsRequestId'>>();

/** Keys Powertools derives from the Lambda context and its sampling: noise, or fake, on a laptop. */
const LAMBDA_KEYS = [
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
  'sampling_rate',
  'xray_trace_id',
  'tenant_id',
] as const;

/**
 * What the local API server and poller name their fake functions
 * (`triggerhub-ingest`, `triggerhub-admin`, `triggerhub-worker`; route-named
 * ones such as `triggerhub-/admin` too), as people call them.
 */
export const localFunctionLabel = (functionName: string | undefined): string => {
  if (functionName === undefined) return '-';
  const name = functionName.replace(/^triggerhub-?/, '').replace(/^\/+/, '');
  return name === '' ? 'ingest' : name;
};

/** Fields shown under a shorter name, and in this order, before any other. */
const FIELD_LABELS: Readonly<Record<string, string>> = {
  jobId: 'job',
  status: 'status',
  reason: 'reason',
  sourceIp: 'ip',
  requestId: 'req',
};
const STANDARD_KEYS = new Set(['level', 'message', 'timestamp', 'service', 'runId', ...LAMBDA_KEYS]);
const MAX_VALUE_CHARS = 200;

const KIB = 1024;
/**
 * No log event is larger than this, text or JSON, whatever it quotes
 * (CloudWatch cuts events at 256 KB, and one event should stay readable).
 */
export const MAX_LOG_EVENT_BYTES = 16 * KIB;
/** A message's share of {@link MAX_LOG_EVENT_BYTES}. */
const MAX_MESSAGE_BYTES = 8 * KIB;
/** One field's share, in JSON: its serialized value. */
const MAX_FIELD_BYTES = 4 * KIB;
/** Powertools' own keys and the platform's identifying fields: never dropped for room. */
const LEADING_KEYS = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'runId',
  'jobId',
  'status',
  'reason',
  'requestId',
  'correlation_id',
  ...LAMBDA_KEYS,
]);
/** Kept free for the JSON punctuation and the note saying fields were dropped. */
const EVENT_RESERVE = 256;

/** Control characters (a newline in a job id or a message) would forge a second line. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const escapeControl = (text: string): string =>
  text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const cut = (text: string): string =>
  text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text;

const fieldValue = (value: unknown): string => {
  if (value instanceof Error) return fieldValue(`${value.name}: ${value.message}`);
  if (typeof value === 'string') {
    return /^[\w.:/@+~-]+$/.test(value) ? cut(value) : escapeControl(cut(JSON.stringify(value)));
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  let json: string | undefined;
  try {
    json = JSON.stringify(value, (_k, v: unknown) => (v instanceof Error ? `${v.name}: ${v.message}` : v));
  } catch {
    json = '[unserializable]';
  }
  return escapeControl(cut(json ?? String(value)));
};

const levelOf = (attributes: Readonly<Record<string, unknown>>): string =>
  typeof attributes.level === 'string' ? attributes.level : 'INFO';

const twoDigits = (n: number): string => String(n).padStart(2, '0');
/** Wall-clock time of this machine, to the millisecond: what a person compares with their own clock. */
const clockTime = (timestamp: unknown): string => {
  const at = new Date(typeof timestamp === 'string' ? timestamp : Date.now());
  const time = Number.isNaN(at.getTime()) ? new Date() : at;
  return `${twoDigits(time.getHours())}:${twoDigits(time.getMinutes())}:${twoDigits(time.getSeconds())}.${String(
    time.getMilliseconds(),
  ).padStart(3, '0')}`;
};

/**
 * One log item as one line for people:
 * `10:00:00.123 WARN  ingest  webhook refused 401 unauthorized job=demo ip=127.0.0.1 req=…`,
 * `10:00:01.456 INFO  worker  01K… run finished job=demo status=succeeded`:
 * time, level, function, the run id when there is one, the message, then the
 * fields as `key=value` (an HTTP status and its reason read as one phrase
 * after the message; the `extra` of an integration's log line is spread).
 */
export const formatTextLine = (
  attributes: Readonly<Record<string, unknown>>,
  functionName?: string,
): string => {
  const level = levelOf(attributes);
  const runId = typeof attributes.runId === 'string' ? `${escapeControl(attributes.runId)} ` : '';
  const head = `${clockTime(attributes.timestamp)} ${level.padEnd(5)} ${localFunctionLabel(functionName).padEnd(6)} `;
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (STANDARD_KEYS.has(key) || value === undefined || value === null || value === '') continue;
    if (key === 'extra' && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Error)) {
      for (const [k, v] of Object.entries(value)) if (!(k in rest)) rest[k] = v;
    } else {
      rest[key] = value;
    }
  }
  const words: string[] = [];
  if (typeof rest.status === 'number') {
    words.push(String(rest.status));
    delete rest.status;
    if (typeof rest.reason === 'string') {
      words.push(fieldValue(rest.reason));
      delete rest.reason;
    }
  }
  const ordered = [
    ...Object.keys(FIELD_LABELS).filter((k) => k in rest),
    ...Object.keys(rest).filter((k) => !(k in FIELD_LABELS)),
  ];
  for (const key of ordered)
    words.push(`${escapeControl(cut(FIELD_LABELS[key] ?? key))}=${fieldValue(rest[key])}`);
  const message = cutText(
    escapeControl(
      typeof attributes.message === 'string' ? attributes.message : fieldValue(attributes.message),
    ),
    MAX_MESSAGE_BYTES,
  );
  // Many fields (an integration's extra spread) could still add up: the line as a whole is cut too.
  return cutText([head, `${runId}${message}`, ...words].join(' '), MAX_LOG_EVENT_BYTES);
};

const jsonBytes = (text: string): number => Buffer.byteLength(JSON.stringify(text));

/**
 * The longest prefix of `text`, with {@link CUT_MARK}, whose JSON string form
 * fits in `maxBytes` (escapes counted: a control character is 6 bytes in JSON).
 */
const cutForJson = (text: string, maxBytes: number): string => {
  if (jsonBytes(text) <= maxBytes) return text;
  let target = maxBytes;
  // Each round scales the prefix by how much its JSON overshot (a byte is at most 6 in JSON): a few rounds.
  for (let i = 0; i < 32 && target > Buffer.byteLength(CUT_MARK); i++) {
    const fit = cutText(text, target);
    const size = jsonBytes(fit);
    if (size <= maxBytes) return fit;
    target = Math.min(target - 1, Math.floor((target * maxBytes) / size));
  }
  return CUT_MARK.trim();
};

/** The most bytes a string takes in JSON: quotes, and at most 6 bytes (`\u0000`) per UTF-16 code unit. */
const jsonBytesAtMost = (text: string): number => 6 * text.length + 2;
/** The most bytes in JSON of a number (`-1.7976931348623157e+308`), a boolean or null. */
const SCALAR_JSON_BYTES = 24;

/**
 * Whether an event's attributes are scalars whose JSON is surely no larger
 * than one field's share ({@link MAX_FIELD_BYTES}), every key name within its
 * 200: then nothing in it can be cut or dropped, and the line is serialized
 * once — by Powertools — instead of once per field to measure it first.
 */
const surelyWithinBounds = (attributes: Readonly<Record<string, unknown>>): boolean => {
  let bytes = 2;
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    const keyBytes = jsonBytesAtMost(key);
    if (keyBytes > MAX_VALUE_CHARS) return false;
    if (typeof value === 'string') bytes += keyBytes + 2 + jsonBytesAtMost(value);
    else if (typeof value === 'number' || typeof value === 'boolean' || value === null)
      bytes += keyBytes + 2 + SCALAR_JSON_BYTES;
    else if (value !== undefined) return false;
    if (bytes > MAX_FIELD_BYTES) return false;
  }
  return true;
};

/**
 * The attributes of one log event, bounded so that their JSON is at most
 * {@link MAX_LOG_EVENT_BYTES}: the message cut at 8 KiB, each other value
 * kept when its JSON fits in 4 KiB and in what is left, else replaced by its
 * JSON text cut to fit (a string: the line stays valid JSON, values are cut,
 * never the serialized line); fields that find no room left are dropped and
 * counted in `droppedFields`.
 */
export const boundLogAttributes = (
  attributes: Readonly<Record<string, unknown>>,
  replacer: () => (key: string, value: unknown) => unknown = () => (_k, v) => v,
): Record<string, unknown> => {
  if (surelyWithinBounds(attributes)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(attributes)) if (attributes[key] !== undefined) out[key] = attributes[key];
    return out;
  }
  const kept = new Map<string, unknown>();
  let left = MAX_LOG_EVENT_BYTES - EVENT_RESERVE;
  let dropped = 0;
  // The keys that say what and whose the event is get their room first, whatever follows them.
  const keys = Object.keys(attributes).filter((k) => attributes[k] !== undefined);
  const first = keys.filter((k) => LEADING_KEYS.has(k));
  for (const key of [...first, ...keys.filter((k) => !LEADING_KEYS.has(k))]) {
    const value = attributes[key];
    const name = cutForJson(key, MAX_VALUE_CHARS);
    const room = Math.min(
      key === 'message' ? MAX_MESSAGE_BYTES : MAX_FIELD_BYTES,
      left - jsonBytes(name) - 1,
    );
    if (room < 64) {
      dropped++;
      continue;
    }
    let bounded: unknown;
    let size: number;
    if (typeof value === 'string') {
      bounded = cutForJson(value, room);
      size = jsonBytes(bounded as string);
    } else {
      let json: string | undefined;
      try {
        json = JSON.stringify(value, replacer());
      } catch {
        json = '"[unserializable]"';
      }
      json ??= 'null';
      const fits = Buffer.byteLength(json) <= room;
      bounded = fits ? value : cutForJson(json, room);
      size = fits ? Buffer.byteLength(json) : jsonBytes(bounded as string);
    }
    kept.set(key, [name, bounded]);
    left -= jsonBytes(name) + 1 + size + 1;
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const entry = kept.get(key) as [string, unknown] | undefined;
    if (entry) out[entry[0]] = entry[1];
  }
  if (dropped > 0) out.droppedFields = dropped;
  return out;
};

/**
 * The platform's logger class: Powertools' Logger, whose output `npm start`
 * can turn into readable lines or context-free JSON (see
 * {@link useLocalLogFormat}). Children (`createChild`, e.g. one an
 * integration makes) are of this class too, so they follow the same format;
 * run loggers write through this logger itself, with their keys per line. Defined when
 * the package loads (see `powertools`).
 *
 * Powertools always JSON-stringifies what a formatter returns, so plain text
 * cannot come from a `LogFormatter`; `printLog` and `createLogger` are the
 * class's documented extension points, and the one place every line passes.
 */
const definePlatformLogger = (Base: typeof Logger) =>
  class PlatformLogger extends Base {
    /** Marks the cold start as reported: it was an invocation before this Logger existed. */
    coldStartPassed(): void {
      this.getColdStart();
    }

    protected override createLogger(options?: ConstructorOptions): Logger {
      return new PlatformLogger(options);
    }

    protected override printLog(logLevel: number, log: LogItem): void {
      log.prepareForPrint();
      // Every secret a run of this process resolved is hidden here, whoever wrote the line (a run
      // logger, a child logger an integration made, the platform): redacted first, bounded second,
      // so a cut cannot split a secret and leave its start readable.
      if (anySecretKnown()) log.setAttributes(redactKnownValue(log.getAttributes()));
      if (localFormat === undefined) {
        log.setAttributes(boundLogAttributes(log.getAttributes(), () => this.getJsonReplacer()));
        super.printLog(logLevel, log);
        return;
      }
      const attributes: Record<string, unknown> = { ...log.getAttributes() };
      for (const key of LAMBDA_KEYS) delete attributes[key];
      const current = invocation.getStore();
      if (localFormat === 'text') {
        localSink(formatTextLine(attributes, current?.functionName), levelOf(attributes));
        return;
      }
      if (current) {
        attributes.function_name = current.functionName;
        attributes.function_request_id = current.awsRequestId;
      }
      log.setAttributes(boundLogAttributes(attributes, () => this.getJsonReplacer()));
      localSink(JSON.stringify(log.getAttributes(), this.getJsonReplacer()), levelOf(attributes));
    }
  };

/** Powertools' numeric thresholds (`LogLevelThreshold`). */
const LOG_LEVEL_THRESHOLDS = {
  TRACE: 6,
  DEBUG: 8,
  INFO: 12,
  WARN: 16,
  ERROR: 20,
  CRITICAL: 24,
  SILENT: 28,
} as const;
const thresholdOf = (level: string | undefined): number | undefined =>
  level !== undefined && Object.hasOwn(LOG_LEVEL_THRESHOLDS, level)
    ? LOG_LEVEL_THRESHOLDS[level as keyof typeof LOG_LEVEL_THRESHOLDS]
    : undefined;

/**
 * The threshold a Powertools Logger built with no `logLevel` option takes,
 * read from the environment as Powertools 2 reads it: Lambda's advanced
 * logging controls (`AWS_LAMBDA_LOG_LEVEL`, `FATAL` meaning `CRITICAL`)
 * first, then `POWERTOOLS_LOG_LEVEL`, then `LOG_LEVEL`, each trimmed and
 * taken only when it names a level exactly (upper case), else `INFO`.
 * `undefined` when no level can be known before the Logger exists: with
 * `POWERTOOLS_LOGGER_SAMPLE_RATE` set (other than 0), the Logger itself
 * draws whether this environment logs at DEBUG.
 */
export const powertoolsLogThreshold = (env: NodeJS.ProcessEnv = process.env): number | undefined => {
  const sampleRate = env.POWERTOOLS_LOGGER_SAMPLE_RATE?.trim();
  if (sampleRate !== undefined && sampleRate !== '' && Number(sampleRate) !== 0) return undefined;
  const alc = env.AWS_LAMBDA_LOG_LEVEL?.trim();
  const alcLevel = alc === 'FATAL' ? 'CRITICAL' : alc;
  const level = env.POWERTOOLS_LOG_LEVEL?.trim() || env.LOG_LEVEL?.trim();
  return thresholdOf(alcLevel) ?? thresholdOf(level) ?? LOG_LEVEL_THRESHOLDS.INFO;
};

/** The Powertools Logger behind {@link platformLogger}, once a line needed it. */
let root: Logger | undefined;
/** The invocation context given before the Logger existed: the latest, and how many there were. */
let pendingContext: Parameters<Logger['addContext']>[0] | undefined;
let contextsBeforeRoot = 0;
/** {@link powertoolsLogThreshold}, read at the first line (as the Logger would read it then); null: unknown. */
let threshold: number | null | undefined;

const rootLogger = (): Logger => {
  if (root !== undefined) return root;
  const PlatformLogger = definePlatformLogger(powertools().Logger);
  const logger = new PlatformLogger({ serviceName: 'triggerhub' });
  root = logger;
  if (pendingContext !== undefined) {
    // The Logger reports cold_start on its first addContext: true only if that was the first invocation.
    if (contextsBeforeRoot > 1) logger.coldStartPassed();
    logger.addContext(pendingContext);
    pendingContext = undefined;
  }
  return logger;
};

type LogMethod = 'debug' | 'info' | 'warn' | 'error';

/** A level method that skips what the level filters out without building the Logger, and else hands over. */
const levelMethod =
  (method: LogMethod, level: number): Logger[LogMethod] =>
  (input, ...extra) => {
    if (root === undefined) {
      threshold ??= powertoolsLogThreshold() ?? null;
      if (threshold !== null && level < threshold) return;
    }
    rootLogger()[method](input, ...extra);
  };

/** What {@link platformLogger} answers itself; any other member builds the Logger and is its. */
const firstUse: Pick<Logger, LogMethod | 'addContext'> = {
  debug: levelMethod('debug', LOG_LEVEL_THRESHOLDS.DEBUG),
  info: levelMethod('info', LOG_LEVEL_THRESHOLDS.INFO),
  warn: levelMethod('warn', LOG_LEVEL_THRESHOLDS.WARN),
  error: levelMethod('error', LOG_LEVEL_THRESHOLDS.ERROR),
  addContext: (context) => {
    if (root !== undefined) root.addContext(context);
    else {
      pendingContext = context;
      contextsBeforeRoot++;
    }
    // Local runs only: the invocation each line belongs to (see `invocation`).
    if (localFormat !== undefined && 'awsRequestId' in context) {
      invocation.enterWith({ functionName: context.functionName, awsRequestId: context.awsRequestId });
    }
  },
};

/**
 * The platform's own structured logger (CloudWatch in AWS, stdout locally).
 * It never receives request bodies, headers or secret values; should a line
 * carry one anyway, every secret value a run of this process resolved is
 * redacted from it (see `rememberSecrets`), in every form.
 *
 * The Powertools Logger behind it is built at the first line its level lets
 * through (or the first use of any other member): `debug`, `info`, `warn`,
 * `error` and `addContext` work before it exists, the level read from the
 * environment as Powertools reads it ({@link powertoolsLogThreshold}), the
 * latest invocation context kept for it, and the lines are the same.
 */
export const platformLogger: Logger = new Proxy(firstUse as Logger, {
  get: (target, key): unknown => {
    // firstUse's methods hand over to the Logger themselves once it exists.
    if (Object.hasOwn(target, key)) return Reflect.get(target, key) as unknown;
    const logger = rootLogger();
    const value: unknown = Reflect.get(logger, key, logger);
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(logger) : value;
  },
});

/**
 * `platformLogger.addContext` without the Proxy's lookup: the HTTP handler
 * calls it on every invocation.
 */
export const addPlatformContext: Logger['addContext'] = firstUse.addContext;

/**
 * Makes this process's platform log (run logs included) local output:
 * `text`, one readable line per event, or `json`, Powertools JSON without the
 * fake Lambda context (no ARN, memory size or cold start). Called by
 * `triggerhub start`; in Lambda it is never called and the output stays
 * Powertools JSON. `sink` replaces stdout/stderr (tests).
 */
export const useLocalLogFormat = (format: LocalLogFormat, sink: LogSink = processSink): void => {
  localFormat = format;
  localSink = sink;
};

/** Back to Lambda's output (tests). */
export const resetLogFormat = (): void => {
  localFormat = undefined;
  localSink = processSink;
};
