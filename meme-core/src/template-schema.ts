import { Type, type Static } from 'typebox'
import { CaptionSchema } from './caption-schema.ts'
import { CAPTION_LIMITS } from './caption-model.ts'

/** A template's box: a caption whose text may be empty (the template's text is typed later). */
export const TemplateBoxSchema = Type.Object(
  {
    ...CaptionSchema.properties,
    text: Type.String({ ...CaptionSchema.properties.text, minLength: 0 }),
  },
  { additionalProperties: false },
)

export const TemplateBoxListSchema = Type.Array(TemplateBoxSchema, {
  minItems: CAPTION_LIMITS.minCaptions,
  maxItems: CAPTION_LIMITS.maxCaptions,
})

export const TemplateNameSchema = Type.String({ minLength: 1, maxLength: 100 })
export const TemplateTagSchema = Type.String({
  minLength: 1,
  maxLength: 30,
  description: 'a tag; tags are compared and stored lower-cased',
})

export const TemplateParamsSchema = Type.Object(
  {
    // Any text: an id no template has is a 404, whatever it looks like.
    id: Type.String({ maxLength: 100, description: 'A template id' }),
  },
  { additionalProperties: false },
)

/** `GET /api/templates`. */
export const TemplateQuerySchema = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 100, description: 'Part of the name, any case' })),
    tag: Type.Optional(TemplateTagSchema),
    cursor: Type.Optional(
      Type.String({ maxLength: 200, description: 'The `nextCursor` of the page before' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 24 })),
  },
  { additionalProperties: false },
)
export type TemplateQuery = Static<typeof TemplateQuerySchema>

/** A template as the API answers it. */
export const TemplateSchema = Type.Object({
  id: Type.String(),
  kind: Type.Enum(['starter', 'saved'], {
    description: 'starter: shipped with the app, read-only; saved: saved by someone',
  }),
  name: TemplateNameSchema,
  tags: Type.Array(TemplateTagSchema, { maxItems: 10 }),
  boxes: TemplateBoxListSchema,
  source: Type.Optional(Type.String({ maxLength: 200 })),
  width: Type.Integer(),
  height: Type.Integer(),
  version: Type.Integer({ minimum: 1, description: 'Bumped by every edit' }),
  createdAt: Type.String({ description: 'ISO 8601' }),
  updatedAt: Type.String({ description: 'ISO 8601' }),
  imageUrl: Type.String({ description: 'A presigned GET of the picture' }),
  thumbnailUrl: Type.String({ description: 'A presigned GET of a small WebP of the picture' }),
  expiresAt: Type.String({ description: 'When the two URLs stop working (ISO 8601)' }),
})
export type Template = Static<typeof TemplateSchema>

export const TemplatePageSchema = Type.Object({
  templates: Type.Array(TemplateSchema),
  nextCursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as `cursor` for the next page; null on the last',
  }),
})
export type TemplatePage = Static<typeof TemplatePageSchema>
