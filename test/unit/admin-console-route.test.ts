import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { withConsoleRoute } from '../../functions/admin/console-route.ts';
import { httpHandler } from '../../functions/http-handler.ts';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { callerOf } from '../../shared/http/caller.ts';
import type { EdgeEnv } from '../../shared/http/hono-helpers.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { apiEvent, lambdaContext } from '../helpers/api-event.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';

// In AWS the console calls `/console/admin/<route>` with the user pool's access token; API
// Gateway's JWT authorizer verifies it and passes its claims in `requestContext.authorizer.jwt`.
// The admin function serves that as `/admin/<route>` only when the claims are there.

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

/** An event of the JWT route, as API Gateway gives it after verifying the access token. */
const jwtEvent = (
  rawPath: string,
  claims: Record<string, unknown>,
  method = 'GET',
): APIGatewayProxyEventV2 => {
  const event = apiEvent({ method, rawPath, headers: { authorization: `Bearer ${TOKEN}` } });
  return {
    ...event,
    routeKey: 'ANY /console/admin/{proxy+}',
    requestContext: {
      ...event.requestContext,
      routeKey: 'ANY /console/admin/{proxy+}',
      authorizer: { jwt: { claims, scopes: ['openid', 'email'] } },
    } as APIGatewayProxyEventV2['requestContext'],
  };
};

const ACCESS_CLAIMS = {
  sub: '7b1c4f0e-0000-4000-8000-000000000001',
  username: 'alice@example.com',
  client_id: 'test-client',
  token_use: 'access',
  scope: 'openid email',
};

const setup = async () => {
  const deps = memoryDeps({ secrets: { demo: ['s'] } });
  await deps.jobs.put(
    JobSchema.parse({ id: 'demo', name: 'Demo', integration: 'log-event', auth: { secret: 'demo' } }),
  );
  return { deps, handler: withConsoleRoute(httpHandler(createAdminApp(deps))) };
};

describe('the admin function behind the JWT route', () => {
  it('serves /console/admin/<route> as /admin/<route> for a verified token', async () => {
    const { handler } = await setup();
    const res = await handler(jwtEvent('/console/admin/jobs', ACCESS_CLAIMS), lambdaContext);
    expect(res.statusCode).toBe(200);
    expect((JSON.parse(res.body) as { items: { id: string }[] }).items.map((j) => j.id)).toEqual(['demo']);
    const one = await handler(jwtEvent('/console/admin/jobs/demo', ACCESS_CLAIMS), lambdaContext);
    expect(one.statusCode).toBe(200);
  });

  it('answers 404 for /console/admin/<route> that carries no verified token, whatever its headers', async () => {
    const { handler } = await setup();
    const res = await handler(
      apiEvent({
        method: 'GET',
        rawPath: '/console/admin/jobs',
        headers: { authorization: `Bearer ${TOKEN}` },
      }),
      lambdaContext,
    );
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain('demo');
  });

  it('still serves /admin/<route> (the IAM route) as it is', async () => {
    const { handler } = await setup();
    const res = await handler(apiEvent({ method: 'GET', rawPath: '/admin/jobs' }), lambdaContext);
    expect(res.statusCode).toBe(200);
  });

  it('records the console user as cognito:<name> (a stop, a global change), never the token', async () => {
    const { handler, deps } = await setup();
    const put = await handler(
      { ...jwtEvent('/console/admin/globals/region', ACCESS_CLAIMS, 'PUT'), body: '{"value":"eu-west-1"}' },
      lambdaContext,
    );
    expect(put.statusCode).toBeLessThan(300);
    const stored = JSON.stringify(await deps.globals.list());
    expect(stored).toContain('cognito:alice@example.com');
    expect(stored).not.toContain(TOKEN);
  });
});

describe('callerOf for a JWT caller', () => {
  const who = (event: APIGatewayProxyEventV2) => {
    const app = new Hono<EdgeEnv>();
    app.get('*', (c) => c.text(callerOf(c)));
    return Promise.resolve(app.request('/', {}, { event })).then((r) => r.text());
  };

  it("is cognito:<email> when the token has one, else its username (an access token's), else cognito:username, else sub", async () => {
    expect(await who(jwtEvent('/x', { ...ACCESS_CLAIMS, email: 'bob@example.com' }))).toBe(
      'cognito:bob@example.com',
    );
    expect(await who(jwtEvent('/x', ACCESS_CLAIMS))).toBe('cognito:alice@example.com');
    expect(await who(jwtEvent('/x', { 'cognito:username': 'carol', sub: 'u-1' }))).toBe('cognito:carol');
    expect(await who(jwtEvent('/x', { sub: 'u-1' }))).toBe('cognito:u-1');
    expect(await who(jwtEvent('/x', {}))).toBe('cognito:unknown');
  });

  it('never reads the Authorization header', async () => {
    const caller = await who(jwtEvent('/x', { sub: 'u-2' }));
    expect(caller).not.toContain(TOKEN);
    const noJwt = apiEvent({ headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await who(noJwt)).toBe('unknown');
  });
});
