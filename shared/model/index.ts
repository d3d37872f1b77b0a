// Every schema of the model is a zod/mini `lazy()` (see ./zod.ts): built on its first
// parse, not when a function imports the model at cold start. With mini, building them
// all eagerly still cost ~7 ms of module evaluation (lazy: the model evaluates in
// ~4.6 ms, eager ~10.3 ms, bundle measured in fresh processes), and a function only
// ever parses a few of them. An object schema's own parts (`.shape`, `omit(…)`) are
// on `unlazy(Schema)`.
export * from './job.ts';
export * from './run.ts';
export * from './delivery.ts';
export * from './trigger-event.ts';
export * from './manifest.ts';
export * from './checkpoint-session.ts';
export * from './securechange-ticket.ts';
export * from './run-message.ts';
export * from './tickets.ts';
export * from './schedule.ts';
