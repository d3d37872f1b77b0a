// What a job with no runs yet tells a newcomer: the commands that make its first run, each
// shown only where it truly works for this job.
import { useEffect, useState } from 'preact/hooks';
import { api, consoleSettings } from '../api.ts';
import { to } from '../router.ts';
import type { ConsoleSettings, Job } from '../types.ts';
import { Command, EmptyState, Time } from '../ui.tsx';

/** A sample body `triggerhub send` can post to a job of each source (files of examples/payloads). */
const SEND_DATA: Record<Job['source'], string> = {
  generic: `-d '{"hello":"world"}'`,
  securechange: '-d @examples/payloads/securechange-ticket-info.xml --event ADVANCE',
  checkpoint: '-d @examples/payloads/checkpoint-before-publish.json',
};

/** The schedule's next occurrence, from the schedule preview (absent while it cannot say). */
const useNextOccurrence = (job: Job): string | undefined => {
  const [next, setNext] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (job.schedule === undefined || job.enabled === false) return;
    let live = true;
    api
      .send<{ next?: string[] }>('POST', '/schedules/preview', { schedule: job.schedule })
      .then((answer) => live && setNext(answer.next?.[0]))
      // Without a preview the empty state still says the job runs on its schedule.
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [job]);
  return next;
};

const useSettings = (): ConsoleSettings | undefined => {
  const [settings, setSettings] = useState<ConsoleSettings | undefined>(undefined);
  useEffect(() => {
    consoleSettings().then(setSettings, () => undefined);
  }, []);
  return settings;
};

/** The history of a job that has never run. */
export const NoRunsYet = ({ job }: { job: Job }) => {
  const next = useNextOccurrence(job);
  const settings = useSettings();
  const webhook = job.webhook !== false && job.auth !== undefined;
  const auth = job.auth;
  // The curl line reads the secret from the local stack's data folder: true only under
  // `npm start` (no sign-in), for a shared secret (an HMAC signature needs `send`), and for JSON.
  const curl =
    webhook && auth?.type === 'shared-secret' && settings?.auth.type === 'none' && job.source === 'generic'
      ? [
          `curl -sS -X POST ${window.location.origin}/hooks/${job.id} \\`,
          `  -H 'content-type: application/json' \\`,
          `  -H "${auth.header ?? 'X-Shared-Secret'}: $(cat .triggerhub/secrets/${auth.secret})" \\`,
          `  -d '{"hello":"world"}'`,
        ].join('\n')
      : undefined;
  return (
    <EmptyState title="No runs yet">
      {job.enabled === false ? (
        <p>
          This job is <strong>disabled</strong>: it answers its webhook with 409 and its schedule does not
          fire. Enable it on the <a href={to(`/jobs/${encodeURIComponent(job.id)}`)}>job page</a> first.
        </p>
      ) : null}
      {webhook ? (
        <>
          <p>Send it a webhook from a terminal in the folder where the stack runs, and follow the run:</p>
          <Command text={`npx triggerhub send ${job.id} ${SEND_DATA[job.source]} --wait`} />
          {curl === undefined ? null : (
            <>
              <p>The same request with curl (the secret is read from the stack’s data folder):</p>
              <Command text={curl} />
            </>
          )}
        </>
      ) : null}
      {job.schedule === undefined ? null : (
        <p>
          It runs on its schedule
          {next === undefined ? (
            '.'
          ) : (
            <>
              {' '}
              — next <Time iso={next} /> (<span>{new Date(next).toLocaleString()}</span>).
            </>
          )}
        </p>
      )}
      {job.mode === 'async' ? (
        <>
          <p>
            Or run it now: <strong>Run now</strong> in the <a href={to('/jobs')}>jobs grid</a>, or
          </p>
          <Command text={`npx triggerhub jobs run ${job.id} --wait`} />
        </>
      ) : null}
    </EmptyState>
  );
};
