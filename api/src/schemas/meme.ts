import { CaptionListSchema } from '@meme-studio/captions/schema'
import { Type, type Static } from 'typebox'
import { UPLOAD_KEY_PATTERN } from '../services/image-types.ts'

export const MemeRequestSchema = Type.Object(
  {
    image: Type.String({
      pattern: UPLOAD_KEY_PATTERN,
      description: 'a key issued by GET /api/sign-s3-request (uploads/<uuid>.<ext>)',
    }),
    captions: CaptionListSchema,
    format: Type.Optional(
      Type.Union([Type.Literal('jpeg'), Type.Literal('png'), Type.Literal('webp')], {
        description: "Output format; default the input's (GIF gives PNG)",
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
