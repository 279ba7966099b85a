import { Type, type Static } from 'typebox'
import { CaptionSchema } from './caption-schema.ts'
import { CAPTION_LIMITS } from './caption-model.ts'
import { TemplateLayoutSchema } from './layout-schema.ts'
import { UPLOAD_KEY_PATTERN } from './picture-formats.ts'
import { EDIT_TOKEN_HEADER } from './template-model.ts'

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

/** Text without control characters: they have no glyph and hide text from moderation. */
const PLAIN = '[^\\u0000-\\u001f\\u007f-\\u009f]'
/** Plain text with at least one character that is not a space. */
const PLAIN_NOT_BLANK = `^${PLAIN}*[^\\s\\u0000-\\u001f\\u007f-\\u009f]${PLAIN}*$`

export const TemplateNameSchema = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: PLAIN_NOT_BLANK,
  description: 'a name that is not all spaces, without control characters (kept trimmed)',
})
export const TemplateTagSchema = Type.String({
  minLength: 1,
  maxLength: 30,
  pattern: PLAIN_NOT_BLANK,
  description:
    'a tag that is not all spaces, without control characters; tags are compared and stored trimmed and lower-cased',
})

export const TemplateSourceSchema = Type.String({
  maxLength: 200,
  pattern: `^${PLAIN}*$`,
  description:
    'where the picture comes from, or whom to credit, without control characters ("" for none)',
})

export const TemplateTagListSchema = Type.Array(TemplateTagSchema, { maxItems: 10 })

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
  tags: TemplateTagListSchema,
  boxes: TemplateBoxListSchema,
  source: Type.Optional(TemplateSourceSchema),
  layout: Type.Optional(TemplateLayoutSchema),
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

/** `POST /api/templates`: save an upload and its boxes as a template. */
export const TemplateCreateSchema = Type.Object(
  {
    image: Type.String({
      pattern: UPLOAD_KEY_PATTERN,
      description: 'a key issued by GET /api/sign-s3-request: the picture to keep',
    }),
    name: TemplateNameSchema,
    tags: Type.Optional(TemplateTagListSchema),
    boxes: TemplateBoxListSchema,
    source: Type.Optional(TemplateSourceSchema),
  },
  { additionalProperties: false },
)
export type TemplateCreate = Static<typeof TemplateCreateSchema>

/** `POST /api/templates`'s answer: the edit token is given this once and kept only hashed. */
export const TemplateCreatedSchema = Type.Object({
  template: TemplateSchema,
  editToken: Type.String({
    description: `Send as \`${EDIT_TOKEN_HEADER}\` to edit or delete this template; shown once`,
  }),
})
export type TemplateCreated = Static<typeof TemplateCreatedSchema>

/** `PUT /api/templates/<id>`: what changes; `version` must be the one the client last saw. */
export const TemplateUpdateSchema = Type.Object(
  {
    version: Type.Integer({
      minimum: 1,
      description: 'The version being edited; another one is answered 409 CONFLICT',
    }),
    name: Type.Optional(TemplateNameSchema),
    tags: Type.Optional(TemplateTagListSchema),
    boxes: Type.Optional(TemplateBoxListSchema),
    source: Type.Optional(TemplateSourceSchema),
  },
  { additionalProperties: false },
)
export type TemplateUpdate = Static<typeof TemplateUpdateSchema>

/**
 * What `PUT` and `DELETE /api/templates/<id>` are allowed by: the template's edit token, or an
 * admin-scope API key. Other headers pass.
 */
export const TemplateEditHeadersSchema = Type.Object(
  {
    [EDIT_TOKEN_HEADER]: Type.Optional(
      Type.String({ maxLength: 200, description: 'The edit token POST /api/templates answered' }),
    ),
    'x-api-key': Type.Optional(
      Type.String({ maxLength: 200, description: 'An API key of the admin scope' }),
    ),
  },
  { additionalProperties: true },
)

/** `DELETE /api/templates/<id>?version=`: the version being deleted, as for an edit. */
export const TemplateDeleteQuerySchema = Type.Object(
  { version: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
)
