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
