import { Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import type { ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
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
  /** Serves `POST /hooks/{jobId}` and `GET /health`. */
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
 * stage with throttling and JSON access logs.
 */
export class TriggerhubHttpApi extends Construct {
  public readonly httpApi: HttpApi;
  public readonly stage: HttpStage;
  public readonly accessLogGroup: LogGroup;
  /** The base URL, ending in `/`. */
  public readonly url: string;

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
    this.httpApi.addRoutes({
      path: '/admin/{proxy+}',
      methods: [HttpMethod.ANY],
      integration: new HttpLambdaIntegration('Admin', props.adminFunction),
      authorizer: new HttpIamAuthorizer(),
    });
  }
}
