import { Option } from 'commander';
import type { Command } from 'commander';
import { ValidationError, errorMessage } from '../../shared/errors.ts';
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
import { shellWord } from './context.ts';
import type { CommandContext } from './context.ts';
import { isLoopbackEndpoint } from '../sigv4.ts';

interface MediatorCommandOptions {
  kind: MediatorKind;
  lang: MediatorLang;
  url?: string;
  secretHeader?: string;
  secretFile?: string;
}

/** What the job itself says about how the script should talk to it; notes go to stderr. */
const checkJob = (
  job: Job,
  kind: MediatorKind,
  flagHeader: string | undefined,
  note: (s: string) => void,
) => {
  if (job.auth.type !== 'shared-secret') {
    throw new ValidationError(
      `job ${job.id} authenticates callers with an HMAC signature; a mediator script sends a shared secret: ` +
        'give the job "auth": { "type": "shared-secret", "secret": "…" }',
    );
  }
  if (flagHeader !== undefined && flagHeader.toLowerCase() !== job.auth.header.toLowerCase()) {
    note(`using the job's secret header ${job.auth.header}, not --secret-header ${flagHeader}`);
  }
  if (job.source !== 'securechange') {
    note(`job ${job.id} has source "${job.source}"; SecureChange scripts need source "securechange"`);
  }
  if (kind !== 'trigger' && job.mode !== 'decision') {
    note(
      `job ${job.id} is an ${job.mode} job: it answers 202 without a verdict and a ${kind} script fails on that; ` +
        'set "mode": "decision"',
    );
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
  if (!job.enabled) note(`job ${job.id} is disabled`);
  return job.auth.header;
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
      'public base URL of triggerhub, where /hooks/<jobId> is served (default: --endpoint)',
    )
    .option(
      '--secret-header <name>',
      `header carrying the secret (default: the job's, when the admin API can show the job; else ${DEFAULT_SECRET_HEADER})`,
    )
    .option(
      '--secret-file <path>',
      'file on the TOS host holding the secret (default: /opt/tufin/triggerhub/<jobId>.secret)',
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

      let secretHeader = opts.secretHeader ?? DEFAULT_SECRET_HEADER;
      // The job is read only for its settings: the script can be generated before
      // the job exists, or away from the admin API, with the flags.
      try {
        const job = await ctx.client(cmd, { retryLimit: 0, timeoutMs: 5000 }).getJob(jobId);
        secretHeader = checkJob(job, opts.kind, opts.secretHeader, note);
      } catch (error) {
        if (error instanceof ValidationError) throw error;
        const why =
          error instanceof AdminApiError && error.status === 404
            ? `job ${jobId} does not exist at ${endpoint}`
            : `could not read job ${jobId} from ${endpoint} (${error instanceof AdminConnectionError ? error.reason : errorMessage(error)})`;
        note(`${why}; using the secret header ${secretHeader}`);
      }
      const secretFile = opts.secretFile ?? defaultSecretFile(jobId);
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
