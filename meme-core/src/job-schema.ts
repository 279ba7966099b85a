import { Type, type Static } from 'typebox'

export const JobParamsSchema = Type.Object(
  {
    // Any text: the service answers 404 for an id it could not have issued, as for a missing one.
    jobId: Type.String({ description: 'The jobId from POST /api/jobs' }),
  },
  { additionalProperties: false },
)

const jobId = Type.String({ description: '22 base64url characters' })

/** `POST /api/jobs`. */
export const JobCreatedSchema = Type.Object(
  {
    jobId,
    status: Type.Literal('queued'),
  },
  {
    headers: {
      location: Type.String({ description: 'Where to poll the job: /api/jobs/<jobId>' }),
    },
  },
)
export type JobCreated = Static<typeof JobCreatedSchema>

/** `GET /api/jobs/{jobId}`. */
export const JobSchema = Type.Object({
  jobId,
  status: Type.Enum(['queued', 'running', 'done', 'failed'], {
    description: 'done and failed are final; poll until one of them',
  }),
  result: Type.Optional(
    Type.Object(
      {
        url: Type.String({
          description: 'A presigned GET of the image; it works for an hour from this answer',
        }),
        meme_type: Type.String({ examples: ['image/jpeg'] }),
        bytes: Type.Integer({ description: 'The size of the image' }),
      },
      { description: 'When done' },
    ),
  ),
  error: Type.Optional(
    Type.Object(
      {
        code: Type.String({ examples: ['IMAGE_NOT_FOUND', 'TEXT_DOES_NOT_FIT', 'JOB_LOST'] }),
        message: Type.String(),
      },
      { description: 'When failed: why, with the code POST /api/meme would have answered' },
    ),
  ),
})
export type Job = Static<typeof JobSchema>
