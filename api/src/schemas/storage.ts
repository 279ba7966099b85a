import { Type } from 'typebox'

export const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
  storage: Type.String({ description: '"ok", or what is wrong with the uploads bucket' }),
})

export const LimitsSchema = Type.Object({
  maxUploadBytes: Type.Integer(),
  maxPixels: Type.Integer(),
  imageTypes: Type.Array(Type.String()),
})
