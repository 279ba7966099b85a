import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '../schemas/errors.ts'
import { SignedUploadSchema } from '@meme-studio/meme-core/schema'
import { SignUploadQuerySchema } from '@meme-studio/meme-core/schema'
import { planUpload, signUploadPolicy } from '../services/storage/upload-policy.ts'
import type { AppConfig } from '../config.ts'

const uploadRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig }> = async (app, { config }) => {
  app.get(
    '/sign-s3-request',
    {
      schema: {
        summary: 'A signed POST policy for uploading one picture straight to S3',
        querystring: SignUploadQuerySchema,
        response: { 200: SignedUploadSchema, ...errorResponses(400, 503) },
      },
    },
    async (request, reply) => {
      const plan = planUpload(request.query.filename, request.query.contentType)
      const signed = await signUploadPolicy(
        app.s3,
        config.uploadBucket,
        plan,
        config.maxUploadBytes,
      )
      reply.header('cache-control', 'no-store')
      return signed
    },
  )
}

export default uploadRoutes
