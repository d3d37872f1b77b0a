// Moved to cli/mocks/servicenow.ts (also served by `triggerhub mock servicenow`); kept for the tests that import it here.
export * from '../../cli/mocks/servicenow.ts';
