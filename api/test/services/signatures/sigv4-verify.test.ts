import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import { describe, expect, it } from 'vitest'
import {
  MISSING_AUTHENTICATION_TOKEN,
  verifySigV4,
  type ReceivedRequest,
} from '../../../src/services/signatures/sigv4-verify.ts'

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
}
const NOW = new Date('2015-08-30T12:36:00Z')
const SETTINGS = {
  region: 'us-east-1',
  service: 'execute-api',
  credentials: [CREDENTIALS],
  now: NOW,
}
const BODY = '{"id":"evt-1","title":"Deployed"}'

/** A request signed by the AWS SDK's signer, as a client would send it. */
async function signed(
  options: { body?: string; date?: Date; region?: string; service?: string; path?: string } = {},
): Promise<ReceivedRequest> {
  const signer = new SignatureV4({
    service: options.service ?? 'execute-api',
    region: options.region ?? 'us-east-1',
    credentials: CREDENTIALS,
    sha256: Hash.bind(null, 'sha256'),
  })
  const body = options.body ?? BODY
  const request = await signer.sign(
    {
      method: 'POST',
      protocol: 'https:',
      hostname: 'example.amazonaws.com',
      path: options.path ?? '/api/events',
      query: { a: 'b c' },
      headers: { host: 'example.amazonaws.com', 'content-type': 'application/json' },
      body,
    },
    { signingDate: options.date ?? NOW },
  )
  return {
    method: 'POST',
    url: `${options.path ?? '/api/events'}?a=b%20c`,
    headers: { ...request.headers, 'user-agent': 'test' },
    body: Buffer.from(body),
  }
}

describe('verifySigV4', () => {
  it('accepts a request the SDK signed', async () => {
    expect(await verifySigV4(await signed(), SETTINGS)).toEqual({
      ok: true,
      accessKeyId: 'AKIDEXAMPLE',
    })
  })

  it('refuses a request without an Authorization header: Missing Authentication Token', async () => {
    const request = await signed()
    delete request.headers.authorization
    expect(await verifySigV4(request, SETTINGS)).toEqual({
      ok: false,
      refusal: MISSING_AUTHENTICATION_TOKEN,
    })
  })

  it('refuses a tampered body with the canonical string and string to sign', async () => {
    const request = await signed()
    request.body = Buffer.from(BODY.replace('Deployed', 'Hacked'))
    const verdict = await verifySigV4(request, SETTINGS)
    expect(verdict.ok).toBe(false)
    if (verdict.ok) return
    expect(verdict.refusal.errorType).toBe('InvalidSignatureException')
    const [head, canonical, stringToSign] = verdict.refusal.message.split(
      /\n\nThe (?:Canonical String for this request|String-to-Sign) should have been\n/,
    )
    expect(head).toBe(
      'The request signature we calculated does not match the signature you provided. ' +
        'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    )
    expect(canonical).toMatch(/^'POST\n\/api\/events\na=b%20c\ncontent-type:application\/json\n/)
    // The hash of the bytes received, not the one the client claimed in x-amz-content-sha256.
    const { createHash } = await import('node:crypto')
    const received = createHash('sha256').update(request.body).digest('hex')
    expect(canonical).toContain(`\n${received}'`)
    expect(stringToSign).toMatch(
      /^'AWS4-HMAC-SHA256\n20150830T123600Z\n20150830\/us-east-1\/execute-api\/aws4_request\n[0-9a-f]{64}'\n$/,
    )
  })

  it('refuses a request signed 6 minutes ago: Signature expired', async () => {
    const request = await signed({ date: new Date(NOW.getTime() - 6 * 60 * 1000) })
    expect(await verifySigV4(request, SETTINGS)).toEqual({
      ok: false,
      refusal: {
        status: 403,
        errorType: 'InvalidSignatureException',
        message:
          'Signature expired: 20150830T123000Z is now earlier than 20150830T123100Z (20150830T123600Z - 5 min.)',
      },
    })
  })

  it('refuses a request dated 6 minutes ahead: Signature not yet current', async () => {
    const request = await signed({ date: new Date(NOW.getTime() + 6 * 60 * 1000) })
    const verdict = await verifySigV4(request, SETTINGS)
    expect(verdict).toMatchObject({
      refusal: {
        message:
          'Signature not yet current: 20150830T124200Z is still later than 20150830T124100Z (20150830T123600Z + 5 min.)',
      },
    })
  })

  it('accepts a request signed 4 minutes ago', async () => {
    const request = await signed({ date: new Date(NOW.getTime() - 4 * 60 * 1000) })
    expect((await verifySigV4(request, SETTINGS)).ok).toBe(true)
  })

  it('refuses an unknown access key: UnrecognizedClientException', async () => {
    const verdict = await verifySigV4(await signed(), {
      ...SETTINGS,
      credentials: [{ accessKeyId: 'AKIDOTHER', secretAccessKey: 'x' }],
    })
    expect(verdict).toEqual({
      ok: false,
      refusal: {
        status: 403,
        errorType: 'UnrecognizedClientException',
        message: 'The security token included in the request is invalid.',
      },
    })
  })

  it('refuses a signature for another region or service', async () => {
    expect(await verifySigV4(await signed({ region: 'eu-west-1' }), SETTINGS)).toMatchObject({
      refusal: { message: "Credential should be scoped to a valid region, not 'eu-west-1'. " },
    })
    expect(await verifySigV4(await signed({ service: 'lambda' }), SETTINGS)).toMatchObject({
      refusal: { message: "Credential should be scoped to correct service: 'execute-api'. " },
    })
  })

  // The probe's case: a signature made correctly, then the scope's date edited (the
  // Authorization header is not signed). AWS compares the scope date with X-Amz-Date.
  // @see https://docs.aws.amazon.com/general/latest/gr/sigv4-date-handling.html
  it('refuses a credential scope dated another day than X-Amz-Date', async () => {
    const request = await signed()
    request.headers.authorization = String(request.headers.authorization).replace(
      'AKIDEXAMPLE/20150830/',
      'AKIDEXAMPLE/20150829/',
    )
    expect(await verifySigV4(request, SETTINGS)).toEqual({
      ok: false,
      refusal: {
        status: 403,
        errorType: 'InvalidSignatureException',
        message:
          'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from ' +
          "HTTP: '20150829' != '20150830', from '20150830T123600Z'.",
      },
    })
  })

  it('refuses a scope dated the next day even one second before midnight', async () => {
    const lateAt = new Date('2015-08-30T23:59:59Z')
    const request = await signed({ date: lateAt })
    request.headers.authorization = String(request.headers.authorization).replace(
      '/20150830/',
      '/20150831/',
    )
    expect(await verifySigV4(request, { ...SETTINGS, now: lateAt })).toMatchObject({
      refusal: {
        message: expect.stringContaining("'20150831' != '20150830', from '20150830T235959Z'."),
      },
    })
  })

  it('names every wrong part of the scope in one message, as AWS does', async () => {
    const request = await signed({ region: 'eu-west-1', service: 'lambda' })
    request.headers.authorization = String(request.headers.authorization).replace(
      '/20150830/',
      '/20150101/',
    )
    expect(await verifySigV4(request, SETTINGS)).toMatchObject({
      refusal: {
        errorType: 'InvalidSignatureException',
        message:
          "Credential should be scoped to a valid region, not 'eu-west-1'. " +
          "Credential should be scoped to correct service: 'execute-api'. " +
          'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from ' +
          "HTTP: '20150101' != '20150830', from '20150830T123600Z'.",
      },
    })
  })

  it('checks the scope date against the Date header when there is no X-Amz-Date', async () => {
    const request = await signed()
    request.headers.date = String(request.headers['x-amz-date'])
    delete request.headers['x-amz-date']
    request.headers.authorization = String(request.headers.authorization).replace(
      '/20150830/',
      '/20150831/',
    )
    expect(await verifySigV4(request, SETTINGS)).toMatchObject({
      refusal: { message: expect.stringMatching(/^Date in Credential scope does not match/) },
    })
  })

  // AWS's signing guide writes the signature as lower-case hex (step 4, "Calculate the
  // signature"); unlike GitHub's header, upper case is not taken here.
  // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
  it('takes the signature in lower case only, as AWS specifies it', async () => {
    const request = await signed()
    request.headers.authorization = String(request.headers.authorization).replace(
      /Signature=([0-9a-f]{64})$/,
      (_all, hex: string) => `Signature=${hex.toUpperCase()}`,
    )
    expect(await verifySigV4(request, SETTINGS)).toMatchObject({
      refusal: { errorType: 'InvalidSignatureException' },
    })
  })

  it('refuses a token that is not SigV4: IncompleteSignatureException', async () => {
    const request = await signed()
    request.headers.authorization = 'eyJhbGciOiJIUzI1NiJ9.e30.abc'
    delete request.headers['x-amz-date']
    expect(await verifySigV4(request, SETTINGS)).toEqual({
      ok: false,
      refusal: {
        status: 403,
        errorType: 'IncompleteSignatureException',
        message:
          "Authorization header requires 'Credential' parameter. Authorization header requires " +
          "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. " +
          "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
          'Authorization=eyJhbGciOiJIUzI1NiJ9.e30.abc',
      },
    })
    request.headers.authorization = 'Bearer abc'
    expect(await verifySigV4(request, SETTINGS)).toMatchObject({
      refusal: {
        message:
          "'abc' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer abc'.",
      },
    })
  })

  it('refuses a path or query other than the signed one', async () => {
    const request = await signed()
    request.url = '/api/events?a=b%20d'
    expect((await verifySigV4(request, SETTINGS)).ok).toBe(false)
    const other = await signed()
    other.url = '/api/other?a=b%20c'
    expect((await verifySigV4(other, SETTINGS)).ok).toBe(false)
  })

  it('refuses a session token: the accepted keys are long-term ones', async () => {
    const request = await signed()
    request.headers['x-amz-security-token'] = 'token'
    expect(await verifySigV4(request, SETTINGS)).toMatchObject({
      refusal: { errorType: 'UnrecognizedClientException' },
    })
  })

  it('refuses every signed request when no keys are configured', async () => {
    expect(await verifySigV4(await signed(), { ...SETTINGS, credentials: [] })).toMatchObject({
      refusal: { errorType: 'UnrecognizedClientException' },
    })
  })
})
