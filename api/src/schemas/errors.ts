import { Type } from 'typebox'

/** Fastify's error shape, with a stable upper-case `code` clients can branch on. */
export const ErrorSchema = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String(),
    message: Type.String(),
    code: Type.String({ examples: ['VALIDATION', 'IMAGE_NOT_FOUND'] }),
  },
  { $id: 'Error', description: 'An error with a stable code' },
)

export const errorResponses = (...statusCodes: number[]) =>
  Object.fromEntries(statusCodes.map((status) => [status, ErrorSchema]))

/** What API Gateway (and the API-key guard) answers a refused request with. */
export const GatewayErrorSchema = Type.Object(
  { message: Type.String({ examples: ['Forbidden', 'Too Many Requests', 'Limit Exceeded'] }) },
  {
    description:
      'An API Gateway error: 403 "Forbidden" (API key missing or unknown), 429 "Too Many ' +
      'Requests" (over the rate or burst) or 429 "Limit Exceeded" (quota spent for the period); ' +
      'the x-amzn-ErrorType header names it',
  },
)
