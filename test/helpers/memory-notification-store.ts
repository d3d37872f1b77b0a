export * from '../../shared/testing/memory-notification-store.ts';
