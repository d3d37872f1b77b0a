import type { AnyIntegration } from '../shared/sdk/index.ts';
import { checkpointPublishGate } from './checkpoint-publish-gate/index.ts';
import { logEvent } from './log-event/index.ts';
import { secureChangeAssign } from './securechange-assign/index.ts';
import { secureChangeTicketGate } from './securechange-ticket-gate/index.ts';

export { checkpointPublishGate } from './checkpoint-publish-gate/index.ts';
export { logEvent } from './log-event/index.ts';
export { secureChangeAssign } from './securechange-assign/index.ts';
export { secureChangeTicketGate } from './securechange-ticket-gate/index.ts';

/** The integrations that ship with triggerhub. The core never imports this folder: the entry side hands them over. */
export const builtinIntegrations: readonly AnyIntegration[] = [
  logEvent,
  checkpointPublishGate,
  secureChangeTicketGate,
  secureChangeAssign,
];
