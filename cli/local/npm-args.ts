import { ValidationError } from '../../shared/errors.ts';

/**
 * `start`'s own options, as npm names them when it takes one for itself
 * (`npm start --port 4000` sets `npm_config_port` and passes `4000` on as a
 * bare argument, so triggerhub would silently start on the default port).
 */
const START_FLAGS: readonly { flag: string; key: string; npmName: string; takesValue: boolean }[] = [
  { flag: '--port', key: 'port', npmName: 'npm_config_port', takesValue: true },
  { flag: '--data-dir', key: 'dataDir', npmName: 'npm_config_data_dir', takesValue: true },
  { flag: '--log-format', key: 'logFormat', npmName: 'npm_config_log_format', takesValue: true },
  { flag: '--no-examples', key: 'examples', npmName: 'npm_config_examples', takesValue: false },
];

/**
 * Throws a ValidationError explaining `npm start -- <flags>` when npm swallowed
 * one of `start`'s options: run by an npm script (`npm_lifecycle_event` set) with
 * `npm_config_<option>` in the environment, and the option not on triggerhub's
 * own command line. `stray` are the bare arguments npm passed on (the option's
 * value, separated from its name).
 */
export const checkNpmAteStartFlags = (
  env: NodeJS.ProcessEnv,
  stray: readonly string[],
  /** Whether the option (commander's key: `port`, `dataDir`…) reached triggerhub's command line. */
  given: (key: string) => boolean = () => false,
): void => {
  if (env.npm_lifecycle_event === undefined) return;
  const eaten = START_FLAGS.filter((f) => env[f.npmName] !== undefined && !given(f.key));
  if (eaten.length === 0) return;
  const values = [...stray];
  const words = eaten.map((f) => {
    if (!f.takesValue) return f.flag;
    // `--port 4000` leaves "true" in the variable and 4000 as an argument; `--port=4000` leaves 4000.
    const fromEnv = env[f.npmName];
    const value = fromEnv !== undefined && fromEnv !== 'true' && fromEnv !== '' ? fromEnv : values.shift();
    return `${f.flag} ${value ?? '<value>'}`;
  });
  const args = words.join(' ');
  const port = eaten.some((f) => f.flag === '--port')
    ? words.find((w) => w.startsWith('--port '))
    : undefined;
  throw new ValidationError(
    `npm took ${eaten.map((f) => f.flag).join(', ')} as its own option, so triggerhub never saw it: ` +
      `put -- before triggerhub's options: npm start -- ${args}` +
      (port === undefined ? '' : ` (or PORT=${port.slice('--port '.length)} npm start)`),
    'npm_ate_option',
  );
};
