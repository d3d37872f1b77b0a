// Lambda entry point for worker: written in the pipeline commit.
export const handler = (): Promise<never> => Promise.reject(new Error('not built yet'));
