import type { Config } from '../../shared/config.ts';
import { SnsPublisher, createSnsClient } from '../../shared/notifications/sns-publisher.ts';
import type { NotificationPublisher } from '../../shared/ports.ts';
import type { FunctionDepsOptions } from './clients.ts';
import { clientConfigOf } from './clients.ts';

/**
 * Where error notifications are published: the stack's SNS topic when the
 * configuration names one (`TRIGGERHUB_NOTIFICATION_TOPIC_ARN`), else none
 * (`npm start`: the notifier writes one ERROR line instead). The SNS client
 * is created, and its package loaded, by the first error notification.
 */
export const notificationPublisher = (
  config: Config,
  options: FunctionDepsOptions = {},
): { publisher?: NotificationPublisher } =>
  config.TRIGGERHUB_NOTIFICATION_TOPIC_ARN === undefined
    ? {}
    : {
        publisher: new SnsPublisher({
          topicArn: config.TRIGGERHUB_NOTIFICATION_TOPIC_ARN,
          ...(config.TRIGGERHUB_STAGE === undefined ? {} : { stage: config.TRIGGERHUB_STAGE }),
          client: () => createSnsClient(clientConfigOf(config, options)),
        }),
      };
