import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import { GALLERY_WAIT_MS, galleryFirst } from '../gallery-first.ts'

const Page = defineComponent(() => () => h('main'))

function setUp(start: () => Promise<void>) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'editor', component: Page },
      { path: '/admin', name: 'admin', component: Page },
    ],
  })
  galleryFirst(router, start)
  return router
}

/** Navigates, and says whether the navigation has finished. */
function navigate(router: ReturnType<typeof setUp>, path: string) {
  let done = false
  const navigation = router.push(path).then((failure) => {
    done = true
    return failure
  })
  return { navigation, done: () => done }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('galleryFirst', () => {
  it('lets a navigation to the editor finish once the gallery’s first page is in', async () => {
    let arrive!: () => void
    const start = vi.fn(() => new Promise<void>((resolve) => (arrive = resolve)))
    const router = setUp(start)
    const { navigation, done } = navigate(router, '/')
    await flushPromises()
    expect(start).toHaveBeenCalledOnce()
    expect(done()).toBe(false)
    expect(router.currentRoute.value.name).toBeUndefined()

    arrive()
    expect(await navigation).toBeUndefined()
    expect(router.currentRoute.value.name).toBe('editor')
  })

  it(`waits ${GALLERY_WAIT_MS} ms at most for an API that does not answer`, async () => {
    vi.useFakeTimers()
    const router = setUp(() => new Promise<void>(() => {}))
    const { navigation, done } = navigate(router, '/')
    await vi.advanceTimersByTimeAsync(GALLERY_WAIT_MS - 1)
    expect(done()).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(await navigation).toBeUndefined()
    expect(router.currentRoute.value.name).toBe('editor')
  })

  it('goes on at once when loading the gallery fails', async () => {
    vi.useFakeTimers()
    const router = setUp(() => Promise.reject(new Error('the chunk did not load')))
    const { navigation, done } = navigate(router, '/')
    // No time passes: the failure, not the wait, lets the navigation finish.
    await vi.advanceTimersByTimeAsync(0)
    expect(done()).toBe(true)
    expect(await navigation).toBeUndefined()
    expect(router.currentRoute.value.name).toBe('editor')
  })

  it('never loads the gallery for another page', async () => {
    const start = vi.fn(() => Promise.resolve())
    const router = setUp(start)
    expect(await router.push('/admin')).toBeUndefined()
    expect(router.currentRoute.value.name).toBe('admin')
    expect(start).not.toHaveBeenCalled()
  })
})
