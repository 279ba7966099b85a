import { Type, type Static } from 'typebox'
import { CaptionSchema } from './caption-schema.ts'
import { CAPTION_DEFAULTS, CAPTION_LIMITS } from './caption-model.ts'
import { UPLOAD_KEY_PATTERN } from './picture-formats.ts'

/**
 * Far past any picture the server decodes, yet a bound: a position beyond the picture is
 * clamped to its edge, a number that is no position at all is refused.
 */
export const MAX_SEED_POSITION = 100_000

const position = (axis: 'x' | 'y', side: 'width' | 'height') =>
  Type.Number({
    minimum: 0,
    maximum: MAX_SEED_POSITION,
    description:
      `The caption's centre, ${axis} in pixels of the picture as uploaded and seen upright ` +
      `(EXIF orientation applied, before any scaling down): ${axis} = pos${axis} / ${side}, ` +
      'clamped to the picture',
  })

/**
 * `POST /api/meme` as the tutorial this project grew from sends it: one caption at a pixel
 * position. Kept so such clients work; new ones send `MemeRequest`.
 */
export const SeedMemeRequestSchema = Type.Object(
  {
    image: Type.String({
      pattern: UPLOAD_KEY_PATTERN,
      description: 'a key issued by GET /api/sign-s3-request (uploads/<uuid>.<ext>)',
    }),
    bucket_address: Type.String({
      maxLength: 2048,
      description:
        "the uploads bucket's address, as GET /api/sign-s3-request answers it in `url`; " +
        'checked, never fetched',
    }),
    posx: position('x', 'width'),
    posy: position('y', 'height'),
    scale: Type.Optional(
      Type.Number({
        minimum: CAPTION_LIMITS.minScale,
        maximum: CAPTION_LIMITS.maxScale,
        default: CAPTION_DEFAULTS.scale,
        description: "the caption's scale: a multiplier on the automatic font size",
      }),
    ),
    caption: CaptionSchema.properties.text,
  },
  {
    additionalProperties: false,
    description:
      "The seed's compatibility form: one caption in the default style (white Anton outlined " +
      'in black) centred at (posx, posy) pixels',
  },
)
export type SeedMemeRequest = Static<typeof SeedMemeRequestSchema>

/** Properties only the seed's form has: a body with any of them is read as that form. */
export const SEED_ONLY_PROPERTIES = ['bucket_address', 'posx', 'posy', 'caption'] as const

/** Properties only `MemeRequest` has: a body with both kinds mixes the two forms. */
export const MEME_REQUEST_ONLY_PROPERTIES = ['captions', 'template', 'format'] as const
