// How the console's calls prove who sends them. Under `npm start` (auth `none`): nothing,
// the admin API is loopback-only. In AWS (auth `cognito`): an access token of the user pool,
// got through its managed sign-in pages with the authorization-code grant and PKCE.
//
// The access token lives in this module's memory only: never in localStorage, sessionStorage,
// a cookie or a URL, so a reload or a new tab signs in again — through Cognito's own session
// cookie, without a password prompt while that session lasts. sessionStorage holds only what
// must survive the round trip to Cognito (the `state`, the PKCE verifier and the hash route
// to come back to): none of it is worth anything once the code is exchanged, and it is
// deleted the moment Cognito sends the browser back. It also holds `{at}`, when this tab last
// signed in again by itself after a 401 (see unauthorized): a time, nothing secret.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { consoleSettings } from './api.ts';
import type { ConsoleAuth } from './types.ts';

type CognitoAuth = Extract<ConsoleAuth, { type: 'cognito' }>;

/** What one sign-in keeps in sessionStorage across the redirect: see the file's comment. */
const PENDING_KEY = 'triggerhub.signin';

interface PendingSignIn {
  state: string;
  verifier: string;
  /** The hash route the user was on (`#/jobs/demo`), restored after the sign-in. */
  hash: string;
}

/** The access token and when to stop using it (a minute before Cognito's expiry). */
let session: { token: string; expiresAt: number; signedInAt: number } | undefined;

/**
 * Where Cognito sends the browser back: the console's own page (the app client's callback
 * URL), without a trailing slash — the path the HTTP API's `GET /console` route matches.
 */
const redirectUri = (): string => `${location.origin}/console`;

const base64url = (bytes: Uint8Array): string => {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

const randomText = (bytes: number): string => base64url(crypto.getRandomValues(new Uint8Array(bytes)));

/** RFC 7636 S256: BASE64URL(SHA-256(verifier)). */
const challengeOf = async (verifier: string): Promise<string> =>
  base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));

/** A promise that never settles: the page is navigating away. */
const leaving = <T>(): Promise<T> => new Promise<T>(() => undefined);

/** Starts a sign-in: to the user pool's authorize endpoint, back to the console with a code. */
const signIn = async (auth: CognitoAuth): Promise<never> => {
  session = undefined;
  const pending: PendingSignIn = { state: randomText(24), verifier: randomText(48), hash: location.hash };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL('/oauth2/authorize', auth.domain);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: auth.clientId,
    redirect_uri: redirectUri(),
    scope: auth.scopes.join(' '),
    state: pending.state,
    code_challenge: await challengeOf(pending.verifier),
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.href);
  return leaving();
};

/** The pending sign-in of this tab, removed from sessionStorage as it is read. */
const takePending = (): PendingSignIn | undefined => {
  const text = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (text === null) return undefined;
  try {
    const value = JSON.parse(text) as Partial<PendingSignIn>;
    return typeof value.state === 'string' && typeof value.verifier === 'string'
      ? {
          state: value.state,
          verifier: value.verifier,
          hash: typeof value.hash === 'string' ? value.hash : '',
        }
      : undefined;
  } catch {
    return undefined;
  }
};

/** Exchanges the code (with the verifier only this tab knows) for the access token. */
const exchange = async (auth: CognitoAuth, code: string, verifier: string): Promise<void> => {
  const res = await fetch(new URL('/oauth2/token', auth.domain).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: auth.clientId,
      code,
      code_verifier: verifier,
      redirect_uri: redirectUri(),
    }).toString(),
    credentials: 'omit',
    cache: 'no-store',
    referrerPolicy: 'no-referrer',
  });
  if (!res.ok)
    throw new Error(
      `the sign-in could not be completed (HTTP ${res.status}): reload the page to sign in again`,
    );
  const body = (await res.json()) as { access_token?: unknown; expires_in?: unknown };
  if (typeof body.access_token !== 'string' || body.access_token === '')
    throw new Error('the sign-in service answered without an access token: reload the page to sign in again');
  const lifetime = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
  const now = Date.now();
  session = {
    token: body.access_token,
    expiresAt: now + Math.max(lifetime - 60, 30) * 1000,
    signedInAt: now,
  };
};

/**
 * Called once when the page starts. With auth `cognito`: completes a sign-in Cognito sent the
 * browser back from (`/console?code=…&state=…`) — the code leaves the address bar at once,
 * whatever follows; a `state` this tab did not start is refused without exchanging the code —
 * or starts one when there is no token.
 */
export const startAuth = async (auth: ConsoleAuth): Promise<void> => {
  if (auth.type !== 'cognito') return;
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const error = params.get('error');
  if (code === null && error === null) {
    if (session === undefined) await signIn(auth);
    return;
  }
  const pending = takePending();
  history.replaceState(null, '', `${location.pathname}${pending?.hash ?? location.hash}`);
  // The state first: anyone can link to `/console?error=…&error_description=<any text>`, and
  // only the answer to this tab's own sign-in may speak on the console's page.
  if (pending === undefined || pending.state !== params.get('state')) {
    throw new Error(
      'sign-in refused: the answer does not belong to a sign-in this tab started (its state does not match). Reload the page to sign in again.',
    );
  }
  if (error !== null) {
    throw new Error(
      `sign-in failed: ${params.get('error_description') ?? error}. Reload the page to try again.`,
    );
  }
  await exchange(auth, code ?? '', pending.verifier);
};

/** Edits on the page that a trip to Cognito would drop (forms with unsaved changes). */
let held = 0;

/**
 * While an edit is unsaved, a sign-in the console would start by itself (an expired or refused
 * token) throws {@link SignInExpiredError} instead of leaving the page: the user copies the
 * changes, then signs in with its button. Returns the release.
 */
export const holdSignIn = (): (() => void) => {
  held++;
  let released = false;
  return () => {
    if (!released) held--;
    released = true;
  };
};

/** A sign-in is needed, but leaving now would drop unsaved edits: see {@link holdSignIn}. */
export class SignInExpiredError extends Error {
  constructor() {
    super('your sign-in expired: copy your changes, then sign in again');
    this.name = 'SignInExpiredError';
  }
}

/** A sign-in the console starts by itself: not while an edit is unsaved. */
const signInUnlessHeld = (auth: CognitoAuth): Promise<never> => {
  if (held > 0) throw new SignInExpiredError();
  return signIn(auth);
};

/** Headers that authorize one admin call; an expired token signs in again first. */
export const authHeaders = async (auth: ConsoleAuth): Promise<Record<string, string>> => {
  if (auth.type !== 'cognito') return {};
  if (session === undefined || Date.now() >= session.expiresAt) return signInUnlessHeld(auth);
  return { authorization: `Bearer ${session.token}` };
};

/**
 * When this tab last signed in again by itself after a 401: `{at}` (epoch ms) in
 * sessionStorage, nothing secret. It survives the round trip to Cognito, so that an API that
 * refuses every token (a wrong audience) is reported instead of redirected to once a minute.
 */
const RESIGNIN_KEY = 'triggerhub.resignin';
/** A 401 this soon after an automatic re-sign-in is the API refusing the token, not an expiry. */
const RESIGNIN_QUIET_MS = 5 * 60_000;

const lastResignIn = (): number | undefined => {
  try {
    const value = JSON.parse(sessionStorage.getItem(RESIGNIN_KEY) ?? 'null') as { at?: unknown } | null;
    return typeof value?.at === 'number' ? value.at : undefined;
  } catch {
    return undefined;
  }
};

/** The API refuses the token a sign-in just gave: signing in again would change nothing. */
export class TokenRefusedError extends Error {
  constructor() {
    super('signed in, but the API refuses the token: ask your administrator');
    this.name = 'TokenRefusedError';
  }
}

/**
 * The API answered 401: with auth `cognito`, the token is no longer accepted — sign in again
 * (the page navigates away). Except when another round trip would be refused the same way (a
 * misconfigured client): right after a sign-in it resolves, and the caller reports the 401; within
 * 5 minutes of this tab's last automatic re-sign-in it throws {@link TokenRefusedError}, and only
 * a user's {@link signInAgain} goes to Cognito.
 */
export const unauthorized = async (auth: ConsoleAuth): Promise<void> => {
  if (auth.type !== 'cognito') return;
  const last = lastResignIn();
  if (last !== undefined && Date.now() - last < RESIGNIN_QUIET_MS) throw new TokenRefusedError();
  if (session !== undefined && Date.now() - session.signedInAt < 30_000) return;
  if (held > 0) throw new SignInExpiredError();
  sessionStorage.setItem(RESIGNIN_KEY, JSON.stringify({ at: Date.now() }));
  await signIn(auth);
};

/** A user's "Sign in again": to Cognito whatever the last automatic re-sign-in was. */
export const signInAgain = async (): Promise<void> => {
  sessionStorage.removeItem(RESIGNIN_KEY);
  const { auth } = await consoleSettings();
  if (auth.type === 'cognito') await signIn(auth);
};

/** `<domain>/logout`: ends the Cognito session, then back to the console (its sign-in). */
export const signOutUrl = (auth: CognitoAuth): string => {
  const url = new URL('/logout', auth.domain);
  url.search = new URLSearchParams({ client_id: auth.clientId, logout_uri: redirectUri() }).toString();
  return url.href;
};

/** A "Sign out" link for the header; nothing under `npm start`, which has no sign-in. */
export const SignOut = () => {
  const [auth, setAuth] = useState<ConsoleAuth | undefined>(undefined);
  useEffect(() => {
    consoleSettings().then(
      (s) => setAuth(s.auth),
      () => undefined,
    );
  }, []);
  if (auth?.type !== 'cognito') return null;
  return h('a', { class: 'ghost', href: signOutUrl(auth) }, 'Sign out');
};
