import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';

/**
 * The user pool's pre-token-generation trigger (event version 2): adds the user's verified
 * e-mail address to the access token as `email`. The pool signs in by e-mail address, so its
 * usernames are generated ids, and an access token carries no e-mail of its own; with this
 * claim the admin API records a console user as `cognito:alice@example.com` (a stop's
 * `stopped by`, a replay's `by`) rather than `cognito:<uuid>`. An unverified address is not
 * added: whoever could set it could name anyone. No AWS call, no other claim touched.
 */
export const handler = (
  event: PreTokenGenerationV2TriggerEvent,
): Promise<PreTokenGenerationV2TriggerEvent> => {
  const { email, email_verified: verified } = event.request.userAttributes;
  if (email !== undefined && email !== '' && verified === 'true') {
    event.response = {
      ...event.response,
      claimsAndScopeOverrideDetails: {
        ...event.response?.claimsAndScopeOverrideDetails,
        accessTokenGeneration: {
          ...event.response?.claimsAndScopeOverrideDetails?.accessTokenGeneration,
          claimsToAddOrOverride: {
            ...event.response?.claimsAndScopeOverrideDetails?.accessTokenGeneration?.claimsToAddOrOverride,
            email,
          },
        },
      },
    };
  }
  return Promise.resolve(event);
};
