import { Type, type Static } from 'typebox'

const isoInstant = (description: string) => Type.String({ format: 'date-time', description })

/** The usage-plan period a quota counts over, as API Gateway names it. */
export const UsagePeriodSchema = Type.Union(
  [Type.Literal('DAY'), Type.Literal('WEEK'), Type.Literal('MONTH')],
  { description: 'The quota period: a UTC day, a week from Sunday, or a calendar month' },
)
export type UsagePeriod = Static<typeof UsagePeriodSchema>

/** `GET /api/admin/usage`: the calling key's quota and throttle, as the guard counts them. */
export const KeyUsageSchema = Type.Object(
  {
    keyId: Type.String({ description: 'Names the key without being it (a short hash)' }),
    period: UsagePeriodSchema,
    periodStart: isoInstant('When this period began (UTC)'),
    periodEnd: isoInstant('When the quota resets: the next period begins (UTC)'),
    used: Type.Integer({
      minimum: 0,
      description: 'Requests admitted this period, this one included',
    }),
    remaining: Type.Integer({ minimum: 0, description: 'Requests left this period' }),
    quota: Type.Integer({ description: 'Requests allowed per period' }),
    rate: Type.Number({ description: 'Steady requests per second' }),
    burst: Type.Integer({ description: 'Requests that may arrive at once' }),
  },
  { additionalProperties: false },
)
export type KeyUsage = Static<typeof KeyUsageSchema>
