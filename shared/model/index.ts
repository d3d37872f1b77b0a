// Every schema of the model is a zod `lazy()`: built on its first parse, not when a
// function imports the model at cold start (building them all there took most of the
// model's evaluation time, and a function only ever parses a few of them). A schema's
// object methods (`.omit`, `.extend`…) are on `Schema.unwrap()`, which builds a copy.
export * from './job.ts';
export * from './run.ts';
export * from './delivery.ts';
export * from './trigger-event.ts';
export * from './manifest.ts';
export * from './checkpoint-session.ts';
export * from './securechange-ticket.ts';
export * from './run-message.ts';
