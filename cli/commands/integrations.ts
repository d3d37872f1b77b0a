import type { Command } from 'commander';
import { cell, renderTable } from '../output.ts';
import type { CommandContext } from './context.ts';

export const registerIntegrationCommands = (program: Command, ctx: CommandContext): void => {
  const integrations = program.command('integrations').description('Show the integrations jobs can run.');

  integrations
    .command('list')
    .description('List the integrations with their version and entry points (--json adds their parameters).')
    .action(async (_opts: unknown, cmd: Command) => {
      const items = await ctx.client(cmd).listIntegrations();
      if (ctx.printJson(cmd, { items })) return;
      if (items.length === 0) {
        ctx.io.stdout('No integrations.\n');
        return;
      }
      ctx.io.stdout(
        renderTable(
          ['ID', 'NAME', 'VERSION', 'ENTRY POINTS', 'DESCRIPTION'],
          items.map((i) => [
            cell(i.id, 64),
            cell(i.name, 30),
            cell(i.version, 20),
            i.entryPoints.join(', '),
            cell(i.description, 60),
          ]),
        ),
      );
    });
};
