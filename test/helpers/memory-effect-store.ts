export * from '../../shared/testing/memory-effect-store.ts';
