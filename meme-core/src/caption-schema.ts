import { Type, type Static } from 'typebox'
import { CAPTION_DEFAULTS, CAPTION_LIMITS } from './caption-model.ts'

const Colour = Type.String({ pattern: '^#[0-9a-fA-F]{6}$', description: 'a colour as #rrggbb' })

/** JSON Schema of a caption; what the API accepts is exactly the `Caption` type. */
export const CaptionSchema = Type.Object(
  {
    text: Type.String({
      minLength: 1,
      maxLength: CAPTION_LIMITS.maxTextLength,
      // No control characters but the line break (\n, or \r\n): the others have no glyph
      // and hide text from moderation.
      pattern: '^(?:[^\\u0000-\\u001f\\u007f-\\u009f]|\\r?\\n)*$',
      description:
        'text without control characters; \\n (or \\r\\n) starts a new line, and lines wrap by themselves',
    }),
    x: Type.Number({ minimum: 0, maximum: 1, description: 'Centre of the box, fraction of width' }),
    y: Type.Number({
      minimum: 0,
      maximum: 1,
      description: 'Centre of the box, fraction of height',
    }),
    width: Type.Optional(
      Type.Number({
        minimum: CAPTION_LIMITS.minWidth,
        maximum: 1,
        default: CAPTION_DEFAULTS.width,
        description: 'Box width, fraction of the picture width',
      }),
    ),
    height: Type.Optional(
      Type.Number({
        minimum: CAPTION_LIMITS.minHeight,
        maximum: 1,
        description: 'Box height, fraction of the picture height (default: automatic)',
      }),
    ),
    rotation: Type.Optional(
      Type.Number({
        minimum: -CAPTION_LIMITS.maxRotation,
        maximum: CAPTION_LIMITS.maxRotation,
        default: CAPTION_DEFAULTS.rotation,
        description: 'Clockwise rotation in degrees',
      }),
    ),
    scale: Type.Optional(
      Type.Number({
        minimum: CAPTION_LIMITS.minScale,
        maximum: CAPTION_LIMITS.maxScale,
        default: CAPTION_DEFAULTS.scale,
        description: 'Multiplier on the automatic font size',
      }),
    ),
    align: Type.Optional(
      Type.Enum(['left', 'center', 'right'], { default: CAPTION_DEFAULTS.align }),
    ),
    font: Type.Optional(
      Type.Enum(['anton', 'sans', 'serif', 'hand'], {
        default: CAPTION_DEFAULTS.font,
        description: 'one of the caption fonts',
      }),
    ),
    color: Type.Optional(Colour),
    strokeColor: Type.Optional(Colour),
    strokeWidth: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: CAPTION_LIMITS.maxStrokeWidth,
        default: CAPTION_DEFAULTS.strokeWidth,
        description: 'Outline width, fraction of the font size (0: none)',
      }),
    ),
    uppercase: Type.Optional(Type.Boolean({ default: CAPTION_DEFAULTS.uppercase })),
    shadow: Type.Optional(Type.Boolean({ default: CAPTION_DEFAULTS.shadow })),
  },
  { additionalProperties: false },
)

export const CaptionListSchema = Type.Array(CaptionSchema, {
  minItems: CAPTION_LIMITS.minCaptions,
  maxItems: CAPTION_LIMITS.maxCaptions,
})

export type CaptionInput = Static<typeof CaptionSchema>
