import { Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import type { ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import type { IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { throwIfProblems } from '../props-check.ts';

/** One JSON object per request; the fields an operator needs to trace a delivery. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    ip: '$context.identity.sourceIp',
    requestTime: '$context.requestTime',
    httpMethod: '$context.httpMethod',
    routeKey: '$context.routeKey',
    path: '$context.path',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    integrationLatency: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    userArn: '$context.identity.userArn',
  }),
);

/**
 * Props of {@link TriggerhubHttpApi}.
 */
export interface TriggerhubHttpApiProps {
  /**
   * Serves `POST /hooks/{jobId}`, `GET /health`, and the `$default` route:
   * every request no other route matches, so that a wrong method or an
   * unknown path gets triggerhub's JSON `405` (with `Allow`) or `404`.
   */
  readonly ingestFunction: IFunction;
  /** Serves `ANY /admin/{proxy+}`, behind IAM authorization. */
  readonly adminFunction: IFunction;
  /**
   * Default throttling of every route of the `$default` stage.
   *
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly throttle?: ThrottleSettings;
  /**
   * Retention of the access log group.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly accessLogRetention?: RetentionDays;
}

/** The problems in {@link TriggerhubHttpApiProps}, one sentence each; empty when they are valid. */
export const checkTriggerhubHttpApiProps = (props: Pick<TriggerhubHttpApiProps, 'throttle'>): string[] => {
  const problems: string[] = [];
  const { rateLimit, burstLimit } = props.throttle ?? {};
  if (rateLimit !== undefined && !(rateLimit > 0)) {
    problems.push(`throttle.rateLimit must be positive (got ${rateLimit})`);
  }
  if (burstLimit !== undefined && !(Number.isInteger(burstLimit) && burstLimit > 0)) {
    problems.push(`throttle.burstLimit must be a positive integer (got ${burstLimit})`);
  }
  return problems;
};

/**
 * The HTTP API (payload format 2.0): webhooks and health check to ingest,
 * the admin API to admin behind IAM (SigV4) authorization, a `$default`
 * stage with throttling and JSON access logs. Whatever no route matches goes
 * to ingest through the `$default` route, which answers it in JSON.
 */
export class TriggerhubHttpApi extends Construct {
  public readonly httpApi: HttpApi;
  public readonly stage: HttpStage;
  public readonly accessLogGroup: LogGroup;
  /** The base URL, ending in `/`. */
  public readonly url: string;
  /** The admin function, which the console's JWT route serves too. */
  private readonly adminFunction: IFunction;

  constructor(scope: Construct, id: string, props: TriggerhubHttpApiProps) {
    super(scope, id);
    throwIfProblems('TriggerhubHttpApi', checkTriggerhubHttpApiProps(props));

    // The stage is created below: createDefaultStage cannot take throttling or access logs.
    this.httpApi = new HttpApi(this, 'Api', {
      description: 'triggerhub: webhooks in, admin API',
      createDefaultStage: false,
    });
    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_MONTH,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: ACCESS_LOG_FORMAT,
      },
    });
    this.url = this.stage.url;

    const ingest = new HttpLambdaIntegration('Ingest', props.ingestFunction);
    const publicRoutes = [
      ...this.httpApi.addRoutes({ path: '/hooks/{jobId}', methods: [HttpMethod.POST], integration: ingest }),
      ...this.httpApi.addRoutes({ path: '/health', methods: [HttpMethod.GET], integration: ingest }),
    ];
    for (const route of publicRoutes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          "Webhook callers (SecureChange, SmartTasks, other SaaS) cannot sign with SigV4: ingest checks the job's shared secret or HMAC " +
          'from the request headers in constant time. /health reveals nothing.',
      });
    }
    // API Gateway tries `$default` only when no other route matches (HTTP API route selection:
    // the most specific route wins, `$default` is the catch-all), so `ANY /admin/{proxy+}` keeps every
    // `/admin/<something>` behind IAM. What still reaches ingest (`/admin`, `/admin/`, `GET /hooks/x`,
    // `/favicon.ico`...) is answered 404 or 405 by the ingest app, which has no admin route.
    const fallback = new HttpRoute(this, 'DefaultRoute', {
      httpApi: this.httpApi,
      routeKey: HttpRouteKey.DEFAULT,
      integration: ingest,
    });
    Validations.of(fallback).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        "The $default route only lets ingest answer requests no other route matches with triggerhub's JSON " +
        "404/405 (with Allow) instead of API Gateway's own text. The ingest app has no route there but " +
        'POST /hooks/{jobId} and GET /health: it serves no data and writes nothing; /admin/* stays IAM-authorized.',
    });
    this.adminFunction = props.adminFunction;
    this.httpApi.addRoutes({
      path: '/admin/{proxy+}',
      methods: [HttpMethod.ANY],
      integration: new HttpLambdaIntegration('Admin', props.adminFunction),
      authorizer: new HttpIamAuthorizer(),
    });
  }

  /**
   * The operator console's routes: `GET /console` and `GET /console/{proxy+}` → the console
   * function (its page, script, style sheet and config.json: static, nothing secret, so no
   * authorizer), and `ANY /console/admin/{proxy+}` → the admin function behind `authorizer`
   * (the user pool's JWT). API Gateway picks the most specific route, so every
   * `/console/admin/<something>` is the authorized one; the admin function serves it as
   * `/admin/<something>` (functions/admin/console-route.ts).
   */
  addConsoleRoutes(consoleFunction: IFunction, authorizer: IHttpRouteAuthorizer): void {
    const files = new HttpLambdaIntegration('Console', consoleFunction);
    const staticRoutes = [
      ...this.httpApi.addRoutes({ path: '/console', methods: [HttpMethod.GET], integration: files }),
      ...this.httpApi.addRoutes({ path: '/console/{proxy+}', methods: [HttpMethod.GET], integration: files }),
    ];
    for (const route of staticRoutes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          "The console's page, script, style sheet and config.json are static and public (the app client id is not a secret): " +
          'a browser must load them before it can sign in. Every call to the admin API goes to /console/admin/*, JWT-authorized.',
      });
    }
    this.httpApi.addRoutes({
      path: '/console/admin/{proxy+}',
      methods: [HttpMethod.ANY],
      integration: new HttpLambdaIntegration('ConsoleAdmin', this.adminFunction),
      authorizer,
    });
  }
}
