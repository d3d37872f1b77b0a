import { Duration, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type { UserPoolClient, UserPoolDomain } from 'aws-cdk-lib/aws-cognito';
import {
  AccountRecovery,
  FeaturePlan,
  LambdaVersion,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  UserPool,
  UserPoolOperation,
  UserPoolClientIdentityProvider,
} from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { throwIfProblems } from '../props-check.ts';

/**
 * Props of {@link ConsoleAuth}.
 */
export interface ConsoleAuthProps {
  /**
   * Where the console is served: `<api url>console` (no trailing slash: the HTTP API's
   * `GET /console` route matches that path exactly). Cognito sends the browser back there
   * after a sign-in (the callback URL) and after a sign-out (the logout URL).
   */
  readonly consoleUrl: string;
  /**
   * The prefix of the user pool's sign-in domain, `https://<prefix>.auth.<region>.amazoncognito.com`.
   * Cognito prefix domains are unique per region across all accounts: lower-case letters,
   * digits and `-`, 1–63 characters, not starting or ending with `-`, and never containing
   * `aws`, `amazon` or `cognito`.
   *
   * @default - the stack name (lower-cased, what is not allowed dropped) and the first eight
   *   hex digits of the stack's id, e.g. `triggerhub-prod-1a2b3c4d`: unique per deployed stack
   */
  readonly domainPrefix?: string;
  /**
   * The pre-token-generation trigger (event version 2) that adds the user's verified e-mail
   * address to access tokens (functions/console/token-claims.ts), so that the admin API can
   * name a console user by it.
   *
   * @default - none: access tokens name the user by its generated username only
   */
  readonly tokenClaims?: IFunction;
}

/** A Cognito prefix domain's rule (see {@link ConsoleAuthProps.domainPrefix}). */
const DOMAIN_PREFIX = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const RESERVED_IN_PREFIX = /aws|amazon|cognito/;

/** The problems in {@link ConsoleAuthProps}, one sentence each; empty when they are valid. */
export const checkConsoleAuthProps = (props: Pick<ConsoleAuthProps, 'domainPrefix'>): string[] => {
  const prefix = props.domainPrefix;
  if (prefix === undefined || Token.isUnresolved(prefix)) return [];
  if (!DOMAIN_PREFIX.test(prefix))
    return [
      `domainPrefix "${prefix}" must be 1 to 63 lower-case letters, digits and "-", starting and ending with a letter or digit`,
    ];
  if (RESERVED_IN_PREFIX.test(prefix))
    return [`domainPrefix "${prefix}" must not contain "aws", "amazon" or "cognito" (Cognito refuses them)`];
  return [];
};

/**
 * The part of a stack name a default domain prefix starts with: lower-cased, what a prefix may
 * not hold turned into `-` or dropped, at most 40 characters (the hash follows).
 */
export const domainPrefixStem = (stackName: string): string => {
  const stem = stackName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/aws|amazon|cognito/g, '')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return stem === '' ? 'triggerhub' : stem;
};

/**
 * Who may open the console in AWS, and how their calls to the admin API are verified.
 *
 * Browsers cannot sign SigV4, so the console's calls do not go to the IAM-authorized
 * `/admin/*` routes: they carry a Cognito access token to `/console/admin/*`, which API
 * Gateway's JWT authorizer ({@link ConsoleAuth.authorizer}) checks — issuer the user pool,
 * audience (an access token's `client_id`) the console's app client — before the admin
 * function runs. The CLI keeps IAM; no IAM credentials ever reach a browser.
 *
 * - The user pool: no self sign-up (the deployer adds each operator with
 *   `aws cognito-idp admin-create-user`), sign-in by e-mail address, a strong password
 *   policy, MFA required, TOTP only (an authenticator app: SMS would need an SNS role,
 *   costs per message and can be taken over by a SIM swap). Plus feature plan with threat
 *   protection enforced: sign-ins with leaked passwords or from risky places are blocked
 *   (a few cents per operator and month). Deleted with the stack: it holds the operators'
 *   sign-ins and nothing else, and a retained pool would only linger unused (a new stack
 *   makes its own).
 * - A Cognito prefix domain for the managed sign-in pages.
 * - One app client for the console: public (no secret: a browser cannot keep one), the
 *   authorization-code grant only (the console always sends a PKCE challenge), scopes
 *   `openid` and `email`, callback and logout URL the console's own, tokens valid one hour,
 *   and "user does not exist" answers that say no more than a wrong password.
 * - With `tokenClaims`, a pre-token-generation trigger that puts the user's verified e-mail
 *   address in access tokens: the admin API records `cognito:<e-mail>` as who acted.
 */
export class ConsoleAuth extends Construct {
  public readonly userPool: UserPool;
  public readonly domain: UserPoolDomain;
  public readonly client: UserPoolClient;
  /** The JWT authorizer of the `/console/admin/{proxy+}` route. */
  public readonly authorizer: HttpJwtAuthorizer;
  /** `https://<prefix>.auth.<region>.amazoncognito.com`: the managed sign-in's base URL. */
  public readonly domainUrl: string;
  /** The token issuer the authorizer trusts: `https://cognito-idp.<region>.amazonaws.com/<pool id>`. */
  public readonly issuer: string;

  constructor(scope: Construct, id: string, props: ConsoleAuthProps) {
    super(scope, id);
    throwIfProblems('ConsoleAuth', checkConsoleAuthProps(props));
    const stack = Stack.of(this);

    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      signInCaseSensitive: false,
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Access-token customization needs event version 2 (and the Essentials or Plus plan).
    if (props.tokenClaims !== undefined)
      this.userPool.addTrigger(
        UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
        props.tokenClaims,
        LambdaVersion.V2_0,
      );

    // The stack's id ends in a GUID (arn:…:stack/<name>/<guid>): its first eight hex digits make
    // the prefix unique per deployed stack, in every account, without a custom resource.
    const guid = Fn.select(2, Fn.split('/', stack.stackId));
    const domainPrefix =
      props.domainPrefix ?? `${domainPrefixStem(stack.stackName)}-${Fn.select(0, Fn.split('-', guid))}`;
    this.domain = this.userPool.addDomain('Domain', { cognitoDomain: { domainPrefix } });
    this.domainUrl = this.domain.baseUrl();

    this.client = this.userPool.addClient('ConsoleClient', {
      generateSecret: false,
      // The managed sign-in pages are the only way in; no password ever goes through our code.
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL],
        callbackUrls: [props.consoleUrl],
        logoutUrls: [props.consoleUrl],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      // Never used by the console (its tokens live in memory only): the shortest Cognito allows.
      refreshTokenValidity: Duration.hours(1),
      authSessionValidity: Duration.minutes(5),
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
    });

    this.issuer = `https://cognito-idp.${stack.region}.amazonaws.com/${this.userPool.userPoolId}`;
    this.authorizer = new HttpJwtAuthorizer('ConsoleJwt', this.issuer, {
      jwtAudience: [this.client.userPoolClientId],
      identitySource: ['$request.header.Authorization'],
    });
  }
}
