/**
 * The AWS Lambda entry point: the same app behind API Gateway (REST payload v1 and HTTP
 * API payload v2). Built at module load so a cold start pays for it once.
 */
import awsLambdaFastify from '@fastify/aws-lambda'
import { buildApp } from './app.ts'
import { loadConfig } from './config.ts'
import { resolveSecretEnv } from './lambda-secrets.ts'

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript)|[^;]*\+(json|xml))/i

// Secrets Manager ARNs become values first, so a bad or unreadable secret fails the cold start.
const config = loadConfig(await resolveSecretEnv(process.env))
const app = await buildApp(config, { logger: { level: config.logLevel } })

/** Anything that is not text travels base64-encoded, as API Gateway requires. */
export const handler = awsLambdaFastify(app, {
  enforceBase64: (response) => {
    const type = String(response.headers['content-type'] ?? '')
    const encoded = String(response.headers['content-encoding'] ?? 'identity') !== 'identity'
    return encoded || (type !== '' && !TEXT_TYPES.test(type))
  },
})

await app.ready()
