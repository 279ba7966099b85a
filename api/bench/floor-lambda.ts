/**
 * The floor for the cold starts `pnpm bench` measures: bare Fastify behind
 * `@fastify/aws-lambda` with one trivial route, bundled as the functions are. No app can start
 * faster than this in the same process on the same machine.
 */
import awsLambdaFastify from '@fastify/aws-lambda'
import Fastify from 'fastify'

const app = Fastify()
app.get('/api/health', async () => ({ status: 'ok' }))

/** @public loaded by bench/lambda-process.ts from its bundle, not imported */
export const handler = awsLambdaFastify(app)

await app.ready()
