import { Type } from 'typebox'
import { CAPTION_LIMITS } from './caption-model.ts'
import { PICTURE_EDIT_LIMITS, STICKER_LIMITS } from './picture-edits.ts'
import { UPLOAD_KEY_PATTERN } from './picture-formats.ts'

const Fraction = (description: string) => Type.Number({ minimum: 0, maximum: 1, description })

/** JSON Schema of `PictureEdits`: what `POST /api/meme` takes as `edits`. */
export const PictureEditsSchema = Type.Object(
  {
    rotate: Type.Optional(
      Type.Union([Type.Literal(0), Type.Literal(90), Type.Literal(180), Type.Literal(270)], {
        description: 'Clockwise turn in degrees, applied first (after EXIF orientation)',
      }),
    ),
    flipHorizontal: Type.Optional(
      Type.Boolean({ description: 'Mirror left to right, after rotating' }),
    ),
    flipVertical: Type.Optional(
      Type.Boolean({ description: 'Mirror top to bottom, after rotating' }),
    ),
    crop: Type.Optional(
      Type.Object(
        {
          x: Fraction('Left edge, fraction of the rotated picture'),
          y: Fraction('Top edge, fraction of the rotated picture'),
          width: Type.Number({
            minimum: PICTURE_EDIT_LIMITS.minCropFraction,
            maximum: 1,
            description: 'x + width is at most 1',
          }),
          height: Type.Number({
            minimum: PICTURE_EDIT_LIMITS.minCropFraction,
            maximum: 1,
            description: 'y + height is at most 1',
          }),
        },
        { additionalProperties: false },
      ),
    ),
    bandTop: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: PICTURE_EDIT_LIMITS.maxBand,
        description: 'Plain space above the cropped picture, fraction of its height',
      }),
    ),
    bandBottom: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: PICTURE_EDIT_LIMITS.maxBand,
        description: 'Plain space below the cropped picture, fraction of its height',
      }),
    ),
    bandColor: Type.Optional(
      Type.String({
        pattern: '^#[0-9a-fA-F]{6}$',
        description: "The bands' colour (default white)",
      }),
    ),
  },
  { additionalProperties: false },
)

/** JSON Schema of a `Sticker`. */
export const StickerSchema = Type.Object(
  {
    image: Type.String({
      pattern: UPLOAD_KEY_PATTERN,
      description: 'a key issued by GET /api/sign-s3-request; a GIF or WebP gives its first frame',
    }),
    x: Fraction('Centre, fraction of the edited picture width'),
    y: Fraction('Centre, fraction of the edited picture height'),
    width: Type.Number({
      minimum: STICKER_LIMITS.minWidth,
      maximum: STICKER_LIMITS.maxWidth,
      description: "Fraction of the edited picture's width; the height keeps the sticker's shape",
    }),
    rotation: Type.Optional(
      Type.Number({
        minimum: -STICKER_LIMITS.maxRotation,
        maximum: STICKER_LIMITS.maxRotation,
        description: 'Clockwise rotation in degrees',
      }),
    ),
    above: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: CAPTION_LIMITS.maxCaptions,
        description: 'How many of the captions (the first ones) it is drawn over; default 0',
      }),
    ),
  },
  { additionalProperties: false },
)

export const StickerListSchema = Type.Array(StickerSchema, {
  maxItems: STICKER_LIMITS.maxStickers,
})
