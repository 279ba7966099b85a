import type {
  ApigeeSignature,
  ApigeeVerification,
  ApigeeWarning,
} from '@meme-studio/meme-core/schema'
import { type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fakeApi, json } from '@/api/__tests__/fake-network.ts'
import AdminApigeeTool from '../AdminApigeeTool.vue'
import {
  API_KEY,
  buttonNamed,
  byLabel,
  fillAndSubmit,
  marked,
  mountWithKey,
  output,
} from './admin-test-kit.ts'

const INPUTS = {
  Callback: 'https://partner.example/callback',
  'Client ID': 'client-123',
  'Client secret': 's3cr3t-value',
}
const SIGNED: ApigeeSignature = {
  callback: 'https://partner.example/callback',
  clientid: 'client-123',
  timestamp: '1700000000',
  signature: 'q1Zk0gO0mPn3+/fvwJaEUBQ1ZXg=',
  message: '••••••••https://partner.example/callbackclient-1231700000000',
  warnings: [],
}
const AMBIGUOUS: ApigeeWarning = {
  kind: 'ambiguous-split',
  message:
    'The formula joins callback, client ID and timestamp without separators, so other inputs ' +
    'give this same signature: callback "https://partner.example/callbac" with client ID ' +
    '"kclient-123" signs exactly as callback "https://partner.example/callback" with client ID ' +
    '"client-123". The signature alone cannot tell them apart: the partner must check the ' +
    'callback and the client ID themselves (against the registered app).',
  alternative: { callback: 'https://partner.example/callbac', clientid: 'kclient-123' },
}
/** A verification of SIGNED's inputs: what the server found, given what was checked. */
const verification = (
  found: Pick<ApigeeVerification, 'matches' | 'expected' | 'given' | 'hint'> &
    Partial<Pick<ApigeeVerification, 'warnings'>>,
): ApigeeVerification => ({
  callback: SIGNED.callback,
  clientid: SIGNED.clientid,
  timestamp: SIGNED.timestamp,
  message: SIGNED.message,
  warnings: [],
  ...found,
})

let wrapper: VueWrapper | undefined
afterEach(() => wrapper?.unmount())

describe('Apigee OAuth signature', () => {
  it('sends the inputs with the key, and shows the signature, message and a curl command', async () => {
    const api = fakeApi({ '/api/admin/hmac/apigee': json(200, SIGNED) })
    wrapper = mountWithKey(AdminApigeeTool)
    await fillAndSubmit(wrapper, { ...INPUTS, Timestamp: ' 1700000000 ' })

    const [sent] = api.requestsTo('/api/admin/hmac/apigee')
    expect(sent?.method).toBe('POST')
    expect(sent?.headers.get('x-api-key')).toBe(API_KEY)
    expect(JSON.parse(sent?.body ?? '')).toEqual({
      callback: 'https://partner.example/callback',
      clientid: 'client-123',
      clientsecret: 's3cr3t-value',
      timestamp: '1700000000',
    })
    expect(output(wrapper, 'Signature').text()).toBe(SIGNED.signature)
    expect(output(wrapper, 'Timestamp').text()).toBe('1700000000')
    expect(output(wrapper, 'Signed message').text()).toBe(SIGNED.message)
    expect(output(wrapper, 'curl command').text()).toBe(
      [
        "curl -G 'https://partner.example/callback'",
        "--data-urlencode 'client_id=client-123'",
        "--data-urlencode 'timestamp=1700000000'",
        `--data-urlencode 'signature=${SIGNED.signature}'`,
      ].join(' \\\n  '),
    )
    expect(wrapper.text()).not.toContain('s3cr3t-value')
  })

  it("shows the server's warnings as a note: inputs that another split signs alike", async () => {
    fakeApi({ '/api/admin/hmac/apigee': json(200, { ...SIGNED, warnings: [AMBIGUOUS] }) })
    wrapper = mountWithKey(AdminApigeeTool)
    await fillAndSubmit(wrapper, INPUTS)
    const note = wrapper.get('[role="note"]')
    const title = note.get('h3')
    expect(note.attributes('aria-labelledby')).toBe(title.attributes('id'))
    expect(title.text()).toBe('Before you rely on this signature')
    expect(note.findAll('li').map((item) => item.text())).toEqual([AMBIGUOUS.message])
  })

  it('shows the warnings of a verification too, and no note when there are none', async () => {
    fakeApi({
      '/api/admin/hmac/apigee/verify': json(
        200,
        verification({
          matches: true,
          expected: SIGNED.signature,
          given: SIGNED.signature,
          warnings: [AMBIGUOUS],
        }),
      ),
      '/api/admin/hmac/apigee': json(200, SIGNED),
    })
    wrapper = mountWithKey(AdminApigeeTool)
    await fillAndSubmit(wrapper, INPUTS)
    expect(wrapper.find('[role="note"]').exists()).toBe(false)
    await wrapper.get('input[value="verify"]').setValue(true)
    await fillAndSubmit(wrapper, {
      ...INPUTS,
      Timestamp: '1700000000',
      'Signature to check': SIGNED.signature,
    })
    expect(wrapper.get('[role="note"]').text()).toContain(AMBIGUOUS.message)
  })

  it('says the secret shows as 8 •, whatever its length', async () => {
    fakeApi({ '/api/admin/hmac/apigee': json(200, SIGNED) })
    wrapper = mountWithKey(AdminApigeeTool)
    await fillAndSubmit(wrapper, INPUTS)
    expect(wrapper.text()).toContain('The secret shows as 8 •, whatever its length.')
  })

  it('leaves the timestamp out for the server to choose when none is typed', async () => {
    const api = fakeApi({ '/api/admin/hmac/apigee': json(200, SIGNED) })
    wrapper = mountWithKey(AdminApigeeTool)
    await fillAndSubmit(wrapper, INPUTS)
    expect(JSON.parse(api.requests[0]?.body ?? '')).not.toHaveProperty('timestamp')
  })

  it('copies the signature', async () => {
    fakeApi({ '/api/admin/hmac/apigee': json(200, SIGNED) })
    const writeText = vi.fn(async () => undefined)
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } })
    wrapper = mountWithKey(AdminApigeeTool)
    await fillAndSubmit(wrapper, INPUTS)

    await buttonNamed(wrapper, 'Copy Signature').trigger('click')
    await vi.waitFor(() => expect(writeText).toHaveBeenCalledWith(SIGNED.signature))
    expect(buttonNamed(wrapper, 'Copied Signature').exists()).toBe(true)
    expect(wrapper.findAll('[role="status"]').map((status) => status.text())).toContain(
      'Signature copied',
    )
  })

  it('keeps the secret hidden until asked, and out of the browser', async () => {
    fakeApi({})
    wrapper = mountWithKey(AdminApigeeTool)
    const secret = byLabel(wrapper, 'Client secret')
    expect(secret.attributes()).toMatchObject({ type: 'password', autocomplete: 'off' })
    await buttonNamed(wrapper, 'Show Client secret').trigger('click')
    expect(secret.attributes('type')).toBe('text')
    await buttonNamed(wrapper, 'Hide Client secret').trigger('click')
    expect(secret.attributes('type')).toBe('password')
  })

  it('checks a signature, and shows a mismatch: what was signed and which characters differ', async () => {
    const api = fakeApi({
      '/api/admin/hmac/apigee/verify': json(
        200,
        verification({
          matches: false,
          expected: 'q1Zk0gO0mPn3+/fvwJaEUBQ1ZXg=',
          given: 'q1Zk0gO0mPn3+/fvwJaEUBQ1ZXh=',
        }),
      ),
    })
    wrapper = mountWithKey(AdminApigeeTool)
    await wrapper.get('input[type="radio"][value="verify"]').setValue(true)
    expect(buttonNamed(wrapper, 'Check signature').exists()).toBe(true)
    await fillAndSubmit(wrapper, {
      ...INPUTS,
      Timestamp: '1700000000',
      'Signature to check': 'q1Zk0gO0mPn3+/fvwJaEUBQ1ZXh=',
    })

    expect(JSON.parse(api.requests[0]?.body ?? '')).toEqual({
      callback: 'https://partner.example/callback',
      clientid: 'client-123',
      clientsecret: 's3cr3t-value',
      timestamp: '1700000000',
      signature: 'q1Zk0gO0mPn3+/fvwJaEUBQ1ZXh=',
    })
    expect(wrapper.get('[role="status"].verdict').text()).toBe('Mismatch')
    expect(output(wrapper, 'Signed message').text()).toBe(SIGNED.message)
    expect(marked(output(wrapper, 'Expected signature'))).toEqual(['g'])
    expect(marked(output(wrapper, 'Given signature'))).toEqual(['h'])
  })

  it('passes on what the server recognises in a mangled signature', async () => {
    const hint =
      'Each + of the signature became a space, as a query string or form decoder does; with + back, it matches.'
    fakeApi({
      '/api/admin/hmac/apigee/verify': json(
        200,
        verification({
          matches: false,
          expected: SIGNED.signature,
          given: SIGNED.signature.replace('+', ' '),
          hint,
        }),
      ),
    })
    wrapper = mountWithKey(AdminApigeeTool)
    await wrapper.get('input[type="radio"][value="verify"]').setValue(true)
    await fillAndSubmit(wrapper, {
      ...INPUTS,
      Timestamp: '1700000000',
      'Signature to check': SIGNED.signature.replace('+', ' '),
    })
    expect(wrapper.get('.verdict').text()).toBe('Mismatch')
    expect(wrapper.get('.apigee__hint').text()).toBe(hint)
  })

  it('says Match for a matching signature', async () => {
    fakeApi({
      '/api/admin/hmac/apigee/verify': json(
        200,
        verification({ matches: true, expected: SIGNED.signature, given: SIGNED.signature }),
      ),
    })
    wrapper = mountWithKey(AdminApigeeTool)
    await wrapper.get('input[type="radio"][value="verify"]').setValue(true)
    await fillAndSubmit(wrapper, {
      ...INPUTS,
      Timestamp: '1700000000',
      'Signature to check': SIGNED.signature,
    })
    expect(wrapper.get('.verdict').text()).toBe('Match')
    expect(wrapper.find('mark').exists()).toBe(false)
  })

  it('asks for the timestamp before checking a signature', async () => {
    const api = fakeApi({})
    wrapper = mountWithKey(AdminApigeeTool)
    await wrapper.get('input[type="radio"][value="verify"]').setValue(true)
    await fillAndSubmit(wrapper, { ...INPUTS, 'Signature to check': 'abc' })
    expect(wrapper.get('[role="alert"]').text()).toContain(
      'Enter the timestamp the signature was made with.',
    )
    expect(api.requests).toHaveLength(0)
  })

  it("shows the API's refusal of a field by the field's label", async () => {
    fakeApi({
      '/api/admin/hmac/apigee': json(400, {
        statusCode: 400,
        error: 'Bad Request',
        message: 'body/timestamp must be whole seconds since 1970, digits only',
        code: 'VALIDATION',
      }),
    })
    wrapper = mountWithKey(AdminApigeeTool)
    await fillAndSubmit(wrapper, { ...INPUTS, Timestamp: 'yesterday' })
    expect(wrapper.get('[role="alert"]').text()).toContain(
      'Timestamp must be whole seconds since 1970, digits only.',
    )
  })
})
