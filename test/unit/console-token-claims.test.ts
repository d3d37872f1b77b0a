import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/console/token-claims.ts';

// The user pool's pre-token-generation trigger: a console user's access token names them by
// their verified e-mail address, which the admin API records as `cognito:<e-mail>`.

const event = (userAttributes: Record<string, string>): PreTokenGenerationV2TriggerEvent => ({
  version: '2',
  region: 'eu-west-1',
  userPoolId: 'eu-west-1_Example',
  userName: '7b1c4f0e-0000-4000-8000-000000000001',
  callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'test-client' },
  triggerSource: 'TokenGeneration_HostedAuth',
  request: {
    userAttributes,
    groupConfiguration: { groupsToOverride: [], iamRolesToOverride: [] },
    scopes: ['openid', 'email'],
  },
  response: { claimsAndScopeOverrideDetails: {} },
});

describe('the console token-claims trigger', () => {
  it('adds the verified e-mail address to the access token, and nothing else', async () => {
    const out = await handler(event({ sub: 'u', email: 'alice@example.com', email_verified: 'true' }));
    expect(out.response.claimsAndScopeOverrideDetails).toEqual({
      accessTokenGeneration: { claimsToAddOrOverride: { email: 'alice@example.com' } },
    });
  });

  it('adds no address that is not verified, or missing', async () => {
    expect(
      (await handler(event({ sub: 'u', email: 'bob@example.com', email_verified: 'false' }))).response,
    ).toEqual({
      claimsAndScopeOverrideDetails: {},
    });
    expect((await handler(event({ sub: 'u' }))).response).toEqual({ claimsAndScopeOverrideDetails: {} });
  });
});
