import type { Command } from 'commander';
import type { CommandContext } from './context.ts';

/** `triggerhub checkpoint show|set`. Stub of the seam: its owner adds the commands. */
export const registerCheckpointCommands = (_program: Command, _ctx: CommandContext): void => {};
