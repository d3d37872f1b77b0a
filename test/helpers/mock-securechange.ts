// Moved to cli/mocks/securechange.ts (also served by `triggerhub mock securechange`); kept for the tests that import it here.
export * from '../../cli/mocks/securechange.ts';
