import { createS3Client } from '../../shared/aws/s3-client.ts';
import type { Config } from '../../shared/config.ts';
import { S3PayloadStore } from '../../shared/payloads/s3-payload-store.ts';
import type { PayloadStore } from '../../shared/ports.ts';
import type { FunctionDepsOptions } from './clients.ts';
import { clientConfigOf } from './clients.ts';

/** The claim-check bucket for events too large for a run item, on its own S3 client. */
export const claimCheckStore = (config: Config, options: FunctionDepsOptions): PayloadStore =>
  new S3PayloadStore({
    client: options.clients?.s3 ?? createS3Client(clientConfigOf(config, options)),
    bucket: config.TRIGGERHUB_PAYLOAD_BUCKET,
  });
