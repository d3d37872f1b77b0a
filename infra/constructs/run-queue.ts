import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { checkIntegerInRange, throwIfProblems } from '../props-check.ts';

/** AWS's advice for a queue feeding Lambda: visibility timeout ≥ 6 × the function timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** SQS's own ceiling on a queue's visibility timeout. */
const MAX_VISIBILITY_TIMEOUT = Duration.hours(12);

/**
 * Props of {@link RunQueue}.
 */
export interface RunQueueProps {
  /**
   * Timeout of the function consuming the queue; the visibility timeout is
   * derived from it and checked against it.
   */
  readonly consumerTimeout: Duration;
  /**
   * How long a received message stays hidden. Must be at least
   * {@link VISIBILITY_TIMEOUT_FACTOR} × `consumerTimeout`, so that a message
   * is not delivered twice while Lambda still retries the batch.
   *
   * @default VISIBILITY_TIMEOUT_FACTOR × consumerTimeout
   */
  readonly visibilityTimeout?: Duration;
  /**
   * Receives before a message moves to the DLQ. The worker reads the same
   * number (`TRIGGERHUB_MAX_RECEIVE_COUNT`) to know its last attempt.
   *
   * @default 3
   */
  readonly maxReceiveCount?: number;
  /**
   * How long the queue keeps an unprocessed message.
   *
   * @default Duration.days(4)
   */
  readonly retentionPeriod?: Duration;
}

/** The problems in {@link RunQueueProps}, one sentence each; empty when they are valid. */
export const checkRunQueueProps = (props: RunQueueProps): string[] => {
  const problems = checkIntegerInRange('maxReceiveCount', props.maxReceiveCount, 1, 1000);
  const consumerSeconds = props.consumerTimeout.toSeconds();
  const minimumSeconds = VISIBILITY_TIMEOUT_FACTOR * consumerSeconds;
  const visibilitySeconds = props.visibilityTimeout?.toSeconds() ?? minimumSeconds;
  if (visibilitySeconds < minimumSeconds) {
    problems.push(
      `visibilityTimeout (${visibilitySeconds} s) must be at least ${VISIBILITY_TIMEOUT_FACTOR} × the consumer timeout (${consumerSeconds} s) = ${minimumSeconds} s`,
    );
  }
  if (visibilitySeconds > MAX_VISIBILITY_TIMEOUT.toSeconds()) {
    problems.push(`visibilityTimeout (${visibilitySeconds} s) must be at most 12 hours (SQS limit)`);
  }
  const retention = props.retentionPeriod?.toSeconds();
  if (retention !== undefined && (retention < 60 || retention > Duration.days(14).toSeconds())) {
    problems.push(`retentionPeriod (${retention} s) must be from 60 s to 14 days (SQS limits)`);
  }
  return problems;
};

/**
 * The run queue and its dead-letter queue: both encrypted with SQS-managed
 * keys and reachable over TLS only. A message that fails `maxReceiveCount`
 * times moves to the DLQ, which keeps it 14 days for inspection and redrive.
 */
export class RunQueue extends Construct {
  public readonly queue: Queue;
  public readonly deadLetterQueue: Queue;
  /** In alarm while the DLQ holds a message; subscribe your notifications to it. */
  public readonly deadLetterAlarm: Alarm;
  /** The redrive `maxReceiveCount` in force, for `TRIGGERHUB_MAX_RECEIVE_COUNT`. */
  public readonly maxReceiveCount: number;
  /** The queue's visibility timeout in force, for `TRIGGERHUB_VISIBILITY_TIMEOUT_SECONDS`. */
  public readonly visibilityTimeout: Duration;

  constructor(scope: Construct, id: string, props: RunQueueProps) {
    super(scope, id);
    throwIfProblems('RunQueue', checkRunQueueProps(props));
    this.maxReceiveCount = props.maxReceiveCount ?? 3;
    this.visibilityTimeout =
      props.visibilityTimeout ??
      Duration.seconds(VISIBILITY_TIMEOUT_FACTOR * props.consumerTimeout.toSeconds());

    // A message keeps its first enqueue time when it moves to a standard DLQ,
    // so the DLQ must keep messages longer than the source queue does.
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: this.visibilityTimeout,
      retentionPeriod: props.retentionPeriod ?? Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: this.maxReceiveCount },
    });
    // Nothing is lost silently: a message in the DLQ is a run that failed every attempt, or
    // whose last attempt died with its worker (the run then still reads `running`).
    this.deadLetterAlarm = new Alarm(this, 'DeadLetterAlarm', {
      alarmDescription:
        'Messages in the triggerhub dead-letter queue: runs that failed every attempt, or whose last worker died.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
