import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { throwIfProblems } from '../props-check.ts';

/** Good enough to catch a typo (`ops@example`, `ops.example.com`); SNS asks the address to confirm anyway. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A problem when `email` does not look like an e-mail address; `undefined` passes. */
export const checkAlarmEmail = (name: string, email: string | undefined): string[] =>
  email === undefined || (EMAIL.test(email) && email.length <= 254)
    ? []
    : [`${name} "${email}" is not an e-mail address`];

/**
 * Props of {@link AlarmTopic}.
 */
export interface AlarmTopicProps {
  /** Alarms whose state change (into ALARM) is published to the topic. */
  readonly alarms: readonly Alarm[];
  /**
   * An address subscribed to the topic (SNS sends it a confirmation first).
   *
   * @default - no subscription: subscribe what you use (chat, paging) to the topic
   */
  readonly email?: string;
}

/**
 * Where the platform's alarms go: an SNS topic, encrypted with its own KMS
 * key (rotated) and reachable over TLS only, that CloudWatch may publish to
 * for these alarms alone. CloudWatch cannot publish to a topic under the
 * AWS-managed SNS key (its key policy cannot let CloudWatch in), hence the
 * customer-managed one.
 */
export class AlarmTopic extends Construct {
  public readonly topic: Topic;
  public readonly key: Key;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    throwIfProblems('AlarmTopic', checkAlarmEmail('email', props.email));
    const stack = Stack.of(this);

    this.key = new Key(this, 'Key', {
      description: `Encrypts the alarm notifications of ${stack.stackName}`,
      enableKeyRotation: true,
      // Only notifications in flight are encrypted with it: nothing to keep once the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    this.topic = new Topic(this, 'Topic', {
      displayName: `${stack.stackName} alarms`,
      masterKey: this.key,
      enforceSSL: true,
    });

    const cloudwatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublishEncrypted',
        principals: [cloudwatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        // The key serves this topic alone; AWS documents this statement without conditions, and a
        // condition CloudWatch does not send would silently drop every notification.
        resources: ['*'],
      }),
    );
    // The topic policy replaces SNS's default one: let CloudWatch publish, for these alarms only.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [cloudwatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': props.alarms.map((a) => a.alarmArn) },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    );
    for (const alarm of props.alarms) alarm.addAlarmAction(new SnsAction(this.topic));
    if (props.email !== undefined) this.topic.addSubscription(new EmailSubscription(props.email));
  }
}
