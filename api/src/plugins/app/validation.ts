import { Ajv, type Options } from 'ajv'
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
 * Validation by part of the request. JSON bodies are taken as sent: no type coercion,
 * no silently dropped properties (an unknown one is refused). Query strings are text,
 * and API Gateway's REST events deliver them as one-item arrays, so they are coerced.
 */
export default fp(
  async (app) => {
    const strict = buildAjv({ coerceTypes: false })
    const lenient = buildAjv({ coerceTypes: 'array' })
    app.setValidatorCompiler(({ schema, httpPart }) =>
      (httpPart === 'body' ? strict : lenient).compile(schema),
    )
  },
  { name: 'validation' },
)
