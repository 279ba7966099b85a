import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { MemeRequestSchema } from '@meme-studio/meme-core/schema'
import type { AppConfig } from '../config.ts'
import { documentApiKey } from '../plugins/external/swagger.ts'
import { errorResponses } from '../schemas/errors.ts'
import { JobCreatedSchema, JobParamsSchema, JobSchema } from '@meme-studio/meme-core/schema'
import { createJob, describeJob, jobPath, readJob, runJob } from '../services/jobs/job-store.ts'

/** The same body as POST /api/meme, so the same limit. */
const JOB_BODY_LIMIT = 64 * 1024

/** `/api/jobs*`: programmatic renders behind the API key. */
const jobRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig }> = async (jobs, { config }) => {
  const bucket = config.uploadBucket
  /**
   * Jobs started here and not finished, by id: closing the app waits for them, and their
   * status is answered from here (running) rather than from a record being rewritten.
   */
  const inFlight = new Map<string, Promise<unknown>>()

  jobs.addHook('onRequest', jobs.apiKeyGuard)
  jobs.addHook('onRoute', documentApiKey)
  jobs.addHook('onClose', async () => {
    await Promise.all(inFlight.values())
  })

  // '' rather than '/': the collection is `/api/jobs`, and `/api/jobs/` is no other name for it.
  jobs.post(
    '',
    {
      bodyLimit: JOB_BODY_LIMIT,
      schema: {
        summary: 'Start rendering a meme; poll its Location for the result',
        description:
          'Takes the body of POST /api/meme, checks it and answers at once; the render runs after.',
        body: MemeRequestSchema,
        response: {
          201: JobCreatedSchema,
          ...errorResponses(400, 413, 415, 503),
        },
      },
    },
    async (request, reply) => {
      const job = await createJob(jobs.s3, bucket, request.body)
      // The render runs in this process after the answer. That holds for the local server;
      // on Lambda the environment is frozen once the answer is returned, so a job may only
      // move on at the next invocation or not at all (GET then reports it JOB_LOST). Running
      // jobs there would take a queue or an asynchronous invocation, which this app lacks.
      const run = runJob(jobs.s3, bucket, job, {
        render: (meme) => jobs.makeMeme(meme),
        log: request.log,
      }).finally(() => inFlight.delete(job.jobId))
      inFlight.set(job.jobId, run)
      return reply
        .status(201)
        .header('location', jobPath(job.jobId))
        .header('cache-control', 'no-store')
        .send({ jobId: job.jobId, status: job.status })
    },
  )

  jobs.get(
    '/:jobId',
    {
      schema: {
        summary: "A job's status, and once done a short-lived URL of its image",
        params: JobParamsSchema,
        response: { 200: JobSchema, ...errorResponses(404, 503) },
      },
    },
    async (request, reply) => {
      const { jobId } = request.params
      // `GET /api/jobs/` is the collection, which has no GET, not a job without an id.
      if (jobId === '') return reply.callNotFound()
      const job = await readJob(jobs.s3, bucket, jobId)
      // The status moves on, and the URL carries a signature: neither is for caches.
      reply.header('cache-control', 'no-store')
      return describeJob(jobs.s3, bucket, job)
    },
  )

  // Fastify gives a scope's 404 handler the scope's hooks, so the onRequest guard above
  // already answers 403 first to a request without a key, whatever its path. The preHandler
  // covers `reply.callNotFound()` from a route; the guard admits a request once, so a 404
  // counts once against the key's usage plan.
  jobs.setNotFoundHandler({ preHandler: jobs.apiKeyGuard }, (_request, reply) =>
    reply.status(404).send({ message: 'Not found' }),
  )
}

export default jobRoutes
