import { describe, expect, it } from 'vitest';
import { checkTriggerhubStackProps } from '../../infra/stack.ts';
import { checkConsoleAuthProps, domainPrefixStem } from '../../infra/constructs/console-auth.ts';
import { actionsOf, flatten, logicalIdOf, statementsOfRole, synthStack } from './synth-helpers.ts';

// The console in AWS: a Cognito user pool only the deployer adds operators to, one public app
// client (authorization code + PKCE), a JWT authorizer on /console/admin/*, and a console
// function that may write its logs and nothing else.

const { stack, template } = synthStack();
const resources = template.toJSON().Resources as Record<
  string,
  { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string }
>;
const pool = logicalIdOf(stack.consoleAuth.userPool);
const client = logicalIdOf(stack.consoleAuth.client);
const api = logicalIdOf(stack.api.httpApi);
const consoleUrl = `https://<${api}>.execute-api.<AWS::Region>.<AWS::URLSuffix>/console`;

describe('the console user pool', () => {
  const props = resources[pool]!.Properties;

  it('lets no one sign up: the deployer adds each operator', () => {
    expect(props.AdminCreateUserConfig).toMatchObject({ AllowAdminCreateUserOnly: true });
  });

  it('signs in by e-mail address, with a strong password and TOTP MFA required (no SMS)', () => {
    expect(props.UsernameAttributes).toEqual(['email']);
    expect(props.MfaConfiguration).toBe('ON');
    expect(props.EnabledMfas).toEqual(['SOFTWARE_TOKEN_MFA']);
    expect(props.Policies).toMatchObject({
      PasswordPolicy: {
        RequireLowercase: true,
        RequireUppercase: true,
        RequireNumbers: true,
        RequireSymbols: true,
      },
    });
    expect(
      (props.Policies as { PasswordPolicy: { MinimumLength: number } }).PasswordPolicy.MinimumLength,
    ).toBeGreaterThanOrEqual(12);
  });

  it('is on the Plus plan with threat protection enforced, and goes with the stack', () => {
    expect(props.UserPoolTier).toBe('PLUS');
    expect(props.UserPoolAddOns).toEqual({ AdvancedSecurityMode: 'ENFORCED' });
    expect(resources[pool]!.DeletionPolicy).toBe('Delete');
  });

  it('has a prefix domain made of the stack name and part of the stack id', () => {
    const domain = Object.values(resources).find((r) => r.Type === 'AWS::Cognito::UserPoolDomain')!;
    expect(flatten(domain.Properties.Domain)).toMatch(/^triggerhub-/);
    expect(JSON.stringify(domain.Properties.Domain)).toContain('AWS::StackId');
    expect(domain.Properties.UserPoolId).toEqual({ Ref: pool });
  });

  it('takes the domain prefix from a prop, and refuses one Cognito would', () => {
    const { template: named } = synthStack({ consoleDomainPrefix: 'acme-ops-console' });
    const domain = Object.values(named.toJSON().Resources as typeof resources).find(
      (r) => r.Type === 'AWS::Cognito::UserPoolDomain',
    )!;
    expect(domain.Properties.Domain).toBe('acme-ops-console');
    expect(checkConsoleAuthProps({ domainPrefix: 'Acme_Ops' })).toHaveLength(1);
    expect(checkConsoleAuthProps({ domainPrefix: 'my-cognito-login' })).toHaveLength(1);
    expect(checkConsoleAuthProps({ domainPrefix: '-x' })).toHaveLength(1);
    expect(checkTriggerhubStackProps({ consoleDomainPrefix: 'aws-login' })).toEqual([
      expect.stringMatching(/^consoleDomainPrefix "aws-login" must not contain/),
    ]);
    expect(() => synthStack({ consoleDomainPrefix: 'UPPER' })).toThrow(/consoleDomainPrefix/);
  });

  it('derives a default prefix Cognito accepts from any stack name', () => {
    expect(domainPrefixStem('Triggerhub-prod')).toBe('triggerhub-prod');
    expect(domainPrefixStem('MyAwsCognitoStack_v2')).toBe('mystack-v2');
    expect(domainPrefixStem('---')).toBe('triggerhub');
    expect(domainPrefixStem('x'.repeat(80))).toHaveLength(40);
  });
});

describe('the console app client', () => {
  const props = resources[client]!.Properties;

  it('is public (no secret) and allows only the authorization-code grant, scopes openid and email', () => {
    expect(props.GenerateSecret).toBe(false);
    expect(props.AllowedOAuthFlows).toEqual(['code']);
    expect(props.AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect([...(props.AllowedOAuthScopes as string[])].sort()).toEqual(['email', 'openid']);
    expect(props.SupportedIdentityProviders).toEqual(['COGNITO']);
    expect(props.ExplicitAuthFlows).not.toContain('ALLOW_USER_PASSWORD_AUTH');
    expect(props.ExplicitAuthFlows).not.toContain('ALLOW_ADMIN_USER_PASSWORD_AUTH');
  });

  it('sends the browser back to the console only', () => {
    expect((props.CallbackURLs as unknown[]).map(flatten)).toEqual([consoleUrl]);
    expect((props.LogoutURLs as unknown[]).map(flatten)).toEqual([consoleUrl]);
  });

  it('issues short-lived tokens and does not tell whether a user exists', () => {
    expect(props.AccessTokenValidity).toBe(60);
    expect(props.IdTokenValidity).toBe(60);
    expect(props.TokenValidityUnits).toMatchObject({ AccessToken: 'minutes', IdToken: 'minutes' });
    expect(props.PreventUserExistenceErrors).toBe('ENABLED');
  });
});

describe('the console routes', () => {
  const routes = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route');
  const route = (key: string) => routes.find((r) => r.Properties.RouteKey === key)!.Properties;

  it('puts /console/admin/* behind a JWT authorizer trusting the user pool and the console client', () => {
    const admin = route('ANY /console/admin/{proxy+}');
    expect(admin.AuthorizationType).toBe('JWT');
    const authorizer = resources[(admin.AuthorizerId as { Ref: string }).Ref]!.Properties;
    expect(authorizer.AuthorizerType).toBe('JWT');
    expect(authorizer.IdentitySource).toEqual(['$request.header.Authorization']);
    expect(flatten((authorizer.JwtConfiguration as { Issuer: unknown }).Issuer)).toBe(
      `https://cognito-idp.<AWS::Region>.amazonaws.com/<${pool}>`,
    );
    expect((authorizer.JwtConfiguration as { Audience: unknown }).Audience).toEqual([{ Ref: client }]);
  });

  it('keeps /admin/* on IAM for the CLI', () => {
    expect(route('ANY /admin/{proxy+}').AuthorizationType).toBe('AWS_IAM');
  });

  it('serves the static console without an authorizer, for GET only', () => {
    expect(route('GET /console').AuthorizationType).toBe('NONE');
    expect(route('GET /console/{proxy+}').AuthorizationType).toBe('NONE');
    expect(
      routes
        .filter((r) => String(r.Properties.RouteKey).includes('/console'))
        .map((r) => r.Properties.RouteKey)
        .sort(),
    ).toEqual(['ANY /console/admin/{proxy+}', 'GET /console', 'GET /console/{proxy+}']);
  });
});

describe('the console function', () => {
  const fn = resources[logicalIdOf(stack.console.lambdaFunction)]!.Properties as {
    Environment: { Variables: Record<string, unknown> };
    MemorySize: number;
    TracingConfig?: unknown;
  };

  it('knows the sign-in domain and the client id, nothing of the table, queues or secrets', () => {
    const env = fn.Environment.Variables;
    expect(flatten(env.TRIGGERHUB_CONSOLE_AUTH_DOMAIN)).toMatch(
      /^https:\/\/<.*Domain.*>\.auth\.<AWS::Region>\.amazoncognito\.com$/,
    );
    expect(env.TRIGGERHUB_CONSOLE_CLIENT_ID).toEqual({ Ref: client });
    expect(Object.keys(env).filter((k) => /TABLE|QUEUE|BUCKET|SECRET|TOPIC/.test(k))).toEqual([]);
    expect(fn.MemorySize).toBeLessThanOrEqual(256);
    expect(fn.TracingConfig).toBeUndefined();
  });

  it('may write its own logs and nothing else', () => {
    const actions = statementsOfRole(template, logicalIdOf(stack.console.role))
      .filter((s) => s.Effect === 'Allow')
      .flatMap(actionsOf);
    expect([...new Set(actions)].sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
  });
});

describe('the token-claims trigger', () => {
  const tokenClaims = logicalIdOf(stack.consoleTokenClaims.lambdaFunction);

  it('runs before each token (event version 2, which may change access tokens)', () => {
    expect(resources[pool]!.Properties.LambdaConfig).toEqual({
      PreTokenGenerationConfig: { LambdaArn: { 'Fn::GetAtt': [tokenClaims, 'Arn'] }, LambdaVersion: 'V2_0' },
    });
    const invoke = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::Lambda::Permission' &&
        JSON.stringify(r.Properties.FunctionName).includes(tokenClaims),
    );
    expect(invoke.map((r) => r.Properties.Principal)).toEqual(['cognito-idp.amazonaws.com']);
    expect(flatten(invoke[0]!.Properties.SourceArn)).toBe(`<${pool}.Arn>`);
  });

  it('may write its own logs and nothing else', () => {
    const actions = statementsOfRole(template, logicalIdOf(stack.consoleTokenClaims.role))
      .filter((s) => s.Effect === 'Allow')
      .flatMap(actionsOf);
    expect([...new Set(actions)].sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
  });
});

describe('the console outputs', () => {
  it('names the console URL and the user pool operators are added to', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown; Description?: string }>;
    expect(flatten(outputs.ConsoleUrl?.Value)).toBe(consoleUrl);
    expect(outputs.ConsoleUserPoolId?.Value).toEqual({ Ref: pool });
    expect(outputs.ConsoleUserPoolId?.Description).toContain('admin-create-user');
  });
});
