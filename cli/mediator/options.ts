import { enum as zEnum, number, object, string } from 'zod';
import type { input, output } from 'zod';
import { ValidationError } from '../../shared/errors.ts';
import { JOB_ID_PATTERN } from '../../shared/model/index.ts';

/**
 * What SecureChange expects back from the script, by the place it is configured:
 * - `trigger`: a workflow event trigger (Settings > SecureChange API); the exit code.
 * - `validation`: a ticket validation script; the exit code (0 = valid).
 * - `risk`: an external risk analysis script; the exit code.
 * - `assignment`: a dynamic / pre-assignment script; the `<tasks>` XML on stdout.
 */
export const MEDIATOR_KINDS = ['trigger', 'validation', 'risk', 'assignment'] as const;
export type MediatorKind = (typeof MEDIATOR_KINDS)[number];

export const MEDIATOR_LANGS = ['bash', 'python'] as const;
export type MediatorLang = (typeof MEDIATOR_LANGS)[number];

export const DEFAULT_SECRET_HEADER = 'X-Shared-Secret';
/** Seconds the script waits for triggerhub: above a decision job's 25 s, under API Gateway's 29 s plus connect. */
export const DEFAULT_MAX_TIME_SECONDS = 30;

/** Where the script reads the job's secret on the TOS host, unless `--secret-file` says otherwise. */
export const defaultSecretFile = (jobId: string): string => `/opt/tufin/triggerhub/${jobId}.secret`;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export const MediatorOptionsSchema = object({
  jobId: string().regex(JOB_ID_PATTERN, 'job id: lower-case letters, digits, - and _, at most 64'),
  kind: zEnum(MEDIATOR_KINDS),
  lang: zEnum(MEDIATOR_LANGS),
  /** Public base URL of triggerhub (where `/hooks/{jobId}` is served). */
  url: string()
    .refine((u) => URL.canParse(u), 'not a URL')
    .refine((u) => /^https?:$/.test(new URL(u).protocol), 'the URL must be http or https')
    .refine(
      (u) => new URL(u).search === '' && new URL(u).hash === '',
      'the URL must have no query or fragment',
    )
    .refine((u) => !CONTROL.test(u), 'the URL must have no control characters'),
  secretHeader: string().regex(HEADER_NAME, 'not a valid header name'),
  secretFile: string()
    .startsWith('/', 'the secret file must be an absolute path on the TOS host')
    .refine((p) => !CONTROL.test(p), 'the secret file path must have no control characters'),
  maxTimeSeconds: number().int().min(1).max(600).default(DEFAULT_MAX_TIME_SECONDS),
  /** The command line that produced the script, quoted in its header. */
  generatedBy: string()
    .refine((g) => !CONTROL.test(g), 'generatedBy must have no control characters')
    .optional(),
});
export type MediatorOptions = input<typeof MediatorOptionsSchema>;
export type ResolvedMediatorOptions = output<typeof MediatorOptionsSchema>;

/** Checks the options, throwing one ValidationError naming every problem. */
export const resolveMediatorOptions = (options: MediatorOptions): ResolvedMediatorOptions => {
  const parsed = MediatorOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ValidationError(`mediator script: ${problems}`);
  }
  return parsed.data;
};

/** `<base>/hooks/<jobId>`, keeping a base path such as an API Gateway stage. */
export const hookUrl = (base: string, jobId: string): string => {
  const url = new URL(base);
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}${path}/hooks/${encodeURIComponent(jobId)}`;
};

/** The kind as SecureChange's settings name it, for the script's header. */
export const KIND_TITLES: Record<MediatorKind, string> = {
  trigger: 'workflow event trigger',
  validation: 'ticket validation script',
  risk: 'external risk analysis script',
  assignment: 'dynamic / pre-assignment script',
};

/** The behaviour the script implements, described once for both languages. */
export const KIND_CONTRACTS: Record<MediatorKind, readonly string[]> = {
  trigger: [
    'Exits 0 when triggerhub accepted the event (HTTP 2xx), non-zero otherwise:',
    'SecureChange then runs the script again (up to five times in all).',
  ],
  validation: [
    'The job must be a decision job: triggerhub answers 200 {"result","message","runId"}.',
    'Exits 0 on "success"; on "failure" prints the message on stderr and exits 1.',
  ],
  risk: [
    'The job must be a decision job: triggerhub answers 200 {"result","message","runId"}.',
    'Exits 0 on "success"; on "failure" prints the message on stderr and exits 1.',
  ],
  assignment: [
    'The job must be a decision job answering 200 with the assignment XML (<tasks>…</tasks>),',
    'which the script prints on stdout for SecureChange.',
  ],
};

export const EXIT_CODES_DOC: readonly string[] = [
  'Exit codes: 0 done; 1 the job answered "failure"; 2 the secret file cannot be read;',
  '3 triggerhub cannot be reached or did not answer in time; 4 an HTTP error or an unexpected answer.',
];

export const installSteps = (o: ResolvedMediatorOptions): readonly string[] => [
  'Install on the TOS host:',
  `  1. Put the job's shared secret (its value, on one line) in ${o.secretFile},`,
  '     readable only by the account SecureChange runs scripts as (chmod 600).',
  '  2. Upload this script with: sudo tos scripts sc push <this file>',
  `  3. Configure it in SecureChange as a ${KIND_TITLES[o.kind]}.`,
  'The secret is read when the script runs; it is never written into the script.',
];

/**
 * The header comment both script languages open with (`#` comments in bash
 * and Python alike): what the script does, its exit codes, how to install it.
 */
export const headerComment = (o: ResolvedMediatorOptions, needs: string): string =>
  [
    `triggerhub mediator script: SecureChange ${KIND_TITLES[o.kind]} -> triggerhub job "${o.jobId}"`,
    ...(o.generatedBy === undefined ? [] : [`Generated by: ${o.generatedBy}`]),
    '',
    'SecureChange runs this script with the ticket XML on stdin and the event in',
    'SCW_EVENT. It POSTs the XML unchanged to triggerhub.',
    ...KIND_CONTRACTS[o.kind],
    ...EXIT_CODES_DOC,
    '',
    ...installSteps(o),
    needs,
  ]
    .map((l) => (l === '' ? '#' : `# ${l}`))
    .join('\n');
