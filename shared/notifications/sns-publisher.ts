import type { SNSClient } from '@aws-sdk/client-sns';
import type * as SnsSdk from '@aws-sdk/client-sns';
import type { AwsClientsConfig } from '../aws/client-config.ts';
import { transportOf } from '../aws/client-config.ts';
import { errorMessage } from '../errors.ts';
import type { NotificationPublisher, NotificationRecord } from '../ports.ts';
import { isUnavailableError } from '../resilience/unavailable.ts';
import { ServiceUnavailableError } from '../errors.ts';

/** SNS refuses a subject over 100 characters, or one holding a line break or a control character. */
const MAX_SUBJECT_CHARS = 100;

export interface SnsPublisherOptions {
  /** The topic (the stack's AlarmTopic): `TRIGGERHUB_NOTIFICATION_TOPIC_ARN`. */
  topicArn: string;
  /** `TRIGGERHUB_STAGE`, named in the subject so that two stages' mails can be told apart. */
  stage?: string;
  /**
   * The client, made on the first error notification: no cold start (and no
   * run that raises none) loads the SNS client, which this module imports
   * only then.
   */
  client: () => SNSClient | Promise<SNSClient>;
}

/** `triggerhub <stage> error: <jobId>`, one printable line within SNS's 100 characters. */
export const notificationSubject = (n: Pick<NotificationRecord, 'jobId'>, stage?: string): string => {
  const subject = `triggerhub${stage === undefined ? '' : ` ${stage}`} error: ${n.jobId}`;
  // eslint-disable-next-line no-control-regex -- SNS refuses control characters in a subject
  const printable = subject.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  return printable.length <= MAX_SUBJECT_CHARS ? printable : `${printable.slice(0, MAX_SUBJECT_CHARS - 1)}…`;
};

/** The message (already redacted and cut by whoever raised it), then the ids an operator looks for. */
export const notificationBody = (n: NotificationRecord): string =>
  [
    n.message,
    '',
    `job: ${n.jobId}`,
    ...(n.runId === undefined ? [] : [`run: ${n.runId}`]),
    `kind: ${n.kind}`,
    `severity: ${n.severity}`,
    `at: ${n.createdAt}`,
    `notification: ${n.id}`,
  ].join('\n');

/**
 * Publishes error notifications to the stack's SNS topic (the one the DLQ
 * alarm uses, so whoever is subscribed hears of both). The SNS client module
 * is imported on the first publish only.
 */
export class SnsPublisher implements NotificationPublisher {
  readonly #topicArn: string;
  readonly #stage: string | undefined;
  readonly #client: SnsPublisherOptions['client'];
  #ready: Promise<{ client: SNSClient; sdk: typeof SnsSdk }> | undefined;

  constructor(options: SnsPublisherOptions) {
    this.#topicArn = options.topicArn;
    this.#stage = options.stage;
    this.#client = options.client;
  }

  #load(): Promise<{ client: SNSClient; sdk: typeof SnsSdk }> {
    this.#ready ??= Promise.all([import('@aws-sdk/client-sns'), this.#client()]).then(
      ([sdk, client]) => ({ sdk, client }),
      (e: unknown) => {
        this.#ready = undefined;
        throw e;
      },
    );
    return this.#ready;
  }

  async publish(n: NotificationRecord): Promise<void> {
    const { client, sdk } = await this.#load();
    try {
      await client.send(
        new sdk.PublishCommand({
          TopicArn: this.#topicArn,
          Subject: notificationSubject(n, this.#stage),
          Message: notificationBody(n),
        }),
      );
    } catch (e) {
      if (isUnavailableError(e)) {
        const err = new ServiceUnavailableError('notification topic unavailable');
        err.cause = e;
        throw err;
      }
      throw e instanceof Error ? e : new Error(`publish notification: ${errorMessage(e)}`);
    }
  }
}

/**
 * The SNS client, built like the other clients (region, the SDK's own
 * retries, the bench's transport when given), loaded by the first publish.
 */
export const createSnsClient = async (
  cfg: Pick<AwsClientsConfig, 'region' | 'requestHandler'>,
): Promise<SNSClient> =>
  new (await import('@aws-sdk/client-sns')).SNSClient({ region: cfg.region, ...transportOf(cfg) });
