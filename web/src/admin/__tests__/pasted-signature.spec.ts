import { describe, expect, it } from 'vitest'
import { digestToCompare, pastedSignature } from '../pasted-signature.ts'

describe('pastedSignature', () => {
  it('takes the signature out of a whole Authorization header', () => {
    const header =
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'
    expect(pastedSignature(`${header}\n`)).toBe(
      '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    )
  })

  it('keeps a bare signature, trimmed', () => {
    expect(pastedSignature('  abc123 \n')).toBe('abc123')
  })
})

describe('digestToCompare', () => {
  const digest = { hex: 'b0344c61', base64: 'sDRMYQ==' }

  it('compares hex with hex, prefix and case aside', () => {
    expect(digestToCompare('sha256=B0344C62', digest)).toEqual({
      expected: 'b0344c62',
      actual: 'b0344c61',
    })
  })

  it('compares anything else with base64', () => {
    expect(digestToCompare(' sDRMYq== ', digest)).toEqual({
      expected: 'sDRMYq==',
      actual: 'sDRMYQ==',
    })
  })
})
