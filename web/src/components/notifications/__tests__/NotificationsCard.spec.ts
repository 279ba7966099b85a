import type { Notifications } from '@meme-studio/meme-core/schema'
import { flushPromises, type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { fakeApi, json } from '@/api/__tests__/fake-network.ts'
import { buttonNamed, byLabel, mountWithKey } from '@/components/admin/__tests__/admin-test-kit.ts'
import NotificationsCard from '../NotificationsCard.vue'

const PATH = '/api/admin/notifications'
const settings = (
  discord: Notifications['discord'],
  toggles: Partial<Notifications> = {},
): Notifications => ({
  discord,
  notifyOnArchive: false,
  notifyOnShare: false,
  allowMentions: false,
  ...toggles,
})

let wrapper: VueWrapper | undefined
afterEach(() => wrapper?.unmount())

async function mountCard() {
  wrapper = mountWithKey(NotificationsCard)
  await flushPromises()
  return wrapper
}

describe('Discord notifications', () => {
  it('says when DISCORD_WEBHOOK_URL is not configured', async () => {
    fakeApi({ [PATH]: json(200, settings({ configured: false, state: 'unused' })) })
    const card = await mountCard()
    expect(card.get('.notifications__badge').text()).toBe('Not configured')
    expect(card.text()).toContain('Discord is not configured: set DISCORD_WEBHOOK_URL')
  })

  it('sends each toggle to the server as it changes', async () => {
    const api = fakeApi({
      [PATH]: [
        json(200, settings({ configured: true, state: 'ok' })),
        json(200, settings({ configured: true, state: 'ok' }, { notifyOnArchive: true })),
        json(200, settings({ configured: true, state: 'ok' }, { notifyOnShare: true })),
      ],
    })
    const card = await mountCard()
    expect(card.get('.notifications__badge').text()).toBe('Working')

    await byLabel(card, 'Notify when a push is archived').setValue(true)
    await flushPromises()
    await byLabel(card, 'Notify when a meme is shared').setValue(true)
    await flushPromises()

    const puts = api.requestsTo(PATH).filter((request) => request.method === 'PUT')
    expect(puts.map((request) => JSON.parse(request.body ?? ''))).toEqual([
      { notifyOnArchive: true },
      { notifyOnShare: true },
    ])
    expect(puts[0]?.headers.get('x-api-key')).toBe('test-admin-key')
    // The server's answer wins: the second answer has the first toggle off again.
    expect(byLabel(card, 'Notify when a push is archived').element.checked).toBe(false)
    expect(byLabel(card, 'Notify when a meme is shared').element.checked).toBe(true)
  })

  it('turns mentions on with a checkbox that says what it does', async () => {
    const api = fakeApi({
      [PATH]: [
        json(200, settings({ configured: true, state: 'ok' })),
        json(200, settings({ configured: true, state: 'ok' }, { allowMentions: true })),
      ],
    })
    const card = await mountCard()
    const checkbox = byLabel(card, 'Let events mention people')
    expect(checkbox.element.checked).toBe(false)
    const help = card.get(`#${checkbox.attributes('aria-describedby')}`)
    expect(help.text()).toContain('When off, mentions show as text and nobody is notified.')
    await checkbox.setValue(true)
    await flushPromises()
    const puts = api.requestsTo(PATH).filter((request) => request.method === 'PUT')
    expect(puts.map((request) => JSON.parse(request.body ?? ''))).toEqual([{ allowMentions: true }])
    expect(byLabel(card, 'Let events mention people').element.checked).toBe(true)
  })

  it('puts a toggle back, and says why, when the change was not saved', async () => {
    fakeApi({
      [PATH]: [
        json(200, settings({ configured: true, state: 'unused' })),
        json(500, {
          statusCode: 500,
          error: 'Internal Server Error',
          message: 'x',
          code: 'INTERNAL',
        }),
      ],
    })
    const card = await mountCard()
    await byLabel(card, 'Notify when a meme is shared').setValue(true)
    await flushPromises()
    expect(byLabel(card, 'Notify when a meme is shared').element.checked).toBe(false)
    expect(card.get('[role="alert"]').text()).toContain('Something went wrong on our side.')
  })

  it('shows why Discord was disabled, and uses it again on request', async () => {
    const reason = 'Discord answered 404 Unknown Webhook on 2026-03-01 10:00 UTC.'
    const api = fakeApi({
      [PATH]: [
        json(200, settings({ configured: true, state: 'disabled', reason })),
        json(200, settings({ configured: true, state: 'unused' })),
      ],
    })
    const card = await mountCard()
    expect(card.get('.notifications__badge').text()).toBe('Disabled')
    const alert = card.get('.notifications__disabled')
    expect(alert.text()).toContain('Nothing is sent to Discord any more.')
    expect(alert.text()).toContain(reason)

    await buttonNamed(card, 'Use it again').trigger('click')
    await flushPromises()
    const put = api.requestsTo(PATH).find((request) => request.method === 'PUT')
    expect(JSON.parse(put?.body ?? '')).toEqual({ resetDiscord: true })
    expect(card.find('.notifications__disabled').exists()).toBe(false)
    expect(card.get('.notifications__badge').text()).toBe('Not used yet')
  })
})
