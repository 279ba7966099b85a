/**
 * An API Gateway REST API (payload v1) proxy event, as API Gateway hands one to the function
 * behind a `{proxy+}` resource of stage `prod`: the shape documented and recorded from AWS.
 * Used by the Lambda tests, the bench's cold starts and infra's bundle tests.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format
 */
export function restEvent(
  method: string,
  path: string,
  init: {
    headers?: Record<string, string>
    query?: Record<string, string>
    body?: string
    /** The body is base64 (a binary media type the API passes through). */
    isBase64Encoded?: boolean
  } = {},
) {
  return {
    resource: '/{proxy+}',
    path,
    httpMethod: method,
    headers: { Host: 'abc123.execute-api.us-east-1.amazonaws.com', ...init.headers },
    multiValueHeaders: {},
    queryStringParameters: init.query ?? null,
    multiValueQueryStringParameters: init.query
      ? Object.fromEntries(Object.entries(init.query).map(([name, value]) => [name, [value]]))
      : null,
    pathParameters: { proxy: path.slice(1) },
    stageVariables: null,
    requestContext: {
      resourcePath: '/{proxy+}',
      httpMethod: method,
      path: `/prod${path}`,
      stage: 'prod',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      identity: { sourceIp: '203.0.113.7' },
    },
    body: init.body ?? null,
    isBase64Encoded: init.isBase64Encoded ?? false,
  }
}
