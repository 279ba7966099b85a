import { Type, type Static } from 'typebox'

/**
 * Request and response shapes of the signature tools under `/api/admin`. A `pattern`'s
 * `description` completes the sentence "body/<field> must be …" in validation errors.
 * Secrets are never echoed: responses carry them masked, if at all.
 */

const httpUrl = (example: string, pattern = '^[Hh][Tt][Tt][Pp][Ss]?://\\S+$') =>
  Type.String({
    maxLength: 8192,
    pattern,
    description: 'an absolute http(s) URL',
    examples: [example],
  })

// ---- Apigee OAuth HMAC ----------------------------------------------------------------

const apigeeFields = {
  callback: httpUrl('https://partner.example.com/oauth/callback'),
  clientid: Type.String({
    pattern: '^[A-Za-z0-9._~-]{1,128}$',
    description: '1 to 128 characters from A-Z, a-z, 0-9 and . _ ~ -',
  }),
  clientsecret: Type.String({
    minLength: 1,
    maxLength: 256,
    description:
      'The client secret, 1 to 256 characters. Never echoed: the signed message shows it as ' +
      '8 •, whatever its length, so no character of it and not its length is shown.',
  }),
}

const apigeeTimestamp = Type.String({
  pattern: '^[0-9]{10}$',
  description: 'epoch seconds as 10 digits',
  examples: ['1700000000'],
})

export const ApigeeSignRequestSchema = Type.Object(
  { ...apigeeFields, timestamp: Type.Optional(apigeeTimestamp) },
  {
    additionalProperties: false,
    description: 'Leave out `timestamp` to sign now; give one to reproduce a past signature.',
  },
)
export type ApigeeSignRequest = Static<typeof ApigeeSignRequestSchema>

const signedMessage = Type.String({
  description:
    'The exact string that was signed, clientsecret + callback + clientid + timestamp, ' +
    'with the secret shown as 8 •',
})

export const ApigeeWarningSchema = Type.Object({
  kind: Type.Union([Type.Literal('ambiguous-split'), Type.Literal('secret-whitespace')], {
    description:
      'ambiguous-split: another callback and client ID made of the same characters give the ' +
      'same signature (the formula has no separators); secret-whitespace: the secret starts ' +
      'or ends with white space',
  }),
  message: Type.String({ description: 'The warning as a sentence to show' }),
  alternative: Type.Optional(
    Type.Object(
      { callback: Type.String(), clientid: Type.String() },
      { description: 'ambiguous-split: the other inputs that sign the same' },
    ),
  ),
})
export type ApigeeWarning = Static<typeof ApigeeWarningSchema>

const apigeeWarnings = Type.Array(ApigeeWarningSchema, {
  description: 'What to know about these inputs before relying on the signature; often empty',
})

export const ApigeeSignatureSchema = Type.Object({
  callback: Type.String(),
  clientid: Type.String(),
  timestamp: Type.String({ description: 'The epoch seconds that were signed' }),
  signature: Type.String({
    description: 'base64(HMAC-SHA256(key = clientsecret, message))',
  }),
  message: signedMessage,
  warnings: apigeeWarnings,
})
export type ApigeeSignature = Static<typeof ApigeeSignatureSchema>

export const ApigeeVerifyRequestSchema = Type.Object(
  {
    ...apigeeFields,
    timestamp: apigeeTimestamp,
    signature: Type.String({
      minLength: 1,
      maxLength: 1024,
      description: 'The signature to check, as the partner sent it',
    }),
  },
  { additionalProperties: false },
)
export type ApigeeVerifyRequest = Static<typeof ApigeeVerifyRequestSchema>

export const ApigeeVerificationSchema = Type.Object({
  matches: Type.Boolean(),
  expected: Type.String({ description: 'The signature these inputs give' }),
  given: Type.String(),
  callback: Type.String(),
  clientid: Type.String(),
  timestamp: Type.String(),
  message: signedMessage,
  warnings: apigeeWarnings,
  hint: Type.Optional(
    Type.String({
      description:
        'On a mismatch that a transport mangling explains (URL-encoding, + read as a space, ' +
        'base64url, hex), which one',
    }),
  ),
})
export type ApigeeVerification = Static<typeof ApigeeVerificationSchema>

// ---- HMAC calculator ------------------------------------------------------------------

export const HMAC_ALGORITHMS = ['sha1', 'sha256', 'sha384', 'sha512'] as const
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number]
export const BYTE_ENCODINGS = ['utf8', 'hex', 'base64'] as const
export type ByteEncoding = (typeof BYTE_ENCODINGS)[number]

const encoding = (what: string) =>
  Type.Optional(
    Type.Enum([...BYTE_ENCODINGS], {
      default: 'utf8',
      description: `How \`${what}\` is written. hex: an even number of hex digits; base64: standard alphabet, = padded`,
    }),
  )

export const HmacRequestSchema = Type.Object(
  {
    algorithm: Type.Enum([...HMAC_ALGORITHMS]),
    key: Type.String({ description: 'At most 64 KiB as sent' }),
    keyEncoding: encoding('key'),
    message: Type.String({ description: 'At most 64 KiB as sent' }),
    messageEncoding: encoding('message'),
    expected: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'A digest to compare with, in hex (either case) or base64',
      }),
    ),
  },
  { additionalProperties: false },
)
export type HmacRequest = Static<typeof HmacRequestSchema>

export const HmacResultSchema = Type.Object({
  hex: Type.String(),
  base64: Type.String(),
  matches: Type.Optional(Type.Boolean({ description: 'Present when `expected` was given' })),
})
export type HmacResult = Static<typeof HmacResultSchema>

// ---- GitHub X-Hub-Signature-256 -------------------------------------------------------

export const GithubSignatureRequestSchema = Type.Object(
  {
    secret: Type.String({
      minLength: 1,
      description: "The webhook's secret; at most 64 KiB. Never echoed.",
    }),
    payload: Type.String({ description: 'The raw request body as delivered; at most 512 KiB' }),
    expected: Type.Optional(
      Type.String({
        pattern: '^(sha256=)?[0-9A-Fa-f]{64}$',
        description:
          'sha256= followed by 64 hex digits, or the 64 hex digits alone; the digits in ' +
          'either case (GitHub sends lower case)',
      }),
    ),
  },
  { additionalProperties: false },
)
export type GithubSignatureRequest = Static<typeof GithubSignatureRequestSchema>

export const GithubSignatureSchema = Type.Object({
  header: Type.String({ description: 'X-Hub-Signature-256 for the payload: sha256=<hex>' }),
  matches: Type.Optional(Type.Boolean({ description: 'Present when `expected` was given' })),
  hints: Type.Array(
    Type.Object({
      cause: Type.Enum(
        [
          'trailing-newline-added',
          'trailing-newline-removed',
          'json-compact',
          'json-indented',
          'form-encoded',
          'form-decoded',
          'crlf-to-lf',
          'lf-to-crlf',
        ],
        { description: 'A usual way the signed body differs from the pasted one' },
      ),
      description: Type.String({ description: 'The cause in a sentence' }),
      header: Type.String({ description: 'The header the body changed this way gives' }),
      matches: Type.Boolean({ description: 'Whether that explains `expected`' }),
    }),
    {
      description:
        'Empty unless `expected` was given and does not match: then each usual cause that ' +
        'applies to this payload, tried',
    },
  ),
})
export type GithubSignature = Static<typeof GithubSignatureSchema>
export type GithubSignatureHint = GithubSignature['hints'][number]

// ---- SigV4 ----------------------------------------------------------------------------

const awsName = (what: string) =>
  Type.String({
    minLength: 1,
    maxLength: 64,
    pattern: '^[a-z0-9-]+$',
    description: `a ${what}: lower-case letters, digits and -`,
  })

export const SIGV4_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const
export type SigV4Method = (typeof SIGV4_METHODS)[number]

export const SigV4SignRequestSchema = Type.Object(
  {
    method: Type.Enum([...SIGV4_METHODS]),
    // Spaces are allowed (and percent-encoded for sending); control characters are not.
    url: httpUrl(
      'https://example.amazonaws.com/?Action=ListUsers&Version=2010-05-08',
      '^[Hh][Tt][Tt][Pp][Ss]?://[^\\u0000-\\u0020\\u007f][^\\u0000-\\u001f\\u007f]*$',
    ),
    headers: Type.Optional(
      Type.Record(
        // Names are checked by the service, whose message can say which one is wrong.
        Type.String({ description: 'an HTTP header name (a token), each name once' }),
        Type.String({
          maxLength: 8192,
          pattern: '^[^\\u0000\\r\\n]*$',
          description: 'a header value on one line',
        }),
        {
          additionalProperties: false,
          maxProperties: 50,
          description:
            'Headers to send and sign, name to value (names are HTTP tokens, each once). ' +
            "`host` defaults to the URL's. Authorization, X-Amz-Date and Date are replaced by the signer.",
        },
      ),
    ),
    body: Type.Optional(
      Type.String({
        pattern: '^[^\\u0000]*$',
        description: 'text without NUL characters, at most 64 KiB',
      }),
    ),
    region: awsName('region'),
    service: awsName('service signing name'),
    accessKeyId: Type.String({
      pattern: '^[A-Za-z0-9._+=@-]{1,128}$',
      description: '1 to 128 letters, digits or . _ + = @ -',
    }),
    secretAccessKey: Type.String({
      minLength: 1,
      maxLength: 256,
      description: 'Never echoed',
    }),
    sessionToken: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4096,
        pattern: '^[!-~]+$',
        description: 'printable ASCII without spaces',
      }),
    ),
    date: Type.Optional(
      Type.String({
        pattern: '^[0-9]{8}T[0-9]{6}Z$',
        description: 'a UTC time as YYYYMMDDTHHMMSSZ',
        examples: ['20150830T123600Z'],
      }),
    ),
  },
  { additionalProperties: false },
)
export type SigV4SignRequest = Static<typeof SigV4SignRequestSchema>

export const SigV4StepsSchema = Type.Object({
  canonicalRequest: Type.String({ description: 'Step 1, as the AWS SDK built it' }),
  stringToSign: Type.String({ description: 'Step 2: algorithm, date, scope, hash of step 1' }),
  signingKey: Type.String({
    description: 'Step 3, hex: the HMAC chain over date, region, service',
  }),
  signature: Type.String({ description: 'Step 4, hex: HMAC-SHA256(signingKey, stringToSign)' }),
  credentialScope: Type.String({ examples: ['20150830/us-east-1/service/aws4_request'] }),
  signedHeaders: Type.String({ examples: ['host;x-amz-date'] }),
  payloadHash: Type.String({ description: 'The last line of the canonical request' }),
  authorization: Type.String({ description: 'The Authorization header' }),
  headers: Type.Record(Type.String(), Type.String(), {
    description: 'Every header to send, the signed ones and the rest',
  }),
  url: Type.String({ description: 'The URL to send, with the path as signed' }),
  curl: Type.String({ description: 'A curl command that sends the signed request' }),
})
export type SigV4Steps = Static<typeof SigV4StepsSchema>

// ---- S3 POST policy -------------------------------------------------------------------

export const S3PolicyInspectRequestSchema = Type.Object(
  {
    policy: Type.String({
      minLength: 1,
      description: 'The `Policy` form field: base64 of the policy JSON; at most 64 KiB',
    }),
    signature: Type.Optional(
      Type.String({
        pattern: '^[0-9A-Fa-f]{64}$',
        description: 'the X-Amz-Signature form field: 64 hex digits',
      }),
    ),
    credentials: Type.Optional(
      Type.Object(
        {
          secretAccessKey: Type.String({
            minLength: 1,
            maxLength: 256,
            description: 'Never echoed',
          }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)
export type S3PolicyInspectRequest = Static<typeof S3PolicyInspectRequestSchema>

export const S3PolicyInspectionSchema = Type.Object({
  policy: Type.Unknown({ description: 'The decoded policy JSON' }),
  expiration: Type.Union(
    [
      Type.Object({
        expiresAt: Type.String({ description: 'ISO 8601' }),
        expired: Type.Boolean(),
        inSeconds: Type.Integer({ description: 'Seconds until it expires; negative once expired' }),
      }),
      Type.Null(),
    ],
    { description: 'null when the policy has no valid expiration' },
  ),
  conditions: Type.Array(
    Type.Object({
      index: Type.Integer({ description: 'Position in the policy\'s "conditions"' }),
      field: Type.Union([Type.String(), Type.Null()], {
        description: 'The form field, without $; content-length-range for a size range',
      }),
      match: Type.Enum(['exact', 'starts-with', 'range', 'invalid']),
      value: Type.Optional(Type.String()),
      min: Type.Optional(Type.Integer()),
      max: Type.Optional(Type.Integer()),
      explanation: Type.String(),
    }),
  ),
  credential: Type.Union(
    [
      Type.Object({
        accessKeyId: Type.String(),
        date: Type.String({ description: 'YYYYMMDD' }),
        region: Type.String(),
        service: Type.String(),
      }),
      Type.Null(),
    ],
    { description: "The x-amz-credential condition's parts; null when absent or malformed" },
  ),
  problems: Type.Array(Type.String(), {
    description: 'What would make S3 refuse this policy',
  }),
  signature: Type.Object({
    status: Type.Enum(['match', 'mismatch', 'not-checked']),
    expected: Type.Optional(
      Type.String({ description: 'The signature for this policy and secret (hex)' }),
    ),
    given: Type.Optional(Type.String()),
    explanation: Type.String(),
  }),
})
export type S3PolicyInspection = Static<typeof S3PolicyInspectionSchema>
