export * from '../../shared/testing/memory-state-store.ts';
