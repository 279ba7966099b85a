import { Type, type Static } from 'typebox'

export const ShareParamsSchema = Type.Object(
  {
    // Any text: the service answers 404 for an id it could not have issued, as for a missing one.
    id: Type.String({ description: 'The id from POST /api/shares' }),
  },
  { additionalProperties: false },
)

const imageUrl = Type.String({
  description: 'A presigned GET of the image; it stops working at `expiresAt`',
})
const expiresAt = Type.String({ description: 'When `imageUrl` stops working (ISO 8601)' })

/** `POST /api/shares`. */
export const ShareCreatedSchema = Type.Object({
  id: Type.String(),
  url: Type.String({ description: 'The share page, relative to the site: /m/<id>' }),
  imageUrl,
  expiresAt,
})
export type ShareCreated = Static<typeof ShareCreatedSchema>

/** `GET /api/shares/:id`. */
export const ShareSchema = Type.Object({
  id: Type.String(),
  title: Type.String({ description: "The captions' text, top to bottom" }),
  width: Type.Integer(),
  height: Type.Integer(),
  contentType: Type.String({ examples: ['image/jpeg'] }),
  imageUrl,
  expiresAt,
  imageLink: Type.Optional(
    Type.String({
      description:
        'Memes by URL: the lasting, public URL of the same image (GET /api/images/…), when the ' +
        "share was made from a template with only its boxes' text typed",
    }),
  ),
})
export type Share = Static<typeof ShareSchema>

/** `GET /api/shares/:id/image`: the stored image's bytes. */
export const ShareImageBytesSchema = Type.String({
  format: 'binary',
  description: 'The image as stored; it never changes under its URL',
})
