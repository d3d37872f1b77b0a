import { Option } from 'commander';
import type { Command } from 'commander';
import { access } from 'node:fs/promises';
import { NotFoundError, ValidationError, errorMessage } from '../../shared/errors.ts';
import { secretFilePath } from '../../shared/secrets/local-secret-store.ts';
import { JOB_ID_PATTERN } from '../../shared/model/index.ts';
import type { Job } from '../../shared/model/index.ts';
import { AdminApiError, AdminConnectionError } from '../admin-client.ts';
import {
  DEFAULT_SECRET_HEADER,
  MEDIATOR_KINDS,
  MEDIATOR_LANGS,
  defaultSecretFile,
  generateMediatorScript,
} from '../mediator/generate.ts';
import type { MediatorKind, MediatorLang } from '../mediator/generate.ts';
import { MediatorOptionsSchema } from '../mediator/options.ts';
import { shellWord } from './context.ts';
import type { CommandContext } from './context.ts';
import { isLoopbackEndpoint } from '../sigv4.ts';

interface MediatorCommandOptions {
  kind: MediatorKind;
  lang: MediatorLang;
  url?: string;
  secretHeader?: string;
  secretFile?: string;
  jobCheck: boolean;
}

/**
 * A script for this machine's stack reads the stack's own secret file (so it
 * can be tried at once); one for a deployed stack, the TOS host's file.
 */
const defaultSecretFileFor = async (
  ctx: CommandContext,
  url: string,
  jobId: string,
  job: Job | undefined,
  note: (s: string) => void,
): Promise<string> => {
  if (job?.auth === undefined || !isLoopbackEndpoint(url)) return defaultSecretFile(jobId);
  const path = secretFilePath(ctx.dataDir, job.auth.secret);
  note(`the script reads the secret from ${path} (this machine's stack); for a TOS host pass --secret-file`);
  try {
    await access(path);
  } catch {
    note(`${path} does not exist yet: create it with triggerhub secrets set ${job.auth.secret}`);
  }
  return path;
};

/** What each kind of script needs of its job: SecureChange's XML, and an answer of the right shape. */
const KIND_NEEDS: Record<MediatorKind, { mode: Job['mode']; why: string }> = {
  trigger: { mode: 'async', why: 'a workflow trigger only needs the event accepted (202)' },
  validation: { mode: 'decision', why: 'a validation script turns the verdict into its exit code' },
  risk: { mode: 'decision', why: 'a risk analysis script turns the verdict into its exit code' },
  assignment: { mode: 'decision', why: 'an assignment script prints the <tasks> XML the job answers' },
};

/**
 * Refuses (ValidationError) a job the script cannot work with: not a
 * SecureChange job, the wrong mode for the kind, or HMAC auth. Notes what may
 * still surprise (stderr). Returns the job's secret header.
 */
const checkJob = (
  job: Job,
  kind: MediatorKind,
  flagHeader: string | undefined,
  note: (s: string) => void,
): string => {
  const problems: string[] = [];
  if (job.source !== 'securechange') {
    problems.push(
      `its source is "${job.source}": SecureChange scripts send ticket XML to a "securechange" job`,
    );
  }
  const needs = KIND_NEEDS[kind];
  if (job.mode !== needs.mode) {
    problems.push(
      `it is ${job.mode === 'async' ? 'an async' : 'a decision'} job and ${needs.why}: it needs "mode": "${needs.mode}"`,
    );
  }
  if (job.auth === undefined) {
    problems.push('it accepts no webhook ("webhook": false): a mediator script has nothing to call');
  } else if (job.auth.type !== 'shared-secret') {
    problems.push(
      'it authenticates callers with an HMAC signature and a mediator script sends a shared secret: ' +
        'give it "auth": { "type": "shared-secret", "secret": "…" }',
    );
  }
  if (problems.length > 0) {
    const fits = MEDIATOR_KINDS.filter((k) => KIND_NEEDS[k].mode === job.mode);
    const hint =
      problems.length === 1 && job.mode !== needs.mode
        ? `for this job use --kind ${fits.join(', --kind ')}`
        : 'pick a matching job (triggerhub jobs list)';
    throw new ValidationError(
      `job ${job.id} cannot serve a ${kind} script: ${problems.join('; ')}. Nothing generated: ${hint}.`,
      'kind_mismatch',
    );
  }
  const header = job.auth?.type === 'shared-secret' ? job.auth.header : DEFAULT_SECRET_HEADER;
  if (flagHeader !== undefined && flagHeader.toLowerCase() !== header.toLowerCase()) {
    note(`using the job's secret header ${header}, not --secret-header ${flagHeader}`);
  }
  if (kind === 'assignment' && job.event?.trim().toUpperCase() !== 'PRE_ASSIGNMENT_SCRIPT') {
    note(
      `job ${job.id} answers JSON unless its integration returns an assignment; ` +
        'set "event": "PRE_ASSIGNMENT_SCRIPT" to always get the assignment XML',
    );
  }
  if ((kind === 'validation' || kind === 'risk') && job.event === undefined) {
    note(
      `job ${job.id} has no "event": if SecureChange starts the script without SCW_EVENT, ` +
        'triggerhub cannot tell which trigger it is; set the job\'s "event"',
    );
  }
  if (!job.enabled) note(`job ${job.id} is disabled: it answers 409 until enabled`);
  return header;
};

export const registerMediatorCommand = (program: Command, ctx: CommandContext): void => {
  program
    .command('mediator')
    .description('Print a SecureChange mediator script that forwards the ticket XML to a job.')
    .argument('<jobId>', 'the job the script calls')
    .addOption(
      new Option('--kind <kind>', 'where SecureChange runs the script')
        .choices(MEDIATOR_KINDS)
        .default('trigger'),
    )
    .addOption(new Option('--lang <lang>', 'script language').choices(MEDIATOR_LANGS).default('bash'))
    .option(
      '--url <url>',
      'base URL of triggerhub as the TOS host reaches it, where /hooks/<jobId> is served ' +
        '(default: --endpoint, i.e. the running local stack)',
    )
    .option(
      '--secret-header <name>',
      `header carrying the secret (default: the job's; with --no-job-check ${DEFAULT_SECRET_HEADER})`,
    )
    .option(
      '--secret-file <path>',
      'absolute path of the file the script reads the secret from when it runs (default: the local ' +
        "stack's secret file when --url is this machine, else /opt/tufin/triggerhub/<jobId>.secret)",
    )
    .option(
      '--no-job-check',
      'generate without asking the admin API about the job (no check of its kind, mode or header)',
    )
    .addHelpText(
      'after',
      `
The script reads the ticket XML on stdin and SCW_EVENT from its environment, and
POSTs them to <url>/hooks/<jobId> (Content-Type application/xml, X-SCW-Event) with
the secret read from --secret-file when it runs: the secret is never in the script.

Kinds:
  trigger     workflow event trigger: exit 0 when triggerhub accepted the event (2xx)
  validation  ticket validation: exit 0 on {"result":"success"}; on "failure" the
              message goes to stderr and the exit code is 1 (needs a decision job)
  risk        external risk analysis: as validation
  assignment  dynamic / pre-assignment: prints the XML triggerhub answers (decision job)

The script goes to stdout, notes to stderr:
  triggerhub mediator firewall-review --kind validation --url https://hooks.example.com > firewall-review.sh`,
    )
    .action(async (jobId: string, opts: MediatorCommandOptions, cmd: Command) => {
      const { endpoint } = ctx.globals(cmd);
      const note = (s: string) => ctx.io.stderr(`note: ${s}\n`);
      const url = opts.url ?? endpoint;
      if (!JOB_ID_PATTERN.test(jobId)) {
        throw new ValidationError(`not a job id: ${jobId} (lower-case letters, digits, - and _, at most 64)`);
      }

      // A bad URL is said before the admin API is asked anything.
      const checkedUrl = MediatorOptionsSchema.shape.url.safeParse(url);
      if (!checkedUrl.success) {
        throw new ValidationError(
          `mediator script: url: ${checkedUrl.error.issues.map((i) => i.message).join('; ')}`,
        );
      }

      let secretHeader = opts.secretHeader ?? DEFAULT_SECRET_HEADER;
      let job: Job | undefined;
      if (opts.jobCheck) {
        try {
          job = await ctx.client(cmd, { retryLimit: 0, timeoutMs: 5000 }).getJob(jobId);
        } catch (error) {
          if (error instanceof AdminApiError && error.status === 404) {
            throw new NotFoundError(
              `no job ${jobId} at ${endpoint}: create it first (triggerhub jobs apply <file>), ` +
                'then generate its script',
            );
          }
          const why = error instanceof AdminConnectionError ? error.message : errorMessage(error);
          throw new ValidationError(
            `cannot check job ${jobId} (${why}); to generate the script anyway, pass --no-job-check ` +
              '(with --secret-header when the job does not use X-Shared-Secret)',
          );
        }
        secretHeader = checkJob(job, opts.kind, opts.secretHeader, note);
      }
      const secretFile = opts.secretFile ?? (await defaultSecretFileFor(ctx, url, jobId, job, note));
      const generatedBy = [
        'triggerhub mediator',
        shellWord(jobId),
        `--kind ${opts.kind}`,
        `--lang ${opts.lang}`,
        `--url ${shellWord(url)}`,
        `--secret-header ${shellWord(secretHeader)}`,
        `--secret-file ${shellWord(secretFile)}`,
      ].join(' ');
      const script = generateMediatorScript({
        jobId,
        kind: opts.kind,
        lang: opts.lang,
        url,
        secretHeader,
        secretFile,
        generatedBy,
      });
      // The URL is valid here: the generator checked it.
      if (new URL(url).protocol === 'http:' && !isLoopbackEndpoint(url)) {
        note(`${url} is plain http: the secret would cross the network unencrypted`);
      }
      ctx.io.stdout(script);
    });
};
