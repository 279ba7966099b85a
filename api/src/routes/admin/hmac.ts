import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppConfig } from '../../config.ts'
import {
  ApigeeSignatureSchema,
  ApigeeSignRequestSchema,
  ApigeeVerificationSchema,
  ApigeeVerifyRequestSchema,
  GithubSignatureRequestSchema,
  GithubSignatureSchema,
  HmacRequestSchema,
  HmacResultSchema,
} from '@meme-studio/meme-core/schema'
import { errorResponses } from '../../schemas/errors.ts'
import {
  checkGithubSignature,
  computeHmac,
  signApigee,
  verifyApigee,
} from '../../services/signatures/hmac-tools.ts'

/** Two 64 KiB fields and their JSON escaping; the service answers 413 per field beyond that. */
const HMAC_BODY_LIMIT = 256 * 1024
/** A 512 KiB payload pasted as a JSON string grows with every escaped quote and newline. */
const GITHUB_BODY_LIMIT = 1024 * 1024
const APIGEE_BODY_LIMIT = 16 * 1024

/** `/api/admin/hmac*`: HMAC calculator, GitHub webhook signatures, Apigee OAuth signatures. */
const hmacRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig }> = async (app) => {
  // Answers carry signatures made with someone's secret: no cache keeps them.
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
  })

  app.post(
    '/hmac',
    {
      bodyLimit: HMAC_BODY_LIMIT,
      schema: {
        summary: 'HMAC of a message with a key, each given as text, hex or base64',
        body: HmacRequestSchema,
        response: { 200: HmacResultSchema, ...errorResponses(400, 413, 415) },
      },
    },
    async (request) => computeHmac(request.body),
  )

  app.post(
    '/hmac/github',
    {
      bodyLimit: GITHUB_BODY_LIMIT,
      schema: {
        summary: "GitHub's X-Hub-Signature-256 for a payload, and why a given one differs",
        body: GithubSignatureRequestSchema,
        response: { 200: GithubSignatureSchema, ...errorResponses(400, 413, 415) },
      },
    },
    async (request) => checkGithubSignature(request.body),
  )

  app.post(
    '/hmac/apigee',
    {
      bodyLimit: APIGEE_BODY_LIMIT,
      schema: {
        summary: "Sign an Apigee OAuth request with the partner's HMAC formula",
        body: ApigeeSignRequestSchema,
        response: { 200: ApigeeSignatureSchema, ...errorResponses(400, 413, 415) },
      },
    },
    async (request) => signApigee(request.body, new Date()),
  )

  app.post(
    '/hmac/apigee/verify',
    {
      bodyLimit: APIGEE_BODY_LIMIT,
      schema: {
        summary: 'Check an Apigee OAuth signature and show what was signed',
        body: ApigeeVerifyRequestSchema,
        response: { 200: ApigeeVerificationSchema, ...errorResponses(400, 413, 415) },
      },
    },
    async (request) => verifyApigee(request.body),
  )
}

export default hmacRoutes
