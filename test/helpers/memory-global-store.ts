export * from '../../shared/testing/memory-global-store.ts';
