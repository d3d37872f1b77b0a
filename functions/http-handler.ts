import type { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import type { APIGatewayProxyEventV2, APIGatewayProxyResult, Context } from 'aws-lambda';
import { platformLogger } from '../shared/runtime/platform-logger.ts';

export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResult>;

/**
 * A Lambda handler for an HTTP API (payload 2.0) over a hono app; every log
 * line of the invocation carries the Lambda request id.
 */
export const httpHandler = (app: Hono): HttpHandler => {
  const handler = handle(app) as HttpHandler;
  return (event, context) => {
    platformLogger.addContext(context);
    return handler(event, context);
  };
};
