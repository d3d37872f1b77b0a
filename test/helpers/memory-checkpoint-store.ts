export * from '../../shared/testing/memory-checkpoint-store.ts';
