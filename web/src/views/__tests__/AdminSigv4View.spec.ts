import type { SigV4Steps } from '@meme-studio/meme-core/schema'
import { type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { fakeApi, json } from '@/api/__tests__/fake-network.ts'
import {
  byLabel,
  fillAndSubmit,
  mountWithKey,
} from '@/components/admin/__tests__/admin-test-kit.ts'
import AdminSigv4View from '../AdminSigv4View.vue'

// get-vanilla, from the AWS SigV4 test suite (awslabs/aws-c-auth,
// tests/aws-signing-test-suite/v4/get-vanilla).
const CANONICAL = [
  'GET',
  '/',
  '',
  'host:example.amazonaws.com',
  'x-amz-date:20150830T123600Z',
  '',
  'host;x-amz-date',
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
].join('\n')
const SIGNATURE = '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'
const AUTHORIZATION = `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIGNATURE}`
const SIGNED: SigV4Steps = {
  canonicalRequest: CANONICAL,
  stringToSign:
    'AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63',
  signingKey: '938127b5336810ddb6a5d6af445fcac9e371f9ed418ed386b022aed82901be75',
  signature: SIGNATURE,
  credentialScope: '20150830/us-east-1/service/aws4_request',
  signedHeaders: 'host;x-amz-date',
  payloadHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  authorization: AUTHORIZATION,
  headers: {
    host: 'example.amazonaws.com',
    'x-amz-date': '20150830T123600Z',
    authorization: AUTHORIZATION,
  },
  url: 'https://example.amazonaws.com/',
  curl: "curl -X GET 'https://example.amazonaws.com/' -H 'x-amz-date: 20150830T123600Z'",
}
const INPUTS = {
  URL: 'https://example.amazonaws.com/',
  Headers: 'Host: example.amazonaws.com',
  Service: 'service',
  'Access key ID': 'AKIDEXAMPLE',
  'Secret access key': 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  Date: '20150830T123600Z',
}

let wrapper: VueWrapper | undefined
afterEach(() => wrapper?.unmount())

const panel = (view: VueWrapper, title: string) => {
  const found = view.findAll('section').find((section) => section.get('h2').text() === title)
  expect(found, `a panel "${title}"`).toBeDefined()
  return found!
}

describe('SigV4 page', () => {
  it('sends the request and credentials, and shows each step in its own panel, in order', async () => {
    const api = fakeApi({ '/api/admin/sigv4/sign': json(200, SIGNED) })
    wrapper = mountWithKey(AdminSigv4View)
    expect(byLabel(wrapper, 'Secret access key').attributes('type')).toBe('password')
    expect(byLabel(wrapper, 'Session token').attributes('type')).toBe('password')
    await fillAndSubmit(wrapper, INPUTS)

    expect(JSON.parse(api.requestsTo('/api/admin/sigv4/sign')[0]?.body ?? '')).toEqual({
      method: 'GET',
      url: 'https://example.amazonaws.com/',
      headers: { Host: 'example.amazonaws.com' },
      region: 'us-east-1',
      service: 'service',
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      date: '20150830T123600Z',
    })
    const titles = wrapper.findAll('section h2').map((title) => title.text())
    expect(titles).toEqual([
      '1 Canonical request',
      '2 String to sign',
      '3 Signing key',
      '4 Signature',
      '5 Authorization header',
      '6 curl',
    ])
    expect(panel(wrapper, '1 Canonical request').get('pre').text()).toBe(CANONICAL)
    expect(panel(wrapper, '3 Signing key').get('pre').text()).toBe(SIGNED.signingKey)
    expect(panel(wrapper, '4 Signature').get('pre').text()).toBe(SIGNATURE)
    const authorization = panel(wrapper, '5 Authorization header')
    expect(authorization.get('pre').text()).toBe(AUTHORIZATION)
    expect(authorization.text()).toContain('host;x-amz-date')
    expect(authorization.text()).toContain('x-amz-date: 20150830T123600Z')
    expect(panel(wrapper, '6 curl').get('pre').text()).toBe(SIGNED.curl)
    expect(wrapper.find('.verdict').exists()).toBe(false)
  })

  it('sends a body, a session token and combined headers only when given', async () => {
    const api = fakeApi({ '/api/admin/sigv4/sign': json(200, SIGNED) })
    wrapper = mountWithKey(AdminSigv4View)
    await byLabel(wrapper, 'Method').setValue('POST')
    await fillAndSubmit(wrapper, {
      ...INPUTS,
      Headers: 'Host: example.amazonaws.com\n\nX-Amz-Meta-A: 1\nx-amz-meta-a: 2\n',
      Body: '{"a":1}\n',
      'Session token': 'token==',
      Date: '',
    })
    const sent = JSON.parse(api.requests[0]?.body ?? '')
    expect(sent).toMatchObject({
      method: 'POST',
      headers: { Host: 'example.amazonaws.com', 'X-Amz-Meta-A': '1,2' },
      body: '{"a":1}\n',
      sessionToken: 'token==',
    })
    expect(sent).not.toHaveProperty('date')
  })

  it('marks the signature panel and the differing characters when the expected one differs', async () => {
    fakeApi({ '/api/admin/sigv4/sign': json(200, SIGNED) })
    wrapper = mountWithKey(AdminSigv4View)
    const wrong = `${SIGNATURE.slice(0, 10)}0${SIGNATURE.slice(11)}`
    await fillAndSubmit(wrapper, { ...INPUTS, 'Expected signature': wrong })

    const signature = panel(wrapper, '4 Signature')
    expect(signature.classes()).toContain('step--mismatch')
    expect(signature.get('.verdict').text()).toBe('Mismatch')
    expect(signature.findAll('mark').map((mark) => mark.text())).toEqual([
      '0',
      SIGNATURE.charAt(10),
    ])

    await byLabel(wrapper, 'Expected signature').setValue(AUTHORIZATION)
    expect(signature.get('.verdict').text()).toBe('Match')
    expect(signature.classes()).toContain('step--match')
    expect(signature.find('mark').exists()).toBe(false)
  })

  it('compares an expected canonical request line by line, with a legend', async () => {
    fakeApi({ '/api/admin/sigv4/sign': json(200, SIGNED) })
    wrapper = mountWithKey(AdminSigv4View)
    const expected = CANONICAL.replace('host;x-amz-date', 'host;x-amz-content-sha256;x-amz-date')
    await fillAndSubmit(wrapper, { ...INPUTS, 'Expected canonical request': expected })

    const canonical = panel(wrapper, '1 Canonical request')
    expect(canonical.get('.verdict').text()).toBe('Mismatch')
    expect(canonical.findAll('.line-diff__legend li').map((item) => item.text())).toEqual([
      '− 1 line only in the expected one',
      '+ 1 line only in this one',
    ])
    expect(canonical.findAll('.line-diff__line--expected').map((line) => line.text())).toEqual([
      '−Only in the expected one: host;x-amz-content-sha256;x-amz-date',
    ])
    expect(canonical.findAll('.line-diff__line--actual').map((line) => line.text())).toEqual([
      '+Only in this one: host;x-amz-date',
    ])
    expect(canonical.findAll('.line-diff__line--both')).toHaveLength(7)

    await byLabel(wrapper, 'Expected canonical request').setValue(`${CANONICAL}\n`)
    expect(canonical.get('.verdict').text()).toBe('Match')
    expect(canonical.find('.line-diff').exists()).toBe(false)
  })

  it('says which header line it cannot read, and sends nothing', async () => {
    const api = fakeApi({})
    wrapper = mountWithKey(AdminSigv4View)
    await fillAndSubmit(wrapper, { ...INPUTS, Headers: 'Host: example.amazonaws.com\nX-Broken' })
    expect(wrapper.get('[role="alert"]').text()).toContain(
      "Line 2 of Headers isn't a header: write one per line as Name: value.",
    )
    expect(api.requests).toHaveLength(0)
  })

  it("shows the API's refusal of a field by the field's label", async () => {
    fakeApi({
      '/api/admin/sigv4/sign': json(400, {
        statusCode: 400,
        error: 'Bad Request',
        message: 'body/date must be a date and time like 20150830T123600Z',
        code: 'VALIDATION',
      }),
    })
    wrapper = mountWithKey(AdminSigv4View)
    await fillAndSubmit(wrapper, { ...INPUTS, Date: '2015-08-30' })
    expect(wrapper.get('[role="alert"]').text()).toContain(
      'Date must be a date and time like 20150830T123600Z.',
    )
  })
})
