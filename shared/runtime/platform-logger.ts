import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The platform's own structured logger (CloudWatch in AWS, stdout locally).
 * It never receives request bodies, headers or secret values.
 */
export const platformLogger = new Logger({ serviceName: 'triggerhub' });
