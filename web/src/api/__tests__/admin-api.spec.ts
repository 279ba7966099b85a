import type { Hook } from '@meme-studio/meme-core/schema'
import { describe, expect, it } from 'vitest'
import { PONG_DETAILS, PUSH, SITE_HOOK } from '@/components/webhooks/__tests__/webhook-fixtures.ts'
import { fetchDelivery, listDeliveries, listHooks, signApigee } from '../admin-api.ts'
import { UNREADABLE_ANSWER, UserFacingError } from '../failure-messages.ts'
import { fakeApi, json } from './fake-network.ts'

const HOOKS = '/api/admin/webhooks'
const SITE = `${HOOKS}/${SITE_HOOK.hookId}`

/** An answer the route's schema refuses is no answer: the person is asked to try again. */
async function expectUnreadable(call: Promise<unknown>): Promise<void> {
  const failure: unknown = await call.catch((error: unknown) => error)
  expect(failure).toBeInstanceOf(UserFacingError)
  expect(failure).toMatchObject({ message: UNREADABLE_ANSWER, code: 'UNREADABLE' })
}

describe('admin answers are checked against the route schemas', () => {
  it('takes hooks and deliveries shaped as the schemas say', async () => {
    fakeApi({
      [HOOKS]: json(200, { hooks: [SITE_HOOK] }),
      [`${SITE}/deliveries`]: json(200, { deliveries: [PUSH] }),
      [`${SITE}/deliveries/${PONG_DETAILS.deliveryId}`]: json(200, { delivery: PONG_DETAILS }),
    })
    await expect(listHooks('key-1')).resolves.toEqual([SITE_HOOK])
    await expect(listDeliveries('key-1', SITE_HOOK.hookId)).resolves.toEqual([PUSH])
    await expect(
      fetchDelivery('key-1', SITE_HOOK.hookId, PONG_DETAILS.deliveryId),
    ).resolves.toEqual(PONG_DETAILS)
  })

  it('refuses a hook without its payloadUrl', async () => {
    const withoutUrl: Partial<Hook> = { ...SITE_HOOK }
    delete withoutUrl.payloadUrl
    fakeApi({ [HOOKS]: json(200, { hooks: [withoutUrl] }) })
    await expectUnreadable(listHooks('key-1'))
  })

  it('refuses a delivery whose outcome the schema does not list', async () => {
    fakeApi({ [`${SITE}/deliveries`]: json(200, { deliveries: [{ ...PUSH, outcome: 'lost' }] }) })
    await expectUnreadable(listDeliveries('key-1', SITE_HOOK.hookId))
  })

  it('refuses an Apigee timestamp sent as a number, where the schema has the signed digits', async () => {
    fakeApi({
      '/api/admin/hmac/apigee': json(200, {
        callback: 'https://partner.example/callback',
        clientid: 'client-123',
        timestamp: 1700000000,
        signature: 'q1Zk0gO0mPn3+/fvwJaEUBQ1ZXg=',
        message: '************https://partner.example/callbackclient-1231700000000',
      }),
    })
    await expectUnreadable(
      signApigee('key-1', {
        callback: 'https://partner.example/callback',
        clientid: 'client-123',
        clientsecret: 's3cr3t-value',
      }),
    )
  })
})
