import { createS3Client } from '../../shared/aws/s3-client.ts';
import type { Config } from '../../shared/config.ts';
import { S3PayloadStore } from '../../shared/payloads/s3-payload-store.ts';
import type { PayloadStore } from '../../shared/ports.ts';
import type { FunctionDepsOptions } from './common.ts';

/** The claim-check bucket for events too large for a run item, on its own S3 client. */
export const claimCheckStore = (config: Config, options: FunctionDepsOptions): PayloadStore =>
  new S3PayloadStore({
    client: createS3Client({
      region: config.AWS_REGION,
      s3Endpoint: config.TRIGGERHUB_S3_ENDPOINT,
      requestHandler: options.requestHandler,
    }),
    bucket: config.TRIGGERHUB_PAYLOAD_BUCKET,
  });
