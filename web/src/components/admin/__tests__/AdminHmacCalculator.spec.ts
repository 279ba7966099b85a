import { type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { fakeApi, json } from '@/api/__tests__/fake-network.ts'
import AdminHmacCalculator from '../AdminHmacCalculator.vue'
import { byLabel, fillAndSubmit, marked, mountWithKey, output } from './admin-test-kit.ts'

// RFC 4231, section 4.3 (test case 2): key "Jefe", HMAC-SHA-256.
const CASE_2 = {
  hex: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  base64: 'W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=',
}

let wrapper: VueWrapper | undefined
afterEach(() => wrapper?.unmount())

describe('HMAC calculator', () => {
  it('sends the algorithm, key, message and their encodings, and shows hex and base64', async () => {
    const api = fakeApi({ '/api/admin/hmac': json(200, CASE_2) })
    wrapper = mountWithKey(AdminHmacCalculator)
    expect(byLabel(wrapper, 'Algorithm').element.value).toBe('sha256')
    expect(byLabel(wrapper, 'Key').attributes('type')).toBe('password')
    await fillAndSubmit(wrapper, { Key: 'Jefe', Message: 'what do ya want for nothing?' })

    expect(JSON.parse(api.requestsTo('/api/admin/hmac')[0]?.body ?? '')).toEqual({
      algorithm: 'sha256',
      key: 'Jefe',
      keyEncoding: 'utf8',
      message: 'what do ya want for nothing?',
      messageEncoding: 'utf8',
    })
    expect(output(wrapper, 'Hex').text()).toBe(CASE_2.hex)
    expect(output(wrapper, 'Base64').text()).toBe(CASE_2.base64)
    expect(wrapper.find('.verdict').exists()).toBe(false)
  })

  it('sends the chosen encodings and the expected value, and marks where it differs', async () => {
    const api = fakeApi({ '/api/admin/hmac': json(200, { ...CASE_2, matches: false }) })
    wrapper = mountWithKey(AdminHmacCalculator)
    await byLabel(wrapper, 'Algorithm').setValue('sha512')
    await byLabel(wrapper, 'Key encoding').setValue('hex')
    await byLabel(wrapper, 'Message encoding').setValue('base64')
    const wrong = `${CASE_2.hex.slice(0, -1)}0`
    await fillAndSubmit(wrapper, {
      Key: '4a656665',
      Message: 'aGk=',
      'Expected HMAC': `  ${wrong.toUpperCase()} `,
    })

    expect(JSON.parse(api.requests[0]?.body ?? '')).toEqual({
      algorithm: 'sha512',
      key: '4a656665',
      keyEncoding: 'hex',
      message: 'aGk=',
      messageEncoding: 'base64',
      expected: wrong.toUpperCase(),
    })
    expect(wrapper.get('.verdict').text()).toBe('Mismatch')
    expect(marked(output(wrapper, 'Expected'))).toEqual(['0'])
    expect(marked(output(wrapper, 'Calculated'))).toEqual(['3'])
  })

  it('says hex may come in either case, as the server takes it', () => {
    fakeApi({})
    wrapper = mountWithKey(AdminHmacCalculator)
    const described = byLabel(wrapper, 'Expected HMAC').attributes('aria-describedby')
    expect(wrapper.get(`#${CSS.escape(described ?? '')}`).text()).toBe(
      'Optional. Hex (upper or lower case) or base64, to compare with.',
    )
  })
})
