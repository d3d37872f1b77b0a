// The files `triggerhub integrations new <id>` writes: pure functions of the id, name,
// description and date, so that a test can check them without a disk.

/** What a scaffold is made from. */
export interface ScaffoldInput {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** `YYYY-MM-DD`, the CHANGELOG's first release date. */
  readonly date: string;
}

/** The version a new integration starts at. */
export const SCAFFOLD_VERSION = '0.1.0';

/**
 * A TypeScript string literal of `text` as prettier writes it: single quotes,
 * unless the text holds more of them than double quotes.
 */
const tsString = (text: string): string => {
  const inner = JSON.stringify(text).slice(1, -1); // backslashes, controls and " escaped
  const singles = (text.match(/'/g) ?? []).length;
  const doubles = (text.match(/"/g) ?? []).length;
  return singles > doubles ? `"${inner}"` : `'${inner.replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
};

/** `integrations/<id>/index.ts`: a manifest, one optional parameter and a `run` that logs the trigger. */
export const indexSource = ({
  id,
  name,
  description,
}: ScaffoldInput): string => `import { defineIntegration } from '../../shared/sdk/index.ts';

/**
 * ${name.replace(/\*\//g, '* /')}: ${description.replace(/\*\//g, '* /')}
 *
 * Its job runs \`run\` once per event. \`ctx\` holds the event, the job's
 * parameters (typed from \`parameters\` below), a logger whose lines the run
 * keeps, an AbortSignal for the run's deadline, and the run and job ids.
 */
export default defineIntegration({
  id: ${tsString(id)},
  name: ${tsString(name)},
  version: ${tsString(SCAFFOLD_VERSION)},
  description: ${tsString(description)},
  parameters: {
    greeting: {
      type: 'text',
      label: 'Greeting',
      description: 'Put in front of the run message.',
      default: 'Hello',
    },
  },
  run({ event, params, logger }) {
    logger.info(\`received a \${event.source}/\${event.trigger} event, delivery \${event.deliveryId}\`);
    return {
      message: \`\${params.greeting} from ${id}\`,
      output: { source: event.source, trigger: event.trigger },
    };
  },
});
`;

/** `integrations/<id>/index.test.ts`: passes as written, and covers all of `run`. */
export const testSource = ({ id }: ScaffoldInput): string => `import { describe, expect, it } from 'vitest';
import { runForTest } from '../../shared/sdk/testing.ts';
import integration from './index.ts';

describe(${tsString(id)}, () => {
  it('logs the trigger and greets with the default greeting', async () => {
    // Act
    const outcome = await runForTest(integration, { event: { payload: { hello: 'world' } } });

    // Assess
    expect(outcome.status).toBe('succeeded');
    expect(outcome.message).toBe(${tsString(`Hello from ${id}`)});
    expect(outcome.output).toEqual({ source: 'generic', trigger: 'webhook' });
    expect(outcome.logs.map((l) => l.message)).toEqual([
      'received a generic/webhook event, delivery test-delivery',
    ]);
  });

  it('greets with the greeting the job sets', async () => {
    // Act
    const outcome = await runForTest(integration, { params: { greeting: 'Hi' } });

    // Assess
    expect(outcome.message).toBe(${tsString(`Hi from ${id}`)});
  });
});
`;

/** `integrations/<id>/CHANGELOG.md`: Added / Changed / Fixed per version, newest first. */
export const changelogSource = ({ id, date }: ScaffoldInput): string => `# Changelog

What changed in \`${id}\`, newest first (Added / Changed / Fixed per version).

## ${SCAFFOLD_VERSION} - ${date}

### Added

- First version.
`;

/** `integrations/<id>/job.example.json`: a generic async job for it, authenticated by a secret named as the id. */
export const jobExampleSource = ({ id, name }: ScaffoldInput): string =>
  `${JSON.stringify(
    {
      id,
      name,
      description: `Runs ${id} for every JSON webhook. Secret: ${id} (triggerhub secrets set ${id}).`,
      integration: id,
      source: 'generic',
      auth: { type: 'shared-secret', secret: id, header: 'X-Shared-Secret' },
      mode: 'async',
      params: { greeting: 'Hello' },
    },
    null,
    2,
  )}\n`;

/** Every file of a scaffold, by name, in the order they are listed. */
export const scaffoldFiles = (input: ScaffoldInput): ReadonlyArray<readonly [string, string]> => [
  ['index.ts', indexSource(input)],
  ['index.test.ts', testSource(input)],
  ['CHANGELOG.md', changelogSource(input)],
  ['job.example.json', jobExampleSource(input)],
];
