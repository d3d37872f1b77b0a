import type { Config } from '../../shared/config.ts';
import type { NotificationPublisher, NotificationRecord } from '../../shared/ports.ts';
import type { FunctionDepsOptions } from './clients.ts';
import { clientConfigOf } from './clients.ts';

/**
 * Where error notifications are published: the stack's SNS topic when the
 * configuration names one (`TRIGGERHUB_NOTIFICATION_TOPIC_ARN`), else none
 * (`npm start`: the notifier writes one ERROR line instead). The publisher's
 * module, and with it the SNS client package, is loaded by the first error
 * notification: no cold start, and no run that raises none, pays for it.
 */
export const notificationPublisher = (
  config: Config,
  options: FunctionDepsOptions = {},
): { publisher?: NotificationPublisher } => {
  const topicArn = config.TRIGGERHUB_NOTIFICATION_TOPIC_ARN;
  if (topicArn === undefined) return {};
  let loaded: Promise<NotificationPublisher> | undefined;
  const load = (): Promise<NotificationPublisher> =>
    (loaded ??= import('../../shared/notifications/sns-publisher.ts').then(
      ({ SnsPublisher, createSnsClient }) =>
        new SnsPublisher({
          topicArn,
          ...(config.TRIGGERHUB_STAGE === undefined ? {} : { stage: config.TRIGGERHUB_STAGE }),
          client: () => createSnsClient(clientConfigOf(config, options)),
        }),
      (e: unknown) => {
        loaded = undefined;
        throw e;
      },
    ));
  return { publisher: { publish: async (n: NotificationRecord) => (await load()).publish(n) } };
};
