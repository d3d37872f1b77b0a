import type { Command } from 'commander';
import type { CommandContext } from './context.ts';

/** `triggerhub notifications`. Stub of the seam: its owner adds the commands. */
export const registerNotificationsCommands = (_program: Command, _ctx: CommandContext): void => {};
