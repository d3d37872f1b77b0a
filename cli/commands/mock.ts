import type { Command } from 'commander';
import { Argument } from 'commander';
import { ValidationError } from '../../shared/errors.ts';
import type { ListenOptions } from '../mocks/http.ts';
import { PortInUseError } from '../mocks/http.ts';
import { intArg, shellWord } from './context.ts';
import type { CommandContext } from './context.ts';

/** The targets `triggerhub mock` stands in for. */
export const MOCK_TARGETS = ['jira', 'servicenow', 'securechange'] as const;
export type MockTarget = (typeof MOCK_TARGETS)[number];

/**
 * Each target's port when `--port` is not given: fixed, so the example jobs
 * of examples/tickets/ can point at them (`http://127.0.0.1:<port>`).
 */
export const MOCK_DEFAULT_PORTS: Readonly<Record<MockTarget, number>> = {
  jira: 3101,
  servicenow: 3102,
  securechange: 3103,
};

/** A running mock: where it listens, what to print about it, how to stop it. */
interface Started {
  url: string;
  close(): Promise<void>;
  /** The lines after the first: credentials, secrets set, the job to apply, control curls. */
  lines: string[];
}

const secretLine = (value: string, name: string): string =>
  `printf %s ${shellWord(value)} | npx triggerhub secrets set ${name}`;

const portNote = (target: MockTarget, url: string, file: string): string[] =>
  url === `http://127.0.0.1:${MOCK_DEFAULT_PORTS[target]}`
    ? []
    : [`  (${file} points at port ${MOCK_DEFAULT_PORTS[target]}: set its params.url to ${url} first)`];

// Each mock is loaded only for its own target: the others' samples need not be read.
const starters: Record<MockTarget, (listen: ListenOptions) => Promise<Started>> = {
  jira: async (listen) => {
    const { startMockJira } = await import('../mocks/jira.ts');
    const mock = await startMockJira(listen);
    const project = mock.projects[0];
    const file = 'examples/tickets/alerts-to-jira.json';
    return {
      url: mock.url,
      close: () => mock.close(),
      lines: [
        `Accepts Basic auth: email ${mock.email}, API token ${mock.apiToken}`,
        `Projects: ${mock.projects.map((p) => `${p.id} (${p.key})`).join(', ')}; issue types Task, Bug, Story` +
          (project === undefined ? '' : ` (queue "${project.id}:Task" is ${project.key} / Task)`),
        '',
        'Store the token as the secret the example job names, then apply the job (it checks the credentials here):',
        `  ${secretLine(mock.apiToken, 'jira')}`,
        `  npx triggerhub jobs apply ${file}`,
        ...portNote('jira', mock.url, file),
        '',
        'Control it (what a person would do in Jira):',
        `  curl -sS ${mock.url}/_mock/state                      # issues, status, comments`,
        `  curl -sS -X POST ${mock.url}/_mock/issues/EX-1/close   # moves EX-1 to Done`,
        `  curl -sS -X POST ${mock.url}/_mock/issues/EX-1/delete  # removes EX-1`,
      ],
    };
  },
  servicenow: async (listen) => {
    const { startMockServiceNow } = await import('../mocks/servicenow.ts');
    const mock = await startMockServiceNow(listen);
    const file = 'examples/tickets/alerts-to-servicenow.json';
    return {
      url: mock.url,
      close: () => mock.close(),
      lines: [
        `Accepts Basic auth: username ${mock.username}, password ${mock.password}`,
        `Assignment groups (queues): ${mock.groups.map((g) => `${g.sys_id} (${g.name})`).join(', ')}`,
        '',
        'Store the password as the secret the example job names, then apply the job (it checks the credentials here):',
        `  ${secretLine(mock.password, 'servicenow')}`,
        `  npx triggerhub jobs apply ${file}`,
        ...portNote('servicenow', mock.url, file),
        '',
        'Control it (what an agent would do in ServiceNow; <id> is a sys_id or a number such as INC0010002):',
        `  curl -sS ${mock.url}/_mock/state                            # incidents, state, work notes`,
        `  curl -sS -X POST ${mock.url}/_mock/incidents/<id>/close    # state 7 Closed`,
        `  curl -sS -X POST ${mock.url}/_mock/incidents/<id>/delete   # removes it`,
      ],
    };
  },
  securechange: async (listen) => {
    const { startMockSecureChange } = await import('../mocks/securechange.ts');
    const mock = await startMockSecureChange(listen);
    const file = 'examples/tickets/securechange-enrichment.json';
    const tickets = mock.snapshot().tickets;
    return {
      url: mock.url,
      close: () => mock.close(),
      lines: [
        `Accepts Basic auth: user ${mock.username}, password ${mock.password}`,
        `Tickets: ${tickets.map((t) => `${t.id} "${t.subject}"`).join(', ')}`,
        '',
        'Store the password as the secret the example job names, then apply the job:',
        `  ${secretLine(mock.password, 'securechange-api')}`,
        `  npx triggerhub jobs apply ${file}`,
        ...portNote('securechange', mock.url, file),
        'Send it the Create trigger of ticket 446 (private and public addresses):',
        '  npx triggerhub send securechange-enrichment -d @examples/payloads/securechange-ticket-446-create.xml --event CREATE --wait',
        '',
        'See what was written to the tickets:',
        `  curl -sS ${mock.url}/_mock/state`,
      ],
    };
  },
};

const NAMES: Readonly<Record<MockTarget, string>> = {
  jira: 'Jira Cloud',
  servicenow: 'ServiceNow',
  securechange: 'SecureChange',
};

/** Resolves on the first Ctrl-C (SIGINT) or SIGTERM. */
const signals = (): Promise<void> =>
  new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

/**
 * `triggerhub mock <target>`: a loopback stand-in of Jira, ServiceNow or
 * SecureChange to try ticket and enrichment jobs without an account. `until`
 * stops it (tests); by default Ctrl-C.
 */
export const registerMockCommand = (
  program: Command,
  ctx: CommandContext,
  until: () => Promise<unknown> = signals,
): void => {
  program
    .command('mock')
    .description(
      'Run a stand-in of Jira, ServiceNow or SecureChange on 127.0.0.1, in memory, until Ctrl-C: ' +
        'try the example ticket and enrichment jobs of examples/tickets/ without an account.',
    )
    .addArgument(new Argument('<target>', 'what to stand in for').choices(MOCK_TARGETS))
    .option(
      '--port <n>',
      `port on 127.0.0.1; 0 picks a free one (default: jira ${MOCK_DEFAULT_PORTS.jira}, servicenow ` +
        `${MOCK_DEFAULT_PORTS.servicenow}, securechange ${MOCK_DEFAULT_PORTS.securechange}, where the examples point)`,
      intArg('--port', 0, 65_535),
    )
    .addHelpText(
      'after',
      '\nIt prints the credentials it accepts, the secrets set and jobs apply lines for its example job,\n' +
        'and the curl lines that close or delete a ticket (as a person would in the real system) and show\n' +
        'what was created and commented (GET /_mock/state). Nothing is kept when it stops.\n\n' +
        'Examples:\n' +
        '  npx triggerhub mock jira\n' +
        '  npx triggerhub mock servicenow --port 4000',
    )
    .action(async (target: MockTarget, opts: { port?: number }) => {
      const port = opts.port ?? MOCK_DEFAULT_PORTS[target];
      let started: Started;
      try {
        // One line per request a job makes (the control routes too): what the target was asked, and its answer.
        started = await starters[target]({
          port,
          onAnswer: (line) => ctx.io.stdout(`${new Date().toISOString().slice(11, 19)}  ${line}\n`),
        });
      } catch (e) {
        if (e instanceof PortInUseError) {
          throw new ValidationError(
            `${e.message}${opts.port === undefined ? ' (is another triggerhub mock running?)' : ''}`,
          );
        }
        throw e;
      }
      try {
        ctx.io.stdout(
          [
            `mock ${NAMES[target]} listening on ${started.url} (in memory; Ctrl-C stops it)`,
            ...started.lines,
            '',
            'Requests:',
            '',
          ].join('\n'),
        );
        await until();
      } finally {
        await started.close();
      }
      ctx.io.stdout(`mock ${NAMES[target]} stopped\n`);
    });
};
