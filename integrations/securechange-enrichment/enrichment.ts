// The securechange-enrichment integration, built over a list of enrichers (index.ts gives it
// the discovered ones; tests give it their own): fetch the ticket, build ticket_info, run the
// enrichers one by one, write their joined output once to the current step's task.
import { PermanentError, ValidationError } from '../../shared/errors.ts';
import type { ParameterSpec } from '../../shared/model/index.ts';
import type {
  Enricher,
  HttpClient,
  IntegrationLogger,
  RunContext,
  RunResult,
  TicketInfo,
} from '../../shared/sdk/index.ts';
import { clip, cutText, defineIntegration, quote, redact } from '../../shared/sdk/index.ts';
import type { ParsedTicket, StepTask, TextField } from './ticket-info.ts';
import { parseTicket } from './ticket-info.ts';

export const INTEGRATION_ID = 'securechange-enrichment';

/** One enricher's part of the comment is cut at this many bytes, the whole comment at {@link MAX_COMMENT_BYTES}. */
export const MAX_SECTION_BYTES = 8 * 1024;
export const MAX_COMMENT_BYTES = 16 * 1024;

const API = '/securechangeworkflow/api/securechange';

/** A ticket's, step's, task's or field's id as SecureChange makes them: digits. */
const SECURECHANGE_ID = /^\d{1,18}$/;

const OWN_PARAMETERS = {
  url: {
    type: 'text',
    label: 'SecureChange URL',
    mandatory: true,
    description:
      'The SecureChange server, e.g. https://securechange.example.com (the REST API is under /securechangeworkflow/api).',
  },
  username: {
    type: 'text',
    label: 'User name',
    mandatory: true,
    description: 'A SecureChange account that may read the tickets and edit the task fields of the workflow.',
  },
  password: {
    type: 'password',
    label: 'Password',
    mandatory: true,
    hostFrom: 'url',
    description: "The account's password: a secret, sent to the host of url only.",
  },
  commentField: {
    type: 'text',
    label: 'Enrichment field',
    default: 'Enrichment',
    description:
      "The text area (or text field) of the current step's task the enrichment is added to. SecureChange's REST API " +
      "has no call that adds a comment to a task in the versions we target, so, as Tufin's pytos does, we write a field: " +
      'PUT …/tickets/{id}/steps/{step}/tasks/{task}/fields/{field}. Add a text area of this name to the steps of the workflow.',
  },
  enricherTimeoutSeconds: {
    type: 'number',
    label: 'Time limit per enricher (s)',
    default: 20,
    description:
      "Each enricher's share of the run: after it, the enricher counts as failed and the next one runs. Keep the job's " +
      'timeoutSeconds above the enrichers × this, plus a few seconds for SecureChange.',
  },
} as const satisfies Record<string, ParameterSpec>;

/** `servicenow-cmdb` + `url` → `servicenowCmdbUrl`: how a job names an enricher's own parameters. */
export const prefixedName = (enricherId: string, param: string): string => {
  const camel = enricherId.replace(/-+([a-z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/-/g, '');
  const head = /^[0-9]/.test(camel) ? `enricher${camel}` : camel;
  return `${head}${param.charAt(0).toUpperCase()}${param.slice(1)}`;
};

/**
 * The integration's parameters: its own, `enrichers` (the ids found), and each
 * enricher's own prefixed (see {@link prefixedName}), never mandatory in the manifest —
 * an enricher nobody runs needs nothing — but checked when the enricher runs. Two names
 * that meet, or a `hostFrom` naming no parameter of the enricher, throw a ValidationError.
 */
export const parametersFor = (enrichers: readonly Enricher[]): Record<string, ParameterSpec> => {
  const parameters: Record<string, ParameterSpec> = { ...OWN_PARAMETERS };
  const owner = new Map<string, string>(Object.keys(parameters).map((k) => [k, 'the integration']));
  const claim = (name: string, by: string): void => {
    const earlier = owner.get(name);
    if (earlier !== undefined) {
      throw new ValidationError(
        `securechange-enrichment: parameter "${name}" of ${by} is also a parameter of ${earlier}: rename one`,
        'enricher_parameter_collision',
      );
    }
    owner.set(name, by);
  };
  const ids = enrichers.map((e) => e.id);
  claim('enrichers', 'the integration');
  if (ids.length > 0) {
    parameters.enrichers = {
      type: 'multichoice',
      label: 'Enrichers',
      choices: ids,
      description:
        'The enrichers to run, in this order. Not set: every enricher, in file order, skipping those whose mandatory ' +
        'parameters are not set. One listed here whose parameters are missing fails the run.',
    };
  }
  for (const e of enrichers) {
    for (const [param, spec] of Object.entries(e.parameters)) {
      const name = prefixedName(e.id, param);
      claim(name, `enricher "${e.id}" (${param})`);
      const { mandatory: _mandatory, ...rest } = spec;
      const copy = { ...rest, label: `${e.name}: ${spec.label ?? param}` } as ParameterSpec;
      if (copy.type === 'password' && copy.hostFrom !== undefined) {
        if (e.parameters[copy.hostFrom] === undefined) {
          throw new ValidationError(
            `enricher "${e.id}": parameter "${param}" has hostFrom "${copy.hostFrom}", which is not one of its parameters`,
            'invalid_enricher',
          );
        }
        copy.hostFrom = prefixedName(e.id, copy.hostFrom);
      }
      parameters[name] = copy;
    }
  }
  return parameters;
};

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The enrichers this run runs: the job's list in its order, else all of them but those missing mandatory parameters. */
export const selectEnrichers = (
  all: readonly Enricher[],
  params: Readonly<Record<string, unknown>>,
  logger: IntegrationLogger,
): Enricher[] => {
  const listed = Array.isArray(params.enrichers) ? [...new Set(params.enrichers as string[])] : undefined;
  const chosen = listed === undefined ? all : listed.flatMap((id) => all.filter((e) => e.id === id));
  return chosen.filter((e) => {
    const missing = Object.entries(e.parameters)
      .filter(([param, spec]) => {
        const value = params[prefixedName(e.id, param)];
        return spec.mandatory === true && (value === undefined || value === '');
      })
      .map(([param]) => prefixedName(e.id, param));
    if (missing.length === 0) return true;
    if (listed !== undefined) {
      throw new PermanentError(
        `enricher "${e.id}" is listed in "enrichers" but its parameter${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set`,
      );
    }
    logger.info(`enricher ${e.id} skipped: ${missing.join(', ')} not set`);
    return false;
  });
};

/** An enricher's own parameters, unprefixed, as its `ctx.params`. */
const paramsOf = (e: Enricher, params: Readonly<Record<string, unknown>>): Record<string, unknown> =>
  Object.fromEntries(
    Object.keys(e.parameters).flatMap((param) => {
      const value = params[prefixedName(e.id, param)];
      return value === undefined ? [] : [[param, value]];
    }),
  );

/** What one enricher gave. */
export interface EnricherResult {
  id: string;
  name: string;
  status: 'added' | 'nothing' | 'failed';
  text?: string;
}

const withPrefix = (logger: IntegrationLogger, id: string): IntegrationLogger => ({
  debug: (m, x) => logger.debug(`${id}: ${m}`, x),
  info: (m, x) => logger.info(`${id}: ${m}`, x),
  warn: (m, x) => logger.warn(`${id}: ${m}`, x),
  error: (m, x) => logger.error(`${id}: ${m}`, x),
});

/** `ctx.http` whose every request (and wait) ends with `signal`: the enricher's time share. */
const boundHttp = (http: HttpClient, signal: AbortSignal): HttpClient => {
  const bound = http.extend({ signal });
  return Object.assign(bound, {
    paginate: <T = unknown>(...[input, options]: Parameters<HttpClient['paginate']>) =>
      http.paginate<T>(input, { ...options, signal }),
  });
};

/** Rejects when `signal` fires; `stop()` removes the listener. */
const abortion = (signal: AbortSignal): { promise: Promise<never>; stop: () => void } => {
  let stop = (): void => undefined;
  const promise = new Promise<never>((_, reject) => {
    const onAbort = (): void => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    stop = () => signal.removeEventListener('abort', onAbort);
  });
  promise.catch(() => undefined);
  return { promise, stop };
};

/** An enricher's time share ran out: its stack (a timer's) says nothing. */
class EnricherTimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms / 1000} s (enricherTimeoutSeconds)`);
    this.name = 'EnricherTimeoutError';
  }
}

const messageOf = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/**
 * Runs the enrichers one after the other, each within `timeoutMs` and the run's signal.
 * A throw, a time-out or an answer that is not text is an enricher's failure (logged
 * ERROR with the detail); the run's own deadline or stop is not: it passes on.
 */
export const runEnrichers = async (
  enrichers: readonly Enricher[],
  info: TicketInfo,
  ctx: Pick<RunContext<Record<string, unknown>>, 'params' | 'http' | 'logger' | 'signal' | 'jobId'>,
  timeoutMs: number,
): Promise<EnricherResult[]> => {
  const results: EnricherResult[] = [];
  for (const e of enrichers) {
    const limit = new AbortController();
    const timer = setTimeout(() => limit.abort(new EnricherTimeoutError(timeoutMs)), timeoutMs);
    const signal = AbortSignal.any([ctx.signal, limit.signal]);
    const stopped = abortion(signal);
    try {
      const out: unknown = await Promise.race([
        e.getData(structuredClone(info), {
          params: paramsOf(e, ctx.params),
          http: boundHttp(ctx.http, signal),
          logger: withPrefix(ctx.logger, e.id),
          signal,
          jobId: ctx.jobId,
        }),
        stopped.promise,
      ]);
      if (out === null || out === undefined || (typeof out === 'string' && out.trim() === '')) {
        ctx.logger.info(`enricher ${e.id}: nothing to add`);
        results.push({ id: e.id, name: e.name, status: 'nothing' });
      } else if (typeof out !== 'string') {
        throw new TypeError(`getData returned ${Array.isArray(out) ? 'an array' : typeof out}, not text`);
      } else {
        const text = cutText(out.trim(), MAX_SECTION_BYTES);
        ctx.logger.info(`enricher ${e.id}: ${text.length} characters to add`);
        results.push({ id: e.id, name: e.name, status: 'added', text });
      }
    } catch (error) {
      // The run's own deadline or stop: the run ends, not just this enricher.
      if (ctx.signal.aborted) throw error;
      ctx.logger.error(`enricher ${e.id} failed: ${messageOf(error)}`, {
        enricher: e.id,
        ...(error instanceof Error &&
          !(error instanceof EnricherTimeoutError) &&
          error.stack !== undefined && { stack: cutText(error.stack, 2048) }),
      });
      results.push({ id: e.id, name: e.name, status: 'failed' });
    } finally {
      clearTimeout(timer);
      stopped.stop();
    }
  }
  return results;
};

/** The marker ending what a job wrote to a step: how a retry finds that an earlier attempt wrote it. */
export const markerOf = (jobId: string, stepId: string): string =>
  `[triggerhub:enrichment:${jobId}:${stepId}]`;

/**
 * The comment: each enricher's text under `— <name> —`, a failed one as
 * `<name>: failed (see the run log)`, in the order they ran, then the marker. Undefined
 * when no enricher had anything to say.
 */
export const composeComment = (results: readonly EnricherResult[], marker: string): string | undefined => {
  const parts = results.flatMap((r) =>
    r.status === 'added'
      ? [`— ${r.name} —\n${r.text ?? ''}`]
      : r.status === 'failed'
        ? [`${r.name}: failed (see the run log)`]
        : [],
  );
  if (parts.length === 0) return undefined;
  return `${cutText(parts.join('\n\n'), MAX_COMMENT_BYTES)}\n\n${marker}`;
};

// Characters XML 1.0 cannot carry: an enricher's output is text from anywhere.
// eslint-disable-next-line no-control-regex -- these are exactly what is matched
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const xmlText = (s: string): string =>
  s
    .replace(XML_FORBIDDEN, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

/** The field as pytos' `put_field` sends it (`Step_Field_Text_Area.to_xml_string`). */
export const fieldXml = (field: TextField, text: string): string =>
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
  `<field xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="${xmlText(field.type)}">` +
  `<id>${xmlText(field.id)}</id><name>${xmlText(field.name)}</name><text>${xmlText(text)}</text></field>`;

/** Where the comment goes: the current step's first open task (else first task) having the field. */
export const targetOf = (
  parsed: ParsedTicket,
  fieldName: string,
): { stepId: string; stepName: string; task: StepTask; field: TextField } => {
  const { step } = parsed;
  if (step === undefined || step.id === '') {
    throw new PermanentError(`ticket ${parsed.info.Id} has no step to write the enrichment to`);
  }
  const withField = step.tasks.filter((t) => t.textFields.some((f) => f.name === fieldName && f.id !== ''));
  const task = withField.find((t) => t.status.toUpperCase() !== 'DONE') ?? withField[0];
  const field = task?.textFields.find((f) => f.name === fieldName && f.id !== '');
  if (task === undefined || field === undefined || task.id === '') {
    const names = [...new Set(step.tasks.flatMap((t) => t.textFields.map((f) => quote(f.name, 60))))];
    throw new PermanentError(
      `ticket ${parsed.info.Id}: step ${quote(step.name, 80)} (${step.id}) has no text field named ${quote(fieldName, 80)} ` +
        `(its text fields: ${names.length === 0 ? 'none' : names.join(', ')}); add a text area of that name to the step ` +
        'in the workflow, or set "commentField"',
    );
  }
  // The ids go into the write's path: only SecureChange's own (digits), so that no `..`, `?`, `#`
  // or `/` in an answer can send the write to another ticket, step or field.
  for (const [what, id] of [
    ['step', step.id],
    ['task', task.id],
    ['field', field.id],
  ] as const) {
    if (!SECURECHANGE_ID.test(id)) {
      throw new PermanentError(
        `ticket ${parsed.info.Id}: ${what} id ${quote(id, 40)} is not a SecureChange id`,
      );
    }
  }
  return { stepId: step.id, stepName: step.name, task, field };
};

/** SecureChange's reason in an error answer (`{ "result": { "message" } }` or `<message>…</message>`), short. */
const reasonOf = async (response: Response, password: string): Promise<string> => {
  // The password hidden before the message is cut: an answer that echoes the request would
  // otherwise leave its start in front of the cut, which no later redaction recognizes.
  const body = redact(await response.text().catch(() => ''), [password]);
  let message: string;
  try {
    const parsed = JSON.parse(body) as { result?: { message?: unknown }; message?: unknown };
    message = str(parsed.result?.message) || str(parsed.message);
  } catch {
    message = /<message>([^<]*)<\/message>/.exec(body)?.[1] ?? '';
  }
  return message === ''
    ? `${response.status} ${response.statusText}`
    : `${response.status}: ${clip(message)}`;
};

const httpStatus = (e: unknown): Response | undefined => {
  if (!(e instanceof Error) || e.name !== 'HTTPError') return undefined;
  const response: unknown = (e as { response?: unknown }).response;
  return response instanceof Response ? response : undefined;
};

/** A 4xx answer, said plainly (a permanent failure); anything else passes on as it is. */
const plainly = async (e: unknown, what: string, username: string, password: string): Promise<never> => {
  const response = httpStatus(e);
  if (response === undefined || response.status >= 500 || response.status === 408 || response.status === 429)
    throw e;
  const reason = await reasonOf(response, password);
  const hint =
    response.status === 401
      ? `: SecureChange refused the account ${quote(username, 80)} (check username and password)`
      : response.status === 403
        ? `: the account ${quote(username, 80)} may not do this (its SecureChange role)`
        : '';
  throw new PermanentError(`SecureChange answered ${reason} to ${what}${hint}`);
};

type Target = ReturnType<typeof targetOf>;

interface Client {
  getTicket(): Promise<ParsedTicket>;
  writeField(target: Target, text: string): Promise<void>;
}

const clientFor = (
  http: HttpClient,
  params: { url: string; username: string; password: string },
  ticketId: string,
  fallbackId: number,
): Client => {
  const base = params.url.replace(/\/+$/, '');
  const authorization = `Basic ${Buffer.from(`${params.username}:${params.password}`).toString('base64')}`;
  const ticketPath = `${API}/tickets/${ticketId}`;
  return {
    getTicket: async () => {
      let body: string;
      try {
        body = await http
          .get(`${base}${ticketPath}`, { headers: { authorization, accept: 'application/json' } })
          .text();
      } catch (e) {
        return plainly(e, `GET ${ticketPath}`, params.username, params.password);
      }
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        throw new PermanentError(
          `SecureChange did not answer JSON to GET ${ticketPath} (is "url" the SecureChange server?)`,
        );
      }
      return parseTicket(json, fallbackId);
    },
    writeField: async (target, text) => {
      const path = `${ticketPath}/steps/${target.stepId}/tasks/${target.task.id}/fields/${target.field.id}`;
      try {
        await http.put(`${base}${path}`, {
          headers: { authorization, accept: 'application/json', 'content-type': 'application/xml' },
          body: fieldXml(target.field, text),
        });
      } catch (e) {
        return plainly(e, `PUT ${path}`, params.username, params.password);
      }
    },
  };
};

/** What the effect records (and a replay answers). */
export interface Written {
  ticketId: string;
  stepId: string;
  taskId: string;
  fieldId: string;
  written: boolean;
  enrichers: { id: string; status: EnricherResult['status'] }[];
  reconciled?: boolean;
}

/**
 * `ctx.effect`'s reconcile: an earlier attempt died after its write may have reached
 * SecureChange. The field, read again, says whether it did (it ends with the marker):
 * then that is the answer, else the enrichment runs and is written now.
 */
export const reconcileEnrichment = async (
  readTarget: () => Promise<Target>,
  marker: string,
  ticketId: string,
  enrich: (target: Target) => Promise<Written>,
): Promise<Written> => {
  const again = await readTarget();
  if (!again.field.text.includes(marker)) return enrich(again);
  return {
    ticketId,
    stepId: again.stepId,
    taskId: again.task.id,
    fieldId: again.field.id,
    written: true,
    enrichers: [],
    reconciled: true,
  };
};

/**
 * The `securechange-enrichment` integration over these enrichers.
 *
 * @example
 * ```ts
 * export default createEnrichmentIntegration(enrichersOfFiles(enricherFiles, 'enrichers'));
 * ```
 */
export const createEnrichmentIntegration = (enrichers: readonly Enricher[]) =>
  defineIntegration({
    id: INTEGRATION_ID,
    name: 'SecureChange enrichment',
    version: '1.0.0',
    description:
      "The SecureChange Request Add-on, serverless: on a ticket's trigger (e.g. Create) it reads the ticket, runs the " +
      "enrichers on its sources, destinations and services, and adds their output to the current step's task once.",
    parameters: parametersFor(enrichers),
    run: async (ctx: RunContext<Record<string, unknown>>): Promise<RunResult> => {
      const { event, params, logger, http, jobId, effect } = ctx;
      const ticketId = event.ticket?.id;
      if (ticketId === undefined) {
        if (event.trigger === 'TEST') return { message: 'SecureChange test: no ticket to enrich' };
        throw new PermanentError(
          'securechange-enrichment needs a SecureChange ticket (event.ticket.id): run it from a securechange job, e.g. on the Create trigger',
        );
      }
      if (!/^\d{1,15}$/.test(ticketId))
        throw new PermanentError(`ticket id ${quote(ticketId)} is not a number`);
      const url = str(params.url);
      if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
        throw new PermanentError(`parameter "url": ${quote(url)} is not an http(s) URL`);
      }
      const fieldName = str(params.commentField) || 'Enrichment';
      const timeoutSeconds =
        typeof params.enricherTimeoutSeconds === 'number' ? params.enricherTimeoutSeconds : 20;
      if (!(timeoutSeconds > 0))
        throw new PermanentError('parameter "enricherTimeoutSeconds" must be above 0');
      const selected = selectEnrichers(enrichers, params, logger);
      const client = clientFor(
        http,
        { url, username: str(params.username), password: str(params.password) },
        ticketId,
        Number(ticketId),
      );

      const ticket = await client.getTicket();
      const target = targetOf(ticket, fieldName);
      const marker = markerOf(jobId, target.stepId);
      logger.info(
        `ticket ${ticketId}: ${ticket.info.Requests.length} request(s); step ${quote(target.stepName, 80)} (${target.stepId}), ` +
          `task ${target.task.id}, field ${quote(target.field.name, 80)}; enrichers: ${selected.map((e) => e.id).join(', ') || 'none'}`,
      );

      let ran = false;
      const enrich = async (current: Target): Promise<Written> => {
        ran = true;
        const results = await runEnrichers(selected, ticket.info, ctx, timeoutSeconds * 1000);
        const comment = composeComment(results, marker);
        const summary = results.map((r) => ({ id: r.id, status: r.status }));
        const record = {
          ticketId,
          stepId: current.stepId,
          taskId: current.task.id,
          fieldId: current.field.id,
          enrichers: summary,
        };
        if (comment === undefined) return { ...record, written: false };
        const existing = current.field.text;
        await client.writeField(current, existing === '' ? comment : `${existing}\n\n${comment}`);
        return { ...record, written: true };
      };
      const result = await effect<Written>(`enrichment:${ticketId}:${target.stepId}`, () => enrich(target), {
        // An earlier attempt died after its PUT may have reached SecureChange: the marker says whether it did.
        reconcile: () =>
          reconcileEnrichment(
            async () => targetOf(await client.getTicket(), fieldName),
            marker,
            ticketId,
            enrich,
          ),
      });

      const where = `step ${quote(target.stepName, 80)} (${target.stepId})`;
      if (!ran && result.reconciled !== true) {
        return {
          message: `ticket ${ticketId}: ${where} was enriched by an earlier run: nothing written`,
          output: result,
        };
      }
      if (!result.written) {
        return {
          message: `ticket ${ticketId}: no enricher had anything to add: nothing written`,
          output: result,
        };
      }
      const failed = result.enrichers.filter((r) => r.status === 'failed').length;
      const added = result.enrichers.filter((r) => r.status === 'added').length;
      return {
        message:
          `ticket ${ticketId}: enrichment written to ${quote(target.field.name, 80)} of ${where}` +
          (result.reconciled === true
            ? ' (found written by an earlier attempt)'
            : ` (${added} added${failed > 0 ? `, ${failed} failed` : ''})`),
        output: result,
      };
    },
  });
