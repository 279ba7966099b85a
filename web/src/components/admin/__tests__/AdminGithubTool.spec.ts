import { type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { fakeApi, json } from '@/api/__tests__/fake-network.ts'
import AdminGithubTool from '../AdminGithubTool.vue'
import { fillAndSubmit, marked, mountWithKey, output } from './admin-test-kit.ts'

// GitHub Docs, "Validating webhook deliveries".
const SECRET = "It's a Secret to Everybody"
const HEADER = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'
// Made up: the fake server below claims it is the payload's with a newline.
const WITH_NEWLINE = 'sha256=1c0f0b3bd5bb1f3a2a0a9e2e6b2e2d5a7c1b0f9b8e7d6c5b4a39281706f5e4d3'

let wrapper: VueWrapper | undefined
afterEach(() => wrapper?.unmount())

const causeTitles = (view: VueWrapper) =>
  view.findAll('.github__cause strong').map((title) => title.text())

describe('GitHub webhook signature', () => {
  it('explains the usual mismatch causes before anything is sent', () => {
    fakeApi({})
    wrapper = mountWithKey(AdminGithubTool)
    expect(causeTitles(wrapper)).toEqual([
      'Re-serialised JSON.',
      'Trailing newline.',
      'Wrong secret.',
      'Form encoding.',
    ])
  })

  it('sends the raw payload and secret, and shows the header', async () => {
    const api = fakeApi({ '/api/admin/hmac/github': json(200, { header: HEADER, hints: [] }) })
    wrapper = mountWithKey(AdminGithubTool)
    await fillAndSubmit(wrapper, { Payload: 'Hello, World!', 'Webhook secret': SECRET })

    expect(JSON.parse(api.requestsTo('/api/admin/hmac/github')[0]?.body ?? '')).toEqual({
      secret: SECRET,
      payload: 'Hello, World!',
    })
    expect(output(wrapper, 'X-Hub-Signature-256').text()).toBe(HEADER)
    expect(wrapper.find('.verdict').exists()).toBe(false)
  })

  it('on a mismatch, points at the cause whose header is the expected one', async () => {
    const api = fakeApi({
      '/api/admin/hmac/github': json(200, {
        header: HEADER,
        matches: false,
        hints: [
          {
            cause: 'trailing-newline-added',
            description: 'The payload with a newline added at the end',
            header: WITH_NEWLINE,
            matches: true,
          },
          {
            cause: 'form-encoded',
            description: 'The payload as GitHub sends it form-encoded',
            header: `sha256=${'0'.repeat(64)}`,
            matches: false,
          },
          {
            cause: 'json-compact',
            description: 'The payload parsed and written back as compact JSON',
            header: `sha256=${'1'.repeat(64)}`,
            matches: false,
          },
        ],
      }),
    })
    wrapper = mountWithKey(AdminGithubTool)
    await fillAndSubmit(wrapper, {
      Payload: 'Hello, World!',
      'Webhook secret': SECRET,
      'Expected X-Hub-Signature-256': WITH_NEWLINE,
    })

    expect(JSON.parse(api.requests[0]?.body ?? '')).toMatchObject({ expected: WITH_NEWLINE })
    expect(wrapper.get('.verdict').text()).toBe('Mismatch')
    expect(wrapper.get('.github__found').text()).toBe(
      `This expected value matches the payload with a trailing newline: ${WITH_NEWLINE}`,
    )
    const found = wrapper.get('.github__cause--found')
    expect(found.text()).toContain('Trailing newline.')
    expect(found.get('.github__tried--found').text()).toBe(
      `The payload with a newline added at the end: ${WITH_NEWLINE}`,
    )
    expect(wrapper.findAll('.github__cause--found')).toHaveLength(1)
    const causes = wrapper.findAll('.github__cause').map((cause) => cause.text())
    // Every change the server tries is listed under one of the four usual causes.
    expect(causes).toHaveLength(4)
    expect(causes[3]).toContain(
      `The payload as GitHub sends it form-encoded: sha256=${'0'.repeat(64)}`,
    )
    expect(causes[0]).toContain(
      `The payload parsed and written back as compact JSON: sha256=${'1'.repeat(64)}`,
    )
    // The cause found, the character-by-character comparison would only be noise.
    expect(wrapper.find('mark').exists()).toBe(false)
  })

  it('marks the differing characters when no usual cause explains a mismatch', async () => {
    const expected = `sha256=${HEADER.slice(7, -1)}0`
    fakeApi({
      '/api/admin/hmac/github': json(200, {
        header: HEADER,
        matches: false,
        hints: [
          {
            cause: 'trailing-newline-added',
            description: 'The payload with a newline added at the end',
            header: WITH_NEWLINE,
            matches: false,
          },
        ],
      }),
    })
    wrapper = mountWithKey(AdminGithubTool)
    await fillAndSubmit(wrapper, {
      Payload: 'Hello, World!',
      'Webhook secret': SECRET,
      'Expected X-Hub-Signature-256': expected.slice(7),
    })
    expect(wrapper.find('.github__found').exists()).toBe(false)
    expect(marked(output(wrapper, 'Expected digest'))).toEqual(['0'])
    expect(marked(output(wrapper, 'Computed digest'))).toEqual(['7'])
  })

  it('says Match when the expected header is the one computed', async () => {
    fakeApi({ '/api/admin/hmac/github': json(200, { header: HEADER, matches: true, hints: [] }) })
    wrapper = mountWithKey(AdminGithubTool)
    await fillAndSubmit(wrapper, {
      Payload: 'Hello, World!',
      'Webhook secret': SECRET,
      'Expected X-Hub-Signature-256': HEADER,
    })
    expect(wrapper.get('.verdict').text()).toBe('Match')
    expect(wrapper.find('.github__found').exists()).toBe(false)
  })
})
