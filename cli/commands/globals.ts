import type { Command } from 'commander';
import type { CommandContext } from './context.ts';

/** `triggerhub globals set|get|list|delete`. Stub of the seam: its owner adds the commands. */
export const registerGlobalsCommands = (_program: Command, _ctx: CommandContext): void => {};
