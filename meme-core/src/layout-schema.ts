import { Type, type Static } from 'typebox'
import { PANEL_LAYOUT_KINDS, PANEL_LAYOUTS } from './panel-layout.ts'
import { UPLOAD_KEY_PATTERN } from './picture-formats.ts'

/**
 * A layout's kind. The kinds' names and panel counts live with the layout engine
 * (`panel-layout.ts`), which the editor bundles without TypeBox.
 */
export const PanelLayoutKindSchema = Type.Enum(PANEL_LAYOUT_KINDS, {
  description: Object.entries(PANEL_LAYOUTS)
    .map(
      ([kind, { name, panels }]) => `${kind}: ${name} (${panels} picture${panels > 1 ? 's' : ''})`,
    )
    .join('; '),
})

/** A template's layout: the pictures it asks for before it can be captioned. */
export const TemplateLayoutSchema = Type.Object(
  {
    kind: PanelLayoutKindSchema,
    panels: Type.Integer({ minimum: 1, maximum: 4, description: 'How many pictures it takes' }),
  },
  { additionalProperties: false },
)
export type TemplateLayout = Static<typeof TemplateLayoutSchema>

/** `POST /api/layouts`: put uploaded pictures into one picture, one per panel. */
export const LayoutRequestSchema = Type.Object(
  {
    kind: PanelLayoutKindSchema,
    images: Type.Array(
      Type.String({
        pattern: UPLOAD_KEY_PATTERN,
        description: 'a key issued by GET /api/sign-s3-request',
      }),
      {
        minItems: 1,
        maxItems: 4,
        description: "One upload per panel, in reading order; as many as the layout's panels",
      },
    ),
  },
  { additionalProperties: false },
)
export type LayoutRequest = Static<typeof LayoutRequestSchema>

/** The composed picture: a new upload, captioned like any other (`POST /api/meme {image: key}`). */
export const LayoutResultSchema = Type.Object({
  key: Type.String({ description: 'The new upload: uploads/<uuid>.<ext>' }),
  contentType: Type.String({ examples: ['image/jpeg'] }),
  width: Type.Integer(),
  height: Type.Integer(),
  imageUrl: Type.String({ description: 'A presigned GET of the new picture, for the preview' }),
  expiresAt: Type.String({ description: 'When `imageUrl` stops working (ISO 8601)' }),
})
export type LayoutResult = Static<typeof LayoutResultSchema>
