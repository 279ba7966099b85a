import { SerializerSelector, type SerializerFactory } from '@fastify/fast-json-stringify-compiler'
import { Ajv, type Options, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import fp from 'fastify-plugin'

// `verbose` hands the failing schema to the error handler, to describe a pattern in words.
// The schemas are the app's own, checked by its tests: validating them against the JSON
// Schema meta-schema at every cold start would cost a compile of that meta-schema per
// instance (about 30 ms each) for nothing.
const common: Options = {
  removeAdditional: false,
  useDefaults: true,
  allErrors: false,
  verbose: true,
  validateSchema: false,
}

function buildAjv(options: Options): Ajv {
  const ajv = new Ajv({ ...common, ...options })
  addFormats.default(ajv)
  return ajv
}

/**
 * A validator that compiles its schema the first time a request needs it. Fastify compiles
 * every route's schemas when the app gets ready, which is most of a cold start's app building
 * (a Lambda function answers a handful of its routes before it is recycled); compiled on first
 * use, each costs the same once, and only if it is used. Fastify reads `errors` after a
 * `false`, so they are passed on.
 */
function validateOnFirstUse(compile: () => ValidateFunction) {
  let validate: ValidateFunction | undefined
  const lazy = Object.assign(
    (data: unknown) => {
      validate ??= compile()
      const valid = validate(data)
      lazy.errors = validate.errors
      return valid
    },
    { errors: null as ValidateFunction['errors'] },
  )
  return lazy
}

/**
 * Validation by part of the request. JSON bodies are taken as sent: no type coercion,
 * no silently dropped properties (an unknown one is refused). Query strings are text,
 * and API Gateway's REST events deliver them as one-item arrays, so they are coerced.
 */
export default fp(
  async (app) => {
    const strict = buildAjv({ coerceTypes: false })
    const lenient = buildAjv({ coerceTypes: 'array' })
    app.setValidatorCompiler(({ schema, httpPart }) =>
      validateOnFirstUse(() => (httpPart === 'body' ? strict : lenient).compile(schema)),
    )
  },
  { name: 'validation' },
)

/**
 * Fastify's own response serializers (fast-json-stringify, with the shared schemas), each
 * compiled the first time its route answers with that status, for the reason above. For the
 * `schemaController` server option: only a factory sees the schemas added with `addSchema`.
 */
export function serializersOnFirstUse(): SerializerFactory {
  const buildDefault = SerializerSelector()
  return (externalSchemas, serializerOptions) => {
    const compile = buildDefault(externalSchemas, serializerOptions)
    return (route) => {
      let serialize: ((data: unknown) => string) | undefined
      return (data: unknown) => (serialize ??= compile(route))(data)
    }
  }
}
