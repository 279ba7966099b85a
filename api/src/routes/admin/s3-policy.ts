import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppConfig } from '../../config.ts'
import {
  S3PolicyInspectionSchema,
  S3PolicyInspectRequestSchema,
} from '@meme-studio/meme-core/schema'
import { errorResponses } from '../../schemas/errors.ts'
import { inspectS3Policy } from '../../services/signatures/s3-policy-inspect.ts'

/** A 64 KiB policy and a signature; the service answers 413 for a larger policy. */
const S3_POLICY_BODY_LIMIT = 256 * 1024

/** `/api/admin/s3-policy/*`: reads a signed S3 POST policy back. */
const s3PolicyRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig }> = async (app) => {
  app.post(
    '/s3-policy/inspect',
    {
      bodyLimit: S3_POLICY_BODY_LIMIT,
      schema: {
        summary: 'Decode an S3 POST policy, explain its conditions and check its signature',
        body: S3PolicyInspectRequestSchema,
        response: { 200: S3PolicyInspectionSchema, ...errorResponses(400, 413, 415) },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store')
      return inspectS3Policy(request.body, new Date())
    },
  )
}

export default s3PolicyRoutes
