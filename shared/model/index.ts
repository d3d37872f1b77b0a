export * from './job.ts';
export * from './run.ts';
export * from './delivery.ts';
export * from './trigger-event.ts';
export * from './manifest.ts';
export * from './checkpoint-session.ts';
export * from './securechange-ticket.ts';
export * from './run-message.ts';
