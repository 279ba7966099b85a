import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { MemeRequestSchema } from '@meme-studio/meme-core/schema'
import type { AppConfig } from '../config.ts'
import { documentApiKey } from '../plugins/external/swagger.ts'
import { routeNotFound } from '../services/shared/app-error.ts'
import { errorResponses } from '../schemas/errors.ts'
import { JobCreatedSchema, JobParamsSchema, JobSchema } from '@meme-studio/meme-core/schema'
import { acceptJob, describeJob, jobPath, readJob } from '../services/jobs/job-store.ts'
import { checkPictureEdits } from '../services/shared/picture-edits-check.ts'
import { memePicture } from '../services/templates/template-catalog.ts'

/** The same body as POST /api/meme, so the same limit. */
const JOB_BODY_LIMIT = 64 * 1024

/**
 * `/api/jobs*`: programmatic renders behind the API key. A job is recorded and sent to the
 * `jobs` queue; the render function's worker renders it (`services/jobs/job-worker.ts`).
 */
const jobRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig }> = async (jobs, { config }) => {
  const guard = jobs.apiKeyGuard('jobs')
  jobs.addHook('onRequest', guard)
  jobs.addHook('onRoute', documentApiKey)

  // '' rather than '/': the collection is `/api/jobs`, and `/api/jobs/` is no other name for it.
  jobs.post(
    '',
    {
      bodyLimit: JOB_BODY_LIMIT,
      schema: {
        summary: 'Start rendering a meme; poll its Location for the result',
        description:
          'Takes the body of POST /api/meme, checks it, records the job and queues it; the render runs after, on the render function.',
        body: MemeRequestSchema,
        response: {
          201: JobCreatedSchema,
          ...errorResponses(400, 413, 415, 503),
        },
      },
    },
    async (request, reply) => {
      // Exactly one of image and template, a crop inside the picture: a 400 now rather than
      // a job that fails later.
      memePicture(request.body)
      checkPictureEdits(request.body.edits)
      const job = await acceptJob(jobs.records, jobs.queues, request.body, request.log)
      return reply
        .status(201)
        .header('location', jobPath(job.jobId))
        .header('cache-control', 'no-store')
        .send(job)
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
      const job = await describeJob(
        jobs.s3,
        config.uploadBucket,
        await readJob(jobs.records, jobId),
      )
      // The status moves on, and the URL carries a signature: neither is for caches.
      reply.header('cache-control', 'no-store')
      return job
    },
  )

  // Fastify gives a scope's 404 handler the scope's hooks, so the onRequest guard above
  // already answers 403 first to a request without a key, whatever its path. The preHandler
  // covers `reply.callNotFound()` from a route; the guard admits a request once, so a 404
  // counts once against the key's usage plan.
  jobs.setNotFoundHandler({ preHandler: guard }, async (request) => {
    throw routeNotFound(request)
  })
  // Keeps the paths under /api/jobs in this scope when the web app's file server (`/*`) is
  // registered too, as in admin/index.ts.
  jobs.all('/*', { schema: { hide: true } }, async (_request, reply) => reply.callNotFound())
}

export default jobRoutes
