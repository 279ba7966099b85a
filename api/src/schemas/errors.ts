import { ErrorSchema } from '@meme-studio/meme-core/schema'

/** The error responses a route declares, one schema for each status. */
export const errorResponses = (...statusCodes: number[]) =>
  Object.fromEntries(statusCodes.map((status) => [status, ErrorSchema]))
