import { Type } from 'typebox'

export const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
  storage: Type.String({ description: '"ok", or what is wrong with the uploads bucket' }),
})
