import type { Command } from 'commander';
import type { CommandContext } from './context.ts';

/** `triggerhub state list|delete`. Stub of the seam: its owner adds the commands. */
export const registerStateCommands = (_program: Command, _ctx: CommandContext): void => {};
