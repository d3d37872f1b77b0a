import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { JobSchema, type Job, type JobInput } from '../../shared/model/index.ts';
import type { SourceRequest } from '../../shared/sources/types.ts';

/** The repository root (this file is `test/helpers/samples.ts`). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/**
 * Real formats, copied into the repository so a clone tests on its own
 * (sources, commits and licences: `test/fixtures/PROVENANCE.md`).
 */
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');
export const samplesDir = path.join(fixturesDir, 'samples');
export const seedsDir = path.join(fixturesDir, 'seeds');

/** A sample file as text, by its path under `test/fixtures/samples`. */
export const readSample = (relativePath: string): string =>
  readFileSync(path.join(samplesDir, relativePath), 'utf8');

export const readSampleJson = (relativePath: string): unknown => JSON.parse(readSample(relativePath));

/** The `ticket_info` example of the SecureChange custom-scripts documentation (seed). */
export const seedTicketInfoXml = (): string => {
  const text = readFileSync(path.join(seedsDir, 'securechange-custom-scripts.txt'), 'utf8');
  const end = '</ticket_info>';
  return text.slice(text.indexOf('<?xml'), text.indexOf(end) + end.length);
};

/**
 * The richer `ticket_info` example quoted in `tufin_kc_doc_excerpts.md` §6
 * (elided parts written as `...` text, which is still well-formed XML).
 */
export const kcExcerptTicketInfoXml = (): string => {
  const text = readSample('tufin-securechange/tufin_kc_doc_excerpts.md');
  const end = '</ticket_info>';
  return text.slice(text.indexOf('<ticket_info>'), text.indexOf(end) + end.length);
};

/** The stdin payloads of the pytos2 trigger tests, by label. */
export const pytos2StdinSamples = (): {
  valid: string;
  notFound: string;
  invalidRoot: string;
  json: string;
} => {
  const lines = readSample('tufin-securechange/pytos2/test_trigger_excerpt_stdin_samples.txt').split('\n');
  const after = (label: string): string => {
    const line = lines.find((l) => l.startsWith(label));
    if (line === undefined) throw new Error(`no ${label} line in the pytos2 excerpt`);
    return line.slice(line.indexOf(':', label.length - 1) + 1).trim();
  };
  return {
    valid: after('stdin (valid)'),
    notFound: after('stdin (404 tkt)'),
    invalidRoot: after('stdin (invalid root'),
    json: after('stdin (JSON instead of XML'),
  };
};

export const PYTOS = 'tufin-securechange/pytos';
export const CHECKPOINT = 'checkpoint-smarttasks';

/**
 * The Custom Data of rdarst/SmartTasks `PrePublish/README.md` ("Example JSON
 * for the Custom Data in the SmartTask").
 */
export const PRE_PUBLISH_CUSTOM_DATA = { admins: ['Mickey'], 'allowed-tag': 'Web_Control' };
/** The Custom Data of rdarst/SmartTasks `PostPublish/README.md`. */
export const POST_PUBLISH_CUSTOM_DATA = { phone_number: '740-555-1212', 'allowed-tag': 'Web_Control' };

const JsonObjectSchema = z.record(z.string(), z.unknown());
/** The part of a show-task answer for the show-changes task the fixtures use. */
const ShowChangesAnswerSchema = z.object({
  tasks: z.array(z.object({ 'task-details': z.array(z.object({ changes: z.array(JsonObjectSchema) })) })),
});

const showChangesEntries = (file: string): Record<string, unknown>[] =>
  ShowChangesAnswerSchema.parse(readSampleJson(`${CHECKPOINT}/${file}`)).tasks.flatMap((t) =>
    t['task-details'].flatMap((d) => d.changes),
  );

/**
 * A Before Publish Web Request payload. No captured one exists in the
 * samples, so it is built from the documented fields only: the Admin Guide
 * ("the sessions meta-data … the session changes about to be published are
 * formatted as a response to the show changes API"), the layout
 * rdarst/SmartTasks `PrePublish/Prepublish.sh` reads (`.session."user-name"`,
 * `.operations."added-objects"` …, `."custom-data".<key>`), the first change
 * of `show-changes_example_response_by_dates.json`, and the Custom Data of
 * `PrePublish/README.md`.
 */
export const beforePublishPayload = (): Record<string, unknown> => ({
  ...showChangesEntries('show-changes_example_response_by_dates.json')[0],
  'custom-data': PRE_PUBLISH_CUSTOM_DATA,
});

/**
 * An After Publish payload laid out as a whole show-changes answer
 * (`show-changes_example_response_by_sessions.json`, two sessions) with the
 * Custom Data of rdarst/SmartTasks `PostPublish/README.md` merged in.
 */
export const showChangesPayload = (): Record<string, unknown> => ({
  ...JsonObjectSchema.parse(readSampleJson(`${CHECKPOINT}/show-changes_example_response_by_sessions.json`)),
  'custom-data': POST_PUBLISH_CUSTOM_DATA,
});

/**
 * An After Install Policy payload, built from the fields rdarst/SmartTasks
 * `PostInstall/policy_sanity_check_script.sh` reads (`.initiator`,
 * `.installPolicyResult`, `.policyPackage`, `.tasksResult[].target`,
 * `."custom-data".<key>`; the script tests the result with
 * `contains("Succes")`), the package name of its README (`show package name
 * standard`), the targets of the add-smart-task API example, and a subset
 * of the README's Custom Data. Values are illustrative.
 */
export const afterInstallPolicyPayload = (): Record<string, unknown> => ({
  initiator: 'admin',
  installPolicyResult: 'Succeeded',
  policyPackage: 'standard',
  tasksResult: [{ target: 'Corporate-Gateway' }, { target: 'BranchOffice' }],
  'custom-data': {
    smarttask_servicenow_host: 'dev12345.service-now.com',
    short_description: 'Check Point SmartTask has reverted to last good known policy',
  },
});

/** Run Script data: the trigger JSON, base64-encoded as `base64 -w 0` prints it. */
export const toBase64Json = (value: unknown): string =>
  Buffer.from(JSON.stringify(value), 'utf8').toString('base64');

/** A valid job with defaults applied; `auth` defaults to a shared secret named `test`. */
export const makeJob = (input: Partial<JobInput> = {}): Job =>
  JobSchema.parse({
    id: 'test-job',
    name: 'Test job',
    integration: 'echo',
    auth: { secret: 'test' },
    ...input,
  });

export const DELIVERY_ID = '01JD0000000000000000000000';
export const RECEIVED_AT = '2026-11-22T10:00:00.000Z';

/** A request as the ingest hands it to an adapter (header names lower-case). */
export const makeRequest = (
  body: string,
  contentType: string | undefined,
  extra: { headers?: Record<string, string>; query?: Record<string, string> } = {},
): SourceRequest => ({
  body,
  contentType,
  headers: {
    ...(contentType === undefined ? {} : { 'content-type': contentType }),
    ...extra.headers,
  },
  query: extra.query ?? {},
  deliveryId: DELIVERY_ID,
  receivedAt: RECEIVED_AT,
});

/** What `fn` throws; fails the test when it does not throw. */
export const errorOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
};
