// Lambda entry point for admin: written in the pipeline commit.
export const handler = (): Promise<never> => Promise.reject(new Error('not built yet'));
