import { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsClientsConfig } from './client-config.ts';
import { EMULATOR_CREDENTIALS, transportOf } from './client-config.ts';

/** The run queue's client; with an endpoint it talks to fauxqs. */
export const createSqsClient = (
  cfg: Pick<AwsClientsConfig, 'region' | 'sqsEndpoint' | 'requestHandler'>,
): SQSClient => {
  const { region } = cfg;
  return new SQSClient(
    cfg.sqsEndpoint === undefined
      ? { region, ...transportOf(cfg) }
      : {
          region,
          ...transportOf(cfg),
          endpoint: cfg.sqsEndpoint,
          credentials: EMULATOR_CREDENTIALS,
          // fauxqs queue URLs name the host sqs.<region>.localhost, which does not resolve:
          // always send to the configured endpoint, the queue URL travelling in the body.
          useQueueUrlAsEndpoint: false,
        },
  );
};
