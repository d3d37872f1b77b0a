import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { checkIntegerInRange, throwIfProblems } from '../props-check.ts';

/** Where stored events live (`events/<jobId>/<runId>.json`): the only objects that expire. */
export const EVENTS_PREFIX = 'events/';

/**
 * Props of {@link PayloadBucket}.
 */
export interface PayloadBucketProps {
  /**
   * Days after which a stored event (under `events/`) expires; uploaded
   * scripts (under `scripts/`) never do. Match the run retention
   * (`TRIGGERHUB_RETENTION_DAYS`): a replay needs the payload as long as the
   * run that refers to it exists.
   *
   * @default 30
   */
  readonly expiryDays?: number;
  /**
   * Write S3 server access logs to a second bucket created here.
   *
   * @default true
   */
  readonly serverAccessLogs?: boolean;
  /**
   * Days after which an access log object expires.
   *
   * @default 90
   */
  readonly accessLogsExpiryDays?: number;
  /**
   * What happens to the buckets when they leave the stack. Payloads are the
   * evidence behind runs that may still be replayed, so they are kept.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The problems in {@link PayloadBucketProps}, one sentence each; empty when they are valid. */
export const checkPayloadBucketProps = (props: PayloadBucketProps): string[] => [
  ...checkIntegerInRange('expiryDays', props.expiryDays, 1, 3650),
  ...checkIntegerInRange('accessLogsExpiryDays', props.accessLogsExpiryDays, 1, 3650),
];

/**
 * The claim-check bucket: payloads too large for an SQS message are stored
 * here by ingest and read back by the worker. Private (public access blocked,
 * TLS required), S3-managed encryption, stored events expire with the run
 * retention; uploaded scripts' sources, kept here too, never expire.
 */
export class PayloadBucket extends Construct {
  public readonly bucket: Bucket;
  /** The server access log destination; `undefined` when `serverAccessLogs` is false. */
  public readonly accessLogsBucket: Bucket | undefined;

  constructor(scope: Construct, id: string, props: PayloadBucketProps = {}) {
    super(scope, id);
    throwIfProblems('PayloadBucket', checkPayloadBucketProps(props));
    // Grant log delivery through a bucket policy rather than the legacy
    // LogDeliveryWrite ACL, which needs ACLs enabled on the log bucket. Set
    // here, before any child exists, so the choice does not depend on cdk.json.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.accessLogsBucket =
      props.serverAccessLogs === false
        ? undefined
        : new Bucket(this, 'AccessLogs', {
            blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
            enforceSSL: true,
            // Log delivery supports SSE-S3 only.
            encryption: BucketEncryption.S3_MANAGED,
            objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycleRules: [{ expiration: Duration.days(props.accessLogsExpiryDays ?? 90) }],
            removalPolicy,
          });
    // cdk-nag S1 does not ask a log destination to log itself.

    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        // Stored events expire with the runs that refer to them. Uploaded scripts'
        // sources (`scripts/`) are what jobs run: they never expire.
        { prefix: EVENTS_PREFIX, expiration: Duration.days(props.expiryDays ?? 30) },
        // Abandoned multipart uploads are debris under any prefix.
        { abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy,
      ...(this.accessLogsBucket
        ? { serverAccessLogsBucket: this.accessLogsBucket, serverAccessLogsPrefix: 'payloads/' }
        : {}),
    });
    if (!this.accessLogsBucket) {
      Validations.of(this.bucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          'Server access logs turned off on purpose (serverAccessLogs: false); use CloudTrail S3 data events for an object-level audit.',
      });
    }
  }
}
