import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppConfig } from '../../src/config.ts'
import { buildApp, startTestS3, testConfig } from '../support/test-app.ts'

/**
 * POST /api/events and the SigV4 credential scope: its date must be X-Amz-Date's day, as API
 * Gateway requires. A signature made correctly whose scope date was edited afterwards (the
 * Authorization header is not itself signed) was taken with 202.
 * @see https://docs.aws.amazon.com/general/latest/gr/sigv4-date-handling.html
 */

const ACCESS_KEY_ID = 'AKIASCOPETEST'
const SECRET_ACCESS_KEY = 'scope-test-secret-access-key'

let s3Server: Awaited<ReturnType<typeof startTestS3>>
let config: AppConfig
let app: FastifyInstance

beforeAll(async () => {
  s3Server = await startTestS3()
  config = testConfig(s3Server.endpoint, {
    EVENTS_ACCESS_KEY_ID: ACCESS_KEY_ID,
    EVENTS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
  })
  app = await buildApp(config)
})
afterAll(async () => {
  await app?.close()
  await s3Server?.close()
})

async function signedHeaders(body: string, options: { region?: string; service?: string } = {}) {
  const signer = new SignatureV4({
    service: options.service ?? 'execute-api',
    region: options.region ?? config.s3.region,
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
    sha256: Hash.bind(null, 'sha256'),
  })
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: 'localhost',
    path: '/api/events',
    headers: { host: 'localhost:80', 'content-type': 'application/json' },
    body,
  })
  return signed.headers
}

/** The scope's date moved one day back, everything else as signed. */
function withScopeDayBefore(headers: Record<string, string>): Record<string, string> {
  const amzDate = headers['x-amz-date'] ?? ''
  const day = new Date(
    Date.UTC(
      Number(amzDate.slice(0, 4)),
      Number(amzDate.slice(4, 6)) - 1,
      Number(amzDate.slice(6, 8)),
    ),
  )
  const before = new Date(day.getTime() - 24 * 60 * 60 * 1000)
    .toISOString()
    .slice(0, 10)
    .replace(/-/g, '')
  return {
    ...headers,
    authorization: (headers.authorization ?? '').replace(`/${amzDate.slice(0, 8)}/`, `/${before}/`),
  }
}

function post(body: string, headers: Record<string, string>) {
  return app.inject({ method: 'POST', url: '/api/events', headers, payload: body })
}

describe('POST /api/events: the credential scope', () => {
  it('takes the request as signed (the control for the cases below)', async () => {
    const body = '{"id":"scope-ok"}'
    const response = await post(body, await signedHeaders(body))
    expect(response.statusCode, response.body).toBe(202)
  })

  it("refuses a scope dated another day than X-Amz-Date with API Gateway's 403", async () => {
    const body = '{"id":"scope-day"}'
    const headers = await signedHeaders(body)
    const amzDate = headers['x-amz-date'] ?? ''
    const edited = withScopeDayBefore(headers)
    const scopeDate = /Credential=[^/]+\/(\d{8})\//.exec(edited.authorization ?? '')?.[1]
    expect(scopeDate).not.toBe(amzDate.slice(0, 8))
    const response = await post(body, edited)
    expect(response.statusCode).toBe(403)
    expect(response.headers['content-type']).toBe('application/json')
    expect(response.headers['x-amzn-errortype']).toBe('InvalidSignatureException')
    expect(response.body).toBe(
      '{"message":"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of ' +
        `date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'."}`,
    )
  })

  it('refuses a scope for another service', async () => {
    const body = '{"id":"scope-service"}'
    const response = await post(body, await signedHeaders(body, { service: 's3' }))
    expect(response.statusCode).toBe(403)
    expect(response.headers['x-amzn-errortype']).toBe('InvalidSignatureException')
    expect(response.body).toBe(
      `{"message":"Credential should be scoped to correct service: 'execute-api'. "}`,
    )
  })
})
