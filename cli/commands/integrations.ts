import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { ConflictError, ValidationError } from '../../shared/errors.ts';
import type { IntegrationManifest } from '../../shared/model/index.ts';
import { INTEGRATION_ID, REPO_ROOT } from '../integrations/registry-file.ts';
import { scaffoldFiles } from '../integrations/templates.ts';
import { cell, renderTable } from '../output.ts';
import type { CommandContext } from './context.ts';

/** `name*:type` per parameter (`*`: mandatory), for the list's PARAMETERS column. */
export const parametersCell = (parameters: IntegrationManifest['parameters']): string => {
  const names = Object.entries(parameters).map(
    ([name, spec]) => `${name}${spec.mandatory === true ? '*' : ''}:${spec.type}`,
  );
  return names.length === 0 ? '-' : cell(names.join(', '), 60);
};

/** A job's name is at most 200 characters, and the example job is named as the integration. */
const MAX_NAME_LENGTH = 200;

/** Where a path is shown from: relative to where the command runs when inside it. */
const shown = (from: string, path: string): string => {
  const rel = relative(from, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
};

export const registerIntegrationCommands = (program: Command, ctx: CommandContext): void => {
  const integrations = program
    .command('integrations')
    .description('Show the integrations jobs can run, or start a new one.');

  integrations
    .command('list')
    .description(
      'List the integrations with their version, entry points and parameters (name*:type, * = mandatory; ' +
        '--json gives the whole manifests).',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const items = await ctx.client(cmd).listIntegrations();
      if (ctx.printJson(cmd, { items })) return;
      if (items.length === 0) {
        ctx.io.stdout('No integrations.\n');
        return;
      }
      ctx.io.stdout(
        renderTable(
          ['ID', 'NAME', 'VERSION', 'ENTRY POINTS', 'PARAMETERS', 'DESCRIPTION'],
          items.map((i) => [
            cell(i.id, 64),
            cell(i.name, 30),
            cell(i.version, 20),
            i.entryPoints.join(', '),
            parametersCell(i.parameters),
            cell(i.description, 60),
          ]),
        ),
      );
    });

  integrations
    .command('new')
    .description(
      'Create the folder of a new integration: index.ts (manifest and run), a passing test, CHANGELOG.md and ' +
        'an example job. No running stack needed; restart npm start to load it.',
    )
    .argument('<id>', 'the integration id and folder name: lower-case letters, digits and -, at most 64')
    .option(
      '--dir <folder>',
      'the integrations folder to create it in (default: this repository’s integrations/)',
    )
    .option('--name <text>', 'its display name (default: the id)')
    .option('--description <text>', 'one line saying what it does')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  triggerhub integrations new ip-lookup\n' +
        '  triggerhub integrations new jira-tickets --name Jira --description "Create Jira issues from alerts."',
    )
    .action((id: string, opts: { dir?: string; name?: string; description?: string }, cmd: Command) => {
      if (!INTEGRATION_ID.test(id)) {
        throw new ValidationError(
          `"${id}" is not a valid integration id: lower-case letters, digits and -, starting with a letter or ` +
            'digit, at most 64',
        );
      }
      const name = (opts.name ?? id).replace(/\s+/g, ' ').trim();
      if (name === '' || name.length > MAX_NAME_LENGTH) {
        throw new ValidationError(`--name must be 1 to ${MAX_NAME_LENGTH} characters`);
      }
      const description = (opts.description ?? `Describe what ${id} does.`).replace(/\s+/g, ' ').trim();
      const root = opts.dir === undefined ? join(REPO_ROOT, 'integrations') : resolve(ctx.cwd, opts.dir);
      const folder = join(root, id);
      mkdirSync(root, { recursive: true });
      try {
        // Not recursive: creating the folder is the check that it did not exist (no race with a second run).
        mkdirSync(folder);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new ConflictError(`${folder} exists already: nothing was written`, 'integration_exists');
        }
        throw e;
      }
      const date = (ctx.io.now?.() ?? new Date()).toISOString().slice(0, 10);
      const files = scaffoldFiles({ id, name, description, date }).map(([file, text]) => {
        const path = join(folder, file);
        writeFileSync(path, text, { flag: 'wx' });
        return path;
      });
      if (ctx.printJson(cmd, { id, dir: folder, files })) return;
      const at = shown(ctx.cwd, folder);
      ctx.io.stdout(
        [
          `Created ${at}/:`,
          ...files.map((f) => `  ${shown(ctx.cwd, f)}`),
          '',
          'Next:',
          '  1. restart npm start: it loads the integration folders when it starts',
          // The secret first: `jobs apply` warns about a job whose secret does not exist yet.
          `  2. openssl rand -hex 32 | npx triggerhub secrets set ${id}`,
          `  3. npx triggerhub jobs apply ${shown(ctx.cwd, join(folder, 'job.example.json'))}`,
          `  4. npx triggerhub send ${id} -d '{"hello":"world"}' --wait`,
          `  5. npx vitest run ${at}   # its test; npm test also checks ≥ 70 % line coverage per folder`,
          '',
        ].join('\n'),
      );
    });
};
