export * from '../../shared/testing/memory-lease-store.ts';
