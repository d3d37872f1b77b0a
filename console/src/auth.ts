// How the console's calls prove who sends them. Under `npm start` (auth `none`): nothing,
// the admin API is loopback-only. In AWS (auth `cognito`): the user pool's access token.
// SEAM (issue 11): the Cognito sign-in (authorization code + PKCE, tokens in memory only)
// is built in this file; until then a cognito stack's console says it cannot sign in.
import type { ConsoleAuth } from './types.ts';

/** Headers that authorize one admin call. */
export const authHeaders = (auth: ConsoleAuth): Promise<Record<string, string>> => {
  if (auth.type === 'none') return Promise.resolve({});
  return Promise.reject(new Error('sign-in is not built yet'));
};

/** Called once when the page starts: completes a sign-in redirect or starts one when needed. */
export const startAuth = (_auth: ConsoleAuth): Promise<void> => Promise.resolve();
