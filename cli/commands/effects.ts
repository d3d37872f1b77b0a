import type { Command } from 'commander';
import type { CommandContext } from './context.ts';

/** `triggerhub effects list|forget`. Stub of the seam: its owner adds the commands. */
export const registerEffectsCommands = (_program: Command, _ctx: CommandContext): void => {};
