import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { callerOf } from '../../shared/http/caller.ts';
import type { EdgeEnv } from '../../shared/http/hono-helpers.ts';
import { apiEvent } from '../helpers/api-event.ts';

// Review of issue 11: the JWT authorizer of `/console/admin/*` checks the issuer and the app
// client (`aud` or `client_id`) only, so an ID token of the console's client passes too. An ID
// token carries the user's `email` whether or not it is verified — and a user who signs in through
// the SRP API (the client allows it) gets `aws.cognito.signin.user.admin` and may set their own
// address to a colleague's. What the admin API records as who acted must not follow that.

const jwtEvent = (claims: Record<string, unknown>): APIGatewayProxyEventV2 => {
  const event = apiEvent({ method: 'GET', rawPath: '/x' });
  return {
    ...event,
    requestContext: {
      ...event.requestContext,
      authorizer: { jwt: { claims, scopes: null } },
    } as APIGatewayProxyEventV2['requestContext'],
  };
};

const who = async (claims: Record<string, unknown>): Promise<string> => {
  const app = new Hono<EdgeEnv>();
  app.get('*', (c) => c.text(callerOf(c)));
  return (await app.request('/', {}, { event: jwtEvent(claims) })).text();
};

describe('callerOf: an unverified e-mail address never names the caller', () => {
  const ID_TOKEN = {
    sub: '7b1c4f0e-0000-4000-8000-000000000002',
    aud: 'console-client',
    token_use: 'id',
    'cognito:username': '7b1c4f0e-0000-4000-8000-000000000002',
  };

  it('an ID token whose email is unverified is named by its username, not the address', async () => {
    // API Gateway passes claims as strings.
    expect(await who({ ...ID_TOKEN, email: 'alice@example.com', email_verified: 'false' })).toBe(
      `cognito:${ID_TOKEN['cognito:username']}`,
    );
    expect(await who({ ...ID_TOKEN, email: 'alice@example.com', email_verified: false })).toBe(
      `cognito:${ID_TOKEN['cognito:username']}`,
    );
  });

  it('a verified address (an ID token) or one the token trigger added (an access token) still names it', async () => {
    expect(await who({ ...ID_TOKEN, email: 'bob@example.com', email_verified: 'true' })).toBe(
      'cognito:bob@example.com',
    );
    expect(await who({ sub: 'u-3', username: 'u-3', token_use: 'access', email: 'carol@example.com' })).toBe(
      'cognito:carol@example.com',
    );
  });
});
