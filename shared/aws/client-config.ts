import type { SQSClientConfig } from '@aws-sdk/client-sqs';

// No SDK value is imported here: every client module reads this one, and a
// function must load only the client packages it calls.

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

/** The emulators accept any signature; a fixed pair keeps the SDK from probing for credentials. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'triggerhub-local', secretAccessKey: 'triggerhub-local' };

/** The `requestHandler` client option when one is given, nothing otherwise. */
export const transportOf = (
  cfg: Pick<AwsClientsConfig, 'requestHandler'>,
): { requestHandler?: AwsRequestHandler } =>
  cfg.requestHandler === undefined ? {} : { requestHandler: cfg.requestHandler };
