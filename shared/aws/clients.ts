import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClientConfig } from '@aws-sdk/client-sqs';

/**
 * What carries the clients' HTTP requests: unset in production (the SDK's
 * own node handler); the bench passes an in-process handler answering canned
 * responses, so that it measures the real SDK path and counts every call.
 */
export type AwsRequestHandler = SQSClientConfig['requestHandler'];

export interface AwsClientsConfig {
  region: string;
  /** Set for the local emulators (dynalite); unset in AWS. */
  dynamodbEndpoint?: string;
  /** Set for the local emulators (fauxqs); unset in AWS. */
  sqsEndpoint?: string;
  /** Set for the local emulators (fauxqs serves S3 too); unset in AWS. */
  s3Endpoint?: string;
  /** @see AwsRequestHandler */
  requestHandler?: AwsRequestHandler;
}

export interface AwsClients {
  ddb: DynamoDBDocumentClient;
  sqs: SQSClient;
  s3: S3Client;
}

/** The emulators accept any signature; a fixed pair keeps the SDK from probing for credentials. */
const EMULATOR_CREDENTIALS = { accessKeyId: 'triggerhub-local', secretAccessKey: 'triggerhub-local' };

/**
 * The SDK clients every adapter uses, created once per process (module scope in
 * a Lambda). With endpoints set they talk to the local emulators.
 */
export const createAwsClients = (cfg: AwsClientsConfig): AwsClients => {
  const region = cfg.region;
  const transport = cfg.requestHandler === undefined ? {} : { requestHandler: cfg.requestHandler };
  const dynamo = new DynamoDBClient(
    cfg.dynamodbEndpoint === undefined
      ? { region, ...transport }
      : { region, ...transport, endpoint: cfg.dynamodbEndpoint, credentials: EMULATOR_CREDENTIALS },
  );
  const ddb = DynamoDBDocumentClient.from(dynamo, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const sqs = new SQSClient(
    cfg.sqsEndpoint === undefined
      ? { region, ...transport }
      : {
          region,
          ...transport,
          endpoint: cfg.sqsEndpoint,
          credentials: EMULATOR_CREDENTIALS,
          // fauxqs queue URLs name the host sqs.<region>.localhost, which does not resolve:
          // always send to the configured endpoint, the queue URL travelling in the body.
          useQueueUrlAsEndpoint: false,
        },
  );
  const s3 = new S3Client(
    cfg.s3Endpoint === undefined
      ? { region, ...transport }
      : {
          region,
          ...transport,
          endpoint: cfg.s3Endpoint,
          credentials: EMULATOR_CREDENTIALS,
          // <bucket>.127.0.0.1 is no host name: the bucket goes in the path.
          forcePathStyle: true,
        },
  );
  return { ddb, sqs, s3 };
};
