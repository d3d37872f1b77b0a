import { S3Client } from '@aws-sdk/client-s3';
import type { AwsClientsConfig } from './client-config.ts';
import { EMULATOR_CREDENTIALS, transportOf } from './client-config.ts';

/** The claim-check bucket's client; with an endpoint it talks to fauxqs's S3. */
export const createS3Client = (
  cfg: Pick<AwsClientsConfig, 'region' | 's3Endpoint' | 'requestHandler'>,
): S3Client => {
  const { region } = cfg;
  return new S3Client(
    cfg.s3Endpoint === undefined
      ? { region, ...transportOf(cfg) }
      : {
          region,
          ...transportOf(cfg),
          endpoint: cfg.s3Endpoint,
          credentials: EMULATOR_CREDENTIALS,
          // <bucket>.127.0.0.1 is no host name: the bucket goes in the path.
          forcePathStyle: true,
        },
  );
};
