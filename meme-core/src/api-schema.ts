import { Type, type Static } from 'typebox'
import { CaptionListSchema } from './caption-schema.ts'
import { PictureEditsSchema, StickerListSchema } from './edit-schema.ts'
import { UPLOAD_KEY_PATTERN } from './picture-formats.ts'

/** `GET /api/limits`: what the browser checks a file against before uploading it. */
export const LimitsSchema = Type.Object({
  maxUploadBytes: Type.Integer(),
  maxPixels: Type.Integer(),
  maxEdge: Type.Integer({ description: 'Pictures are scaled down to this longer edge' }),
  imageTypes: Type.Array(Type.String()),
  minEdge: Type.Integer({
    description: "A picture's shorter side, at least (pixels): room for a caption",
  }),
  maxAspectRatio: Type.Number({
    description:
      'Longer side over shorter side, at most: 10, or less when maxEdge would scale the ' +
      'shorter side under minEdge',
  }),
})
export type Limits = Static<typeof LimitsSchema>

/** `GET /api/sign-s3-request`: a signed S3 POST policy for one picture. */
export const SignedUploadSchema = Type.Object({
  url: Type.String({ description: 'POST the form here' }),
  fields: Type.Record(Type.String(), Type.String(), {
    description: 'Form fields, posted as they are and before the file',
  }),
  key: Type.String({ description: 'The object key the server chose' }),
  expiresAt: Type.String({ description: 'When the policy expires (ISO 8601)' }),
  maxBytes: Type.Integer(),
})
export type SignedUpload = Static<typeof SignedUploadSchema>

/** `POST /api/meme`. */
export const MemeRequestSchema = Type.Object(
  {
    image: Type.Optional(
      Type.String({
        pattern: UPLOAD_KEY_PATTERN,
        description:
          'a key issued by GET /api/sign-s3-request (uploads/<uuid>.<ext>); exactly one of ' +
          '`image` and `template`',
      }),
    ),
    template: Type.Optional(
      Type.String({
        maxLength: 100,
        description:
          "a template's id (GET /api/templates): its picture, at its current version; exactly " +
          'one of `image` and `template`',
      }),
    ),
    captions: CaptionListSchema,
    edits: Type.Optional(PictureEditsSchema),
    stickers: Type.Optional(StickerListSchema),
    format: Type.Optional(
      Type.Enum(['jpeg', 'png', 'webp'], {
        description:
          "Output format; default the input's (an animated GIF gives GIF, a still one PNG). " +
          'With `Accept: image/…` it must ' +
          'be the type Accept allows, or the answer is 406',
      }),
    ),
  },
  { additionalProperties: false },
)
export type MemeRequest = Static<typeof MemeRequestSchema>

export const MemeResponseSchema = Type.Object({
  meme_data: Type.String({ description: 'The image, base64' }),
  meme_type: Type.String({ examples: ['image/jpeg'] }),
})
export type MemeResponse = Static<typeof MemeResponseSchema>

/** `GET /api/sign-s3-request`'s query. */
export const SignUploadQuerySchema = Type.Object(
  {
    // Length and characters are checked by the service, which answers BAD_FILENAME.
    filename: Type.String({ maxLength: 4096, description: 'The picture file name' }),
    contentType: Type.Optional(
      Type.String({
        maxLength: 255,
        description:
          "image/jpeg, png, webp or gif; without it the file name's extension says which " +
          '(.jpg, .jpeg, .png, .webp, .gif, any case)',
      }),
    ),
  },
  { additionalProperties: false },
)

/** `GET /api/health`: 200 when the uploads bucket and the records table answer, else 503. */
export const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
  storage: Type.String({ description: '"ok", or what is wrong with the uploads bucket' }),
  records: Type.String({ description: '"ok", or what is wrong with the records table' }),
})
