import { describe, expect, it } from 'vitest';
import { synthStack } from './synth-helpers.ts';

// Review of issue 11: API Gateway's JWT authorizer checks the issuer and the audience — an ID
// token's `aud` or an access token's `client_id` — so without scopes it also takes the console
// client's ID tokens and the access tokens a user gets by signing in through the SRP API
// (scope `aws.cognito.signin.user.admin` only: the one that lets them rewrite their own e-mail
// address). The console's own tokens, from the managed sign-in, carry `openid`: the route
// requires it, which no ID token (no `scope` claim) and no SRP-API token has.

const { template } = synthStack();
const resources = template.toJSON().Resources as Record<
  string,
  { Type: string; Properties: Record<string, unknown> }
>;

describe('the console admin route (review)', () => {
  it('takes only a token of the managed sign-in: scope openid', () => {
    const route = Object.values(resources).find(
      (r) => r.Type === 'AWS::ApiGatewayV2::Route' && r.Properties.RouteKey === 'ANY /console/admin/{proxy+}',
    )!;
    expect(route.Properties.AuthorizationType).toBe('JWT');
    expect(route.Properties.AuthorizationScopes).toEqual(['openid']);
  });
});
