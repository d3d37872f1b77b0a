/**
 * AWS list prices the cost table uses: us-east-1, on-demand, no free tier,
 * first volume tier. Each names where it was checked; `verified: false`
 * marks a price taken from the brief or memory that no stored pricing page
 * confirmed. Change them here, with the date, when AWS does.
 */

export const PRICE_REGION = 'us-east-1';
/** When these prices were last checked against the pricing pages. */
export const PRICE_DATE = '2026-11-29';

export interface Price {
  /** Dollars per `unit`. */
  usd: number;
  unit: string;
  /** Where the price was confirmed (the stored pages are third-party summaries of AWS's pricing pages). */
  source: string;
  verified: boolean;
}

const GIB = 1024 ** 3;

export const PRICES = {
  lambdaRequest: {
    usd: 0.2 / 1e6,
    unit: 'request',
    source: 'aws.amazon.com/lambda/pricing ($0.20 per 1M requests; confirmed by a stored summary)',
    verified: true,
  },
  lambdaGbSecondArm: {
    usd: 0.0000133334,
    unit: 'GB-second (arm64, first 7.5 billion GB-s/month)',
    source: 'aws.amazon.com/lambda/pricing (cloudchipr.com summary, us-east-1)',
    verified: true,
  },
  httpApiRequest: {
    usd: 1.0 / 1e6,
    unit: 'HTTP API request (first 300 million/month, metered per 512 KB)',
    source: 'aws.amazon.com/api-gateway/pricing (apigatewaycost.com, awsforengineers.com summaries)',
    verified: true,
  },
  sqsRequest: {
    usd: 0.4 / 1e6,
    unit: 'standard-queue request (each 64 KiB of payload is one request)',
    source: 'aws.amazon.com/sqs/pricing (cloudburn.io, factualminds.com summaries)',
    verified: true,
  },
  dynamoWriteRequestUnit: {
    usd: 0.625 / 1e6,
    unit: 'on-demand write request unit',
    source: 'aws.amazon.com/dynamodb/pricing/on-demand (airbyte.com summary, after the Nov 2024 cut)',
    verified: true,
  },
  dynamoReadRequestUnit: {
    usd: 0.125 / 1e6,
    unit: 'on-demand read request unit',
    source: 'aws.amazon.com/dynamodb/pricing/on-demand (airbyte.com summary)',
    verified: true,
  },
  dynamoStorageByte: {
    usd: 0.25 / GIB,
    unit: 'byte-month (Standard table class; $0.25 per GB-month)',
    source: 'the brief; no stored page showed the us-east-1 storage price',
    verified: false,
  },
  s3Put: {
    usd: 0.005 / 1000,
    unit: 'PUT (S3 Standard)',
    source: 'aws.amazon.com/s3/pricing (c3x.dev summary)',
    verified: true,
  },
  s3Get: {
    usd: 0.0004 / 1000,
    unit: 'GET (S3 Standard)',
    source: 'aws.amazon.com/s3/pricing (c3x.dev summary)',
    verified: true,
  },
  s3StorageByte: {
    usd: 0.023 / GIB,
    unit: 'byte-month (S3 Standard, first 50 TB)',
    source: 'memory of aws.amazon.com/s3/pricing; not confirmed by a stored page',
    verified: false,
  },
  secretsManagerCall: {
    usd: 0.05 / 10_000,
    unit: 'API call',
    source: 'aws.amazon.com/secrets-manager/pricing ($0.05 per 10,000 API calls; hivebook.wiki summary)',
    verified: true,
  },
  logsIngestByte: {
    usd: 0.5 / GIB,
    unit: 'byte ingested (Standard log class; $0.50 per GB)',
    source: 'aws.amazon.com/cloudwatch/pricing (c3x.dev, hykell.com summaries)',
    verified: true,
  },
  schedulerInvocation: {
    usd: 1.0 / 1e6,
    unit: 'EventBridge Scheduler invocation',
    source: 'memory of aws.amazon.com/eventbridge/pricing; not confirmed by a stored page',
    verified: false,
  },
} satisfies Record<string, Price>;
