import { Type, type Static } from 'typebox'

export const SignUploadQuerySchema = Type.Object(
  {
    // Length and characters are checked by the service, which answers BAD_FILENAME.
    filename: Type.String({ maxLength: 4096, description: 'The picture file name' }),
    contentType: Type.String({ maxLength: 255, description: 'image/jpeg, png, webp or gif' }),
  },
  { additionalProperties: false },
)
export type SignUploadQuery = Static<typeof SignUploadQuerySchema>

export const SignedUploadSchema = Type.Object({
  url: Type.String({ description: 'POST the form here' }),
  fields: Type.Record(Type.String(), Type.String(), {
    description: 'Form fields, posted as they are and before the file',
  }),
  key: Type.String({ description: 'The object key the server chose' }),
  expiresAt: Type.String({ description: 'When the policy expires (ISO 8601)' }),
  maxBytes: Type.Integer(),
})
