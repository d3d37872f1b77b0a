// Moved to cli/mocks/jira.ts (also served by `triggerhub mock jira`); kept for the tests that import it here.
export * from '../../cli/mocks/jira.ts';
