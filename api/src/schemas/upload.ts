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
