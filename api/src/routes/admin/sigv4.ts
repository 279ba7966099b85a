import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppConfig } from '../../config.ts'
import { SigV4SignRequestSchema, SigV4StepsSchema } from '@meme-studio/meme-core/schema'
import { errorResponses } from '../../schemas/errors.ts'
import { signWithSteps } from '../../services/signatures/sigv4-steps.ts'

/** A 64 KiB body and 50 headers, JSON-escaped; the service answers 413 for a larger body. */
const SIGV4_BODY_LIMIT = 512 * 1024

/** `/api/admin/sigv4/*`: a SigV4 signer that shows every step. */
const sigv4Routes: FastifyPluginAsyncTypebox<{ config: AppConfig }> = async (app) => {
  app.post(
    '/sigv4/sign',
    {
      bodyLimit: SIGV4_BODY_LIMIT,
      schema: {
        summary: 'Sign a request with AWS Signature Version 4, showing each step',
        description:
          "Signed by the AWS SDK's SignatureV4. Non-S3 services: path normalised and encoded " +
          'twice; s3: encoded once and x-amz-content-sha256 added. Give `date` to reproduce a ' +
          'signature.',
        body: SigV4SignRequestSchema,
        response: { 200: SigV4StepsSchema, ...errorResponses(400, 413, 415) },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store')
      return signWithSteps(request.body, new Date())
    },
  )
}

export default sigv4Routes
