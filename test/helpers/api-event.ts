import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

/** The request id and source address every event carries: what a refusal line must report. */
export const REQUEST_ID = 'req-123';
export const SOURCE_IP = '203.0.113.7';

export type ApiEventOverrides = Partial<APIGatewayProxyEventV2> & {
  /** The request's method (`requestContext.http.method`). @default 'POST' */
  method?: string;
};

/**
 * An HTTP API (payload 2.0) event as API Gateway sends it to a Lambda
 * handler: `POST /hooks/demo` with a JSON content type and no body unless
 * told otherwise. `rawPath` and the method also fill `requestContext.http`.
 */
export const apiEvent = (over: ApiEventOverrides = {}): APIGatewayProxyEventV2 => {
  const { method = 'POST', ...rest } = over;
  const rawPath = rest.rawPath ?? '/hooks/demo';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    requestContext: {
      accountId: '000000000000',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: SOURCE_IP, userAgent: 'probe' },
      requestId: REQUEST_ID,
      routeKey: '$default',
      stage: '$default',
      time: '22/Nov/2026:10:00:00 +0000',
      timeEpoch: 0,
    },
    isBase64Encoded: false,
    ...rest,
  };
};

/** The Lambda context of an ingest invocation: the fields the handlers read. */
export const lambdaContext = { awsRequestId: 'aws-1', functionName: 'ingest' } as unknown as Context;
