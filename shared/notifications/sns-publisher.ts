import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
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
  /** The client, made on the first publish (the wiring loads this module only then, too). */
  client: () => SNSClient;
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
 * alarm uses, so whoever is subscribed hears of both). The functions load
 * this module, and with it the SNS client, on the first error notification
 * only (functions/wiring/notifications.ts).
 */
export class SnsPublisher implements NotificationPublisher {
  readonly #topicArn: string;
  readonly #stage: string | undefined;
  readonly #makeClient: SnsPublisherOptions['client'];
  #client: SNSClient | undefined;

  constructor(options: SnsPublisherOptions) {
    this.#topicArn = options.topicArn;
    this.#stage = options.stage;
    this.#makeClient = options.client;
  }

  async publish(n: NotificationRecord): Promise<void> {
    const client = (this.#client ??= this.#makeClient());
    try {
      await client.send(
        new PublishCommand({
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

/** The SNS client, built like the other clients (region, the SDK's own retries, the bench's transport when given). */
export const createSnsClient = (cfg: Pick<AwsClientsConfig, 'region' | 'requestHandler'>): SNSClient =>
  new SNSClient({ region: cfg.region, ...transportOf(cfg) });
