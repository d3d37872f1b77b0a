import { readFile } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import { Option } from 'commander';
import type { Command } from 'commander';
import { hmacHeaders } from '../../shared/auth/hmac.ts';
import { NotFoundError, ValidationError, errorMessage } from '../../shared/errors.ts';
import { JOB_ID_PATTERN, acceptsWebhooks } from '../../shared/model/index.ts';
import type { Job, Run } from '../../shared/model/index.ts';
import { secretEnvName } from '../../shared/secrets/local-secret-store.ts';
import { AdminApiError, unreachableHint } from '../admin-client.ts';
import type { AdminClient } from '../admin-client.ts';
import { renderRun, safeText, toJson } from '../output.ts';
import type { CliSecretStore } from '../secret-store.ts';
import { SECRET_PREFIX_OPTION, intArg, readStdin, shellWord } from './context.ts';
import type { CommandContext } from './context.ts';

export const DEFAULT_WAIT_TIMEOUT_SECONDS = 120;
/** `--wait` and its `--timeout`, as every command that starts a run takes them (send, jobs run, runs replay). */
export const waitOption = (): Option =>
  new Option('--wait', 'follow the run to its end and print its status and log; exit 0 only if it succeeded');
export const waitTimeoutOption = (): Option =>
  new Option('--timeout <seconds>', 'seconds --wait waits for the run to end (1-3600)')
    .argParser(intArg('--timeout', 1, 3600))
    .default(DEFAULT_WAIT_TIMEOUT_SECONDS);
/** Above a decision job's longest answer (25 s) and API Gateway's 30 s. */
const SEND_TIMEOUT_MS = 35_000;
/** Back-off of `--wait`'s polling: from 250 ms, ×1.5, at most 2 s between polls. */
const POLL_FIRST_MS = 250;
const POLL_MAX_MS = 2_000;

interface SendOptions {
  data?: string;
  contentType?: string;
  event?: string;
  wait?: boolean;
  timeout: number;
}

/** What each source takes by default (the securechange source accepts application/xml or text/xml). */
const DEFAULT_CONTENT_TYPES: Record<Job['source'], string> = {
  generic: 'application/json',
  checkpoint: 'application/json',
  securechange: 'application/xml',
};

/** Without `-d`: an empty JSON object, or for SecureChange its Test button (an empty `ticket_info`). */
const DEFAULT_BODIES: Record<Job['source'], string> = {
  generic: '{}',
  checkpoint: '{}',
  securechange: '<ticket_info/>',
};

const readBody = async (ctx: CommandContext, data: string | undefined, job: Job): Promise<string> => {
  if (data === undefined) return DEFAULT_BODIES[job.source];
  if (data === '-') return (ctx.io.readStdin ?? readStdin)();
  if (!data.startsWith('@')) return data;
  const file = data.slice(1);
  try {
    // Sent byte for byte (unlike curl -d, newlines are kept): an HMAC signs exactly this.
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new ValidationError(`cannot read ${file}: ${errorMessage(error)}`);
  }
};

/** The headers the job's auth asks for, with the secret from the stack's store. */
const authHeaders = async (
  job: Job,
  store: CliSecretStore,
  body: string,
  now: Date,
): Promise<Record<string, string>> => {
  const { auth } = job;
  if (auth === undefined || !acceptsWebhooks(job)) {
    throw new ValidationError(
      `job ${job.id} accepts no webhook ("webhook": false): run it with triggerhub jobs run ${shellWord(job.id)}`,
      'webhook_disabled',
    );
  }
  const secret = await store.get(auth.secret);
  if (secret === undefined || secret === '') {
    const local = store.kind === 'local' ? ` (or set ${secretEnvName(auth.secret)})` : '';
    throw new NotFoundError(
      `job ${job.id} needs secret "${auth.secret}", which does not exist (${store.locate(auth.secret)}): ` +
        `create it with triggerhub secrets set ${shellWord(auth.secret)}${local}`,
    );
  }
  if (auth.type === 'hmac') return hmacHeaders(auth, secret, body, now);
  return { [auth.header.toLowerCase()]: secret };
};

const hookUrl = (endpoint: string, jobId: string, event: string | undefined): string => {
  const url = new URL(`${endpoint.replace(/\/+$/, '')}/hooks/${encodeURIComponent(jobId)}`);
  if (event !== undefined) url.searchParams.set('event', event);
  return url.href;
};

interface Answer {
  status: number;
  contentType: string | undefined;
  text: string;
  json: unknown;
  runId: string | undefined;
}

const readAnswer = async (res: Response): Promise<Answer> => {
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? undefined;
  let json: unknown;
  if (contentType !== undefined && /[/+]json\b/i.test(contentType)) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  // Queued and duplicate answers carry the run in the body; a decision, in a header.
  const fromBody =
    typeof json === 'object' && json !== null && 'runId' in json && typeof json.runId === 'string'
      ? json.runId
      : undefined;
  return {
    status: res.status,
    contentType,
    text,
    json,
    runId: fromBody ?? res.headers.get('x-triggerhub-run-id') ?? undefined,
  };
};

const isDone = (run: Run): boolean => run.status !== 'queued' && run.status !== 'running';

/**
 * What `--wait` does after a run was queued (`jobs run`, `runs replay`):
 * prints `line` (the command's usual output), follows the run to its end,
 * and prints it — with --json the queued answer with the finished run as
 * `run`. Fails (exit 1) when the run did not succeed, or has not ended
 * within `timeoutSeconds`.
 */
export const waitForQueuedRun = async (
  ctx: CommandContext,
  cmd: Command,
  queued: { runId: string },
  line: string,
  timeoutSeconds: number,
): Promise<void> => {
  const asJson = ctx.globals(cmd).json;
  if (!asJson) {
    ctx.io.stdout(line);
    ctx.io.stderr(`waiting for run ${queued.runId}…\n`);
  }
  // Real time, not the signing clock (tests fix that one).
  const run = await followRun(ctx.client(cmd), queued.runId, timeoutSeconds * 1000, Date.now);
  if (asJson) ctx.io.stdout(toJson(run === undefined ? queued : { ...queued, run }));
  else if (run !== undefined) ctx.io.stdout(`\n${renderRun(run)}`);
  if (run === undefined) {
    throw new ValidationError(
      `run ${queued.runId} has not finished after ${timeoutSeconds} s; ` +
        `follow it with triggerhub runs show ${queued.runId}`,
    );
  }
  if (run.status !== 'succeeded') throw new ValidationError(`run ${run.id} ${run.status}`);
};

/**
 * Polls the run until it has finished, with a bounded back-off; undefined
 * when `timeoutMs` passed first. A run not found yet (a decision's record is
 * written after its answer) is polled again.
 */
export const followRun = async (
  client: AdminClient,
  runId: string,
  timeoutMs: number,
  now: () => number,
): Promise<Run | undefined> => {
  const deadline = now() + timeoutMs;
  let delay = POLL_FIRST_MS;
  let last: Run | undefined;
  for (;;) {
    try {
      last = await client.getRun(runId);
      if (isDone(last)) return last;
    } catch (error) {
      if (!(error instanceof AdminApiError && error.status === 404)) throw error;
    }
    const left = deadline - now();
    if (left <= 0) return undefined;
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
    delay = Math.min(POLL_MAX_MS, Math.round(delay * 1.5));
  }
};

/** `HTTP 202 Accepted`: the standard reason phrase, whatever the server sent (HTTP/2 sends none). */
const describeStatus = (answer: Answer): string => {
  const reason = STATUS_CODES[answer.status];
  return `HTTP ${answer.status}${reason === undefined ? '' : ` ${reason}`}`;
};

const printableBody = (answer: Answer): string => {
  if (answer.text === '') return '';
  const text = answer.json === undefined ? answer.text : JSON.stringify(answer.json, null, 2);
  return `${safeText(text).replace(/\n+$/, '')}\n`;
};

export const registerSendCommand = (program: Command, ctx: CommandContext): void => {
  program
    .command('send')
    .description(
      "POST a webhook to a job as its caller would: the job's secret header, or a fresh HMAC timestamp " +
        "and signature, filled in from the stack's secret store. Prints the answer; --wait follows the run.",
    )
    .argument('<jobId>', 'the job to call')
    .option(
      '-d, --data <body>',
      'the body: text, @file (sent as is), or - for stdin (default: {}, or <ticket_info/> for SecureChange)',
    )
    .option(
      '--content-type <type>',
      'Content-Type (default: application/json; application/xml for a securechange job)',
    )
    .option('--event <event>', 'the trigger, sent as ?event= (e.g. a SecureChange event such as ADVANCE)')
    .addOption(waitOption())
    .addOption(waitTimeoutOption())
    .option(...SECRET_PREFIX_OPTION)
    .addHelpText(
      'after',
      '\nThe secret is read from the local data folder (.triggerhub/secrets, or TRIGGERHUB_SECRET_<NAME>)\n' +
        'for npm start, and from Secrets Manager (<prefix><name>) with your AWS credentials for a deployed\n' +
        'stack. It is never printed. Exit codes: 0 a 2xx answer (with --wait: the run succeeded), 1 otherwise.\n\n' +
        'Examples:\n' +
        '  triggerhub send demo -d \'{"hello":"world"}\' --wait\n' +
        '  triggerhub send securechange-trigger -d @examples/payloads/securechange-ticket-info.xml --event ADVANCE --wait\n' +
        '  triggerhub send checkpoint-before-publish -d @examples/payloads/checkpoint-before-publish-violation.json',
    )
    .action(async (jobId: string, opts: SendOptions, cmd: Command) => {
      if (!JOB_ID_PATTERN.test(jobId)) {
        throw new ValidationError(`not a job id: ${jobId} (lower-case letters, digits, - and _, at most 64)`);
      }
      const { endpoint, json: asJson } = ctx.globals(cmd);
      const client = ctx.client(cmd);
      let job: Job;
      try {
        job = await client.getJob(jobId);
      } catch (error) {
        if (error instanceof AdminApiError && error.status === 404) {
          throw new NotFoundError(`no job ${jobId} at ${endpoint} (triggerhub jobs list shows the jobs)`);
        }
        throw error;
      }
      const body = await readBody(ctx, opts.data, job);
      const now = ctx.io.now ?? (() => new Date());
      const headers = {
        'content-type': opts.contentType ?? DEFAULT_CONTENT_TYPES[job.source],
        ...(await authHeaders(job, await ctx.secretStore(cmd), body, now())),
      };
      const url = hookUrl(client.endpoint, jobId, opts.event);
      let res: Response;
      try {
        res = await (ctx.io.fetch ?? fetch)(url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
        });
      } catch (error) {
        // The message names the URL only: headers (the secret) never reach it.
        throw new ValidationError(
          `cannot reach ${url} (${errorMessage(error)}). ${unreachableHint(client.endpoint)}`,
        );
      }
      const answer = await readAnswer(res);
      const ok = answer.status >= 200 && answer.status < 300;

      let run: Run | undefined;
      let waited = false;
      if (opts.wait && ok && answer.runId !== undefined) {
        waited = true;
        if (!asJson) ctx.io.stderr(`waiting for run ${answer.runId}…\n`);
        // Real time, not the signing clock (tests fix that one).
        run = await followRun(client, answer.runId, opts.timeout * 1000, Date.now);
      }

      if (asJson) {
        ctx.io.stdout(
          toJson({
            status: answer.status,
            contentType: answer.contentType,
            body: answer.json ?? answer.text,
            ...(run === undefined ? {} : { run }),
          }),
        );
      } else {
        ctx.io.stdout(`${describeStatus(answer)}\n${printableBody(answer)}`);
        if (run !== undefined) ctx.io.stdout(`\n${renderRun(run)}`);
      }

      if (!ok) {
        throw new ValidationError(`the job answered ${describeStatus(answer)}`);
      }
      if (opts.wait && !waited) {
        ctx.io.stderr('note: the answer names no run to wait for\n');
        return;
      }
      if (waited && run === undefined) {
        throw new ValidationError(
          `run ${answer.runId} has not finished after ${opts.timeout} s; ` +
            `follow it with triggerhub runs show ${answer.runId}`,
        );
      }
      if (run !== undefined && run.status !== 'succeeded') {
        throw new ValidationError(`run ${run.id} ${run.status}`);
      }
    });
};
